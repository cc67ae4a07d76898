"""A check of named files reports what the change breaks elsewhere, and only that.

Each test is a real repository (examples/acme, committed once) with an
uncommitted change, checked in-process the way pre-commit runs slopolicy: on
the changed files only. tests/test_precommit.py runs the same cases through
the real pre-commit and ``git commit``.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, Project, git

from slopolicy.gitops.introduced import _replaced
from slopolicy.model.documents import SourceFile

UPTIME = ("name: public-api-availability", "name: public-api-uptime")
BROKEN_SLA = ("slas/globex.yaml", 25, 12, "unresolved-reference")


@pytest.fixture
def acme(tmp_path: Path, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("GITHUB_ACTIONS", "PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "acme"
    shutil.copytree(REPO / "examples" / "acme", root)
    git(root, "init", "-q", "-b", "main")
    commit(root, "acme")
    return Project(root, capsys)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Dev", "-c", "user.email=dev@acme.example", "commit", "-qm",
        message)


def edit(project: Project, name: str, old: str, new: str) -> None:
    path = project.root / name
    text = path.read_text()
    assert old in text, (name, old)
    path.write_text(text.replace(old, new))


def test_renaming_an_slo_reports_the_sla_that_still_names_it(acme: Project) -> None:
    edit(acme, "slos/public-api.yaml", *UPTIME)
    run = acme.check("slos/public-api.yaml")
    assert run.code == 1
    assert run.problems() == [BROKEN_SLA]
    assert run.json["summary"]["files"] == 2  # the file named, and the file broken


def test_a_problem_that_was_already_there_is_not_blamed_on_the_change(acme: Project) -> None:
    edit(acme, "slas/initech.yaml", "service: checkout", "service: checkout-v2")
    commit(acme.root, "an old mistake")
    assert acme.check().code == 1  # still there for a full check
    edit(acme, "slos/public-api.yaml", "target: 0.9995", "target: 0.9996")
    run = acme.check("slos/public-api.yaml")
    assert (run.code, run.problems()) == (0, [])


def test_the_new_problem_is_told_apart_from_an_old_one_in_the_same_file(acme: Project) -> None:
    with open(acme.root / "slas" / "globex.yaml", "a") as sla:
        sla.write("extra: field\n")  # a schema error after every line the test looks at
    commit(acme.root, "an old schema error in the SLA")
    edit(acme, "slos/public-api.yaml", *UPTIME)
    run = acme.check("slos/public-api.yaml")
    assert run.code == 1
    assert run.problems() == [BROKEN_SLA]
    assert [p["rule"] for p in acme.check().json["problems"]] == ["unresolved-reference", "schema"]


def test_deleted_files_are_learned_from_git(acme: Project) -> None:
    git(acme.root, "rm", "-q", "slos/public-api.yaml")
    run = acme.check("slas/initech.yaml")  # a file the deletion leaves alone
    assert run.code == 1
    assert ("slas/globex.yaml", 25, 12, "unresolved-reference") in run.problems()
    assert {p[0] for p in run.problems()} == {"slas/globex.yaml"}


def test_a_file_renamed_away_counts_as_deleted(acme: Project) -> None:
    git(acme.root, "mv", "slos/public-api.yaml", "slos/api.yaml")
    assert acme.check("slos/api.yaml").code == 0  # the same SLOs under another name
    edit(acme, "slos/api.yaml", *UPTIME)
    git(acme.root, "add", "slos/api.yaml")
    assert acme.check("slos/api.yaml").problems() == [BROKEN_SLA]


def test_changed_without_paths_checks_what_git_reports_changed(acme: Project) -> None:
    edit(acme, "slas/initech.yaml", "service: checkout", "service: checkout-v2")
    commit(acme.root, "an old mistake")
    quiet = acme.check("--changed")
    assert (quiet.code, quiet.problems(), quiet.json["summary"]["files"]) == (0, [], 0)
    edit(acme, "slos/public-api.yaml", *UPTIME)  # not staged: still a change of the tree
    run = acme.check("--changed")
    assert (run.code, run.problems()) == (1, [BROKEN_SLA])


def test_changed_refuses_a_base(acme: Project) -> None:
    run = acme.check("--changed", "--base", "main")
    assert run.code == 2
    assert "--changed compares the working tree with HEAD" in run.err


def test_dropping_a_waiver_is_judged_by_heads_policy(acme: Project) -> None:
    config = (acme.root / ".slopolicy.yaml").read_text()
    waiver = ("waivers:\n  - {rule: sla-backed-by-slo, document: SLA/initech-checkout,"
              " reason: migrating, expires: 2099-01-01}\n")
    edit(acme, "slas/initech.yaml", "service: checkout", "service: checkout-v2")
    (acme.root / ".slopolicy.yaml").write_text(config + waiver)
    commit(acme.root, "a waived mistake")
    assert acme.check().code == 0
    (acme.root / ".slopolicy.yaml").write_text(config)
    run = acme.check("--changed")  # as pre-commit runs it
    assert run.code == 1
    assert [(p[0], p[3]) for p in run.problems()] == [("slas/initech.yaml", "sla-backed-by-slo")]


def test_outside_a_repository_only_the_named_files_are_reported(project: Project) -> None:
    shutil.copytree(REPO / "examples" / "acme", project.root, dirs_exist_ok=True)
    edit(project, "slos/public-api.yaml", *UPTIME)
    # without git there is no HEAD to compare with: nothing elsewhere is blamed
    run = project.check("slos/public-api.yaml")
    assert run.code == 0, run.out
    assert project.check().code == 1


def test_the_baseline_meets_files_in_the_order_a_scan_does() -> None:
    def source(path: str) -> SourceFile:
        return SourceFile(path, "")

    files = [source(p) for p in ("a.yaml", "z.yaml", "b/c.yaml", "b/e.yaml")]
    at_head = [source("b/d.yaml"), source("m.yaml"), source("z.yaml")]
    order = [f.path for f in _replaced(files, {"b/d.yaml", "m.yaml", "z.yaml"}, at_head)]
    assert order == ["a.yaml", "m.yaml", "z.yaml", "b/c.yaml", "b/d.yaml", "b/e.yaml"]
