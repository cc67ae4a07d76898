"""The audit JSON's layout: objects and lists one member a line down to a version's fields,
anything deeper on one line, as json.dumps writes it; whatever the values hold."""
from __future__ import annotations

import io
import json
from typing import Any

import pytest

from slopolicy.report.audit.json import EXPANDED, _each, _layout, _write


def expected(value: Any, depth: int) -> str:
    """The layout as the contract states it, written the slow way."""
    if depth >= EXPANDED or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {expected(v, depth + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    items = [f"{pad}{expected(v, depth + 1)}" for v in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"


VERSION = {
    "commit": "4714ddca0e0fec6bde0726d54fd9095b58acb1a4", "author": "Zoë <zoe@acme.example>",
    "version": 2, "effective": {"from": "2022-03-01", "until": None},
    "classes": ["modified", "tightened"],
    "changes": [{"path": "spec.objectives[availability].targetPercent", "from": 99.9,
                 "to": 99.95, "direction": "tightened"}],
    "approvals": [], "required": [{"class": "modified", "role": "legal", "count": 1}],
    "policy": {"commit": None, "error": None}, "compliant": False, "ratio": 0.5,
}
VALUES = [
    VERSION,
    {"agreements": [{"document": "SLA/a", "versions": [VERSION, VERSION]}], "empty": {}},
    # the mark the one-line writer puts between members, as a value and inside values
    {"a": "\0", "b": ["\0", "x", "\0"], "c": {"\0": "\0"}, "d": 'quote", "\\u0000", "',
     "e": ["x", "\0", "\0", "y"]},
    ["\0", ["\0", 1], {"k": ["\0"]}, ["x", "\0", "y"], "\0", "z"],
    # keys that read as format directives, odd characters, numbers that are not integers
    {"100%": "%s", "%(x)s": "%%", "line\nbreak": "tab\t", "é": "\u2028", "n": -0.0},
    {"terms": {"spec": {"objectives": [{"targetPercent": 99.9, "nested": {"deep": [1, 2]}}]}}},
    [[], {}, "", 0, None, True, [[[[[[1]]]]]]],
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("depth", range(EXPANDED + 2))
def test_layout_is_the_contract(value: Any, depth: int) -> None:
    assert _layout(value, depth) == expected(value, depth)


def test_streamed_lists_are_written_as_laid_out() -> None:
    data = {"version": 1, "agreements": _each([VERSION, VALUES[2]], dict, lazy=True),
            "none": _each([], dict, lazy=True)}
    stream = io.StringIO()
    _write(data, 0, stream)
    plain = {"version": 1, "agreements": [VERSION, VALUES[2]], "none": []}
    assert stream.getvalue() == expected(plain, 0)
