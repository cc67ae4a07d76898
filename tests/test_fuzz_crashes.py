"""Bad input is a located finding or a clear message, never a crash: mutated real documents.

A small, seeded run of ``scripts/fuzz_crashes.py`` (run it by hand for
thousands of cases): documents of every format slopolicy reads, SLAs, a
configuration with approvals, waivers and house rules, each mutated (keys
deleted, renamed, duplicated and moved between levels, values of every type
and at the edges of their own, anchors and aliases, documents added or
wrapped in a list, text cut short), through the library entry points and
the CLI in a real repository: check in several formats, check --base and
diff against the commit before, convert, fmt --check and audit. No run may
exit 3, print a traceback, or change a file it was not asked to write.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fuzz_crashes.py"


def fuzzer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fuzz_crashes", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_mutated_documents_never_crash_the_library(tmp_path: Path) -> None:
    fuzz = fuzzer()
    stats = fuzz.fuzz(list(range(12)), 15, lib_only=True, work=tmp_path)
    assert stats.cases == 180
    assert [crash.show() for crash in stats.crashes] == []


def test_mutated_projects_never_crash_the_cli_or_the_language_server(tmp_path: Path) -> None:
    # one seed (OpenSLO v2alpha SLOs, SLAs of every format): two random cases, and each shape
    # of crash found before (a date off the calendar, a tag its text cannot hold, a document
    # without spec under a house rule, labels as text, a lone surrogate in an editor, a
    # document glob git cannot read) at a place the seed draws
    fuzz = fuzzer()
    stats = fuzz.fuzz([18], 2, work=tmp_path, shapes=True)
    assert stats.cases == 2 + len(fuzz.SHAPES)
    assert [crash.show() for crash in stats.crashes] == []
