"""The audit JSON's layout: objects and lists one member a line down to a version's fields,
anything deeper on one line, as json.dumps writes it; whatever the values hold."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import git
from gitrepos import POLICY, sla

from slopolicy.config.project import open_project
from slopolicy.gitops import audit
from slopolicy.gitops.git import open_repo
from slopolicy.report.audit.json import EXPANDED, _each, _layout, _write, report, timeline_json


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


def test_a_real_audit_is_written_as_its_values_lay_out(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed, with the values many versions share encoded once, the report is the layout
    of the timeline's plain values."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".slopolicy.yaml").write_text(POLICY)
    (tmp_path / "slas").mkdir()
    for version, target in enumerate(["99.9", "99.95", "99.5", "99.95", "99.9"], start=1):
        for name in ("globex", "initech"):
            (tmp_path / "slas" / f"{name}.yaml").write_text(
                sla(version, f"2025-0{version}-01", target).replace("globex", name))
        git(tmp_path, "add", "-A")
        date = f"2025-0{version}-01T12:00:00+00:00"
        git(tmp_path, "commit", "-q", "-m", f"v{version}", env={
            "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@acme.example",
            "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@acme.example",
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    monkeypatch.chdir(tmp_path)
    project = open_project([], None)
    repo = open_repo(project.repo_root)
    history = audit.walk(project, repo, track_slos=False)
    found = audit.AuditReport(history, history.agreements, None, None, None, None, None,
                              project.repo_root.name, "", "internal")
    stream = io.StringIO()
    report(found, stream)
    assert stream.getvalue() == _layout(timeline_json(found), 0) + "\n"
    data = json.loads(stream.getvalue())
    assert data["summary"] == {"agreements": 2, "versions": 10, "nonCompliant": 8}
    assert isinstance(data["failures"][0]["missing"], str)
    assert data["agreements"][0]["versions"][1]["missing"][0]["role"] == "legal"
