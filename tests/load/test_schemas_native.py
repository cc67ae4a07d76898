"""The native validator and jsonschema agree on every document they both judge.

The native validator decides alone when a document is valid, so it must never
call valid what jsonschema refuses; and where it refuses, jsonschema must
find the error that makes the message. Compared on the conformance corpus,
the shipped examples, and mutations of each of their documents.
"""
from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import HERE, REPO

from slopolicy.load import schemas
from slopolicy.load.files import load_bytes


def documents() -> Iterator[tuple[str, dict[str, Any]]]:
    folders = [HERE / "conformance" / "openslo", REPO / "examples"]
    for folder in folders:
        for path in sorted(folder.rglob("*.y*ml")):
            source = load_bytes(path.name, path.read_bytes())
            for doc in source.documents:
                if doc.known and schemas.def_name(doc.api_version, doc.kind) in schemas.bundle()["$defs"]:
                    yield f"{path.relative_to(REPO)}:{doc.label}", dict(doc.data)


def mutations(data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Each document broken or bent in the ways users and attackers do."""
    def leaves(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield (*path, key), value
                yield from leaves(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield (*path, index), value
                yield from leaves(value, (*path, index))

    def put(path: tuple[Any, ...], value: Any) -> Any:
        changed = copy.deepcopy(data)
        node = changed
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        return changed

    def drop(path: tuple[Any, ...]) -> Any:
        changed = copy.deepcopy(data)
        node = changed
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
        return changed

    for path, value in list(leaves(data, ())):
        yield f"{path} dropped", drop(path)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            for replacement in (Decimal(value) + Decimal("0.0"), Decimal(value) * 100, -value,
                                Decimal(value) + Decimal("1e-30"), str(value), True, 10**30):
                yield f"{path} = {replacement!r}", put(path, replacement)
        elif isinstance(value, str):
            for replacement in ("", value.upper(), value + " x", Decimal("1.0"), None, [value]):
                yield f"{path} = {replacement!r}", put(path, replacement)
        elif isinstance(value, (dict, list)):
            yield f"{path} emptied", put(path, type(value)())
        yield f"{path} + extra key", put(path, {"unexpected": 1}) if isinstance(value, dict) else data


CASES = [(label, data) for label, data in documents()]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(("label", "data"), CASES, ids=[label for label, _ in CASES])
def test_both_validators_agree(label: str, data: dict[str, Any]) -> None:
    name = schemas.def_name(data["apiVersion"], data["kind"])
    slow = schemas.validator(data["apiVersion"], data["kind"])
    disagree = []
    for how, instance in [("as written", data), *mutations(data)]:
        fast = schemas.valid(name, instance)
        found = schemas.errors(slow, instance)
        if fast and found:
            disagree.append(f"{how}: native says valid; jsonschema: {found[0].message[:120]}")
        native = schemas.native(name)
        if (not fast and not found and native is not None and not native.is_valid(instance)
                and schemas._unambiguous(instance, schemas._integer_keys(name))):
            disagree.append(f"{how}: native refuses what jsonschema accepts")
    assert disagree == []


def test_a_valid_run_imports_no_jsonschema(tmp_path: Path) -> None:
    import subprocess

    code = ("import sys; from slopolicy.cli import main; "
            "code = main(['check', '--no-cache', 'acme']); "
            "print('jsonschema' in sys.modules); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO / "examples",
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                          "HOME": str(tmp_path), "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False"
