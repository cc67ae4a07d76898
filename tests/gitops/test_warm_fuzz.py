"""A warm ``check --base`` says what a cold one says, over random edits of a real repository.

A small, seeded run of ``scripts/fuzz_warm_gate.py`` (run it by hand for
thousands of steps): a repository built from the documents of examples/ and
tests/formats, a base committed on ``main``, and on the branch random edits
(targets, terms, SLI queries, names, moves across folders that sort
differently and out of the globs, duplicates, deletions, broken and plain
YAML, links, the policy and the allowed signers, signed approvals, commits,
the base moved on, merges). After each step ``check --base main`` (or
``--head REF``, or another base, or no base) runs warm, with one cache folder
kept across the steps, and cold (``--no-cache``), in text and JSON; exit code,
stdout and stderr must be the same bytes.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from slopolicy.gitops import warm

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_warm_gate.py"


def fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_warm_gate", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_random_edits_warm_and_cold_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    fuzz = fuzzer()
    monkeypatch.setattr(fuzz, "SUBPROCESS", 0.0)  # in-process: fast
    spy = fuzz.Spy(warm.warm_gate)
    monkeypatch.setattr(warm, "warm_gate", spy)
    keys = tmp_path / "keys"
    fuzz.make_keys(keys)
    work = tmp_path / "work"
    work.mkdir()
    # one seed, six steps (about a second of CPU): the edits are whatever the script
    # draws for it, and on every one warm and cold agree
    done, found = fuzz.fuzz(2, 6, fuzz.pool(), keys, spy, True, work)
    assert (done, found) == (6, [])
    assert spy.answered[1] > 0  # the warm gate answered: its answers were compared
