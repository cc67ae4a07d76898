"""A problem already committed elsewhere does not make every hook run a full check.

The pre-commit hook (``check --changed FILE``) reports the problems of the
named files and those the change brings elsewhere. A problem elsewhere that
lies in a group of linked documents the change cannot reach, neither by the
changed files nor by ``HEAD``'s versions of them, is the same at ``HEAD``:
the warm check answers from the project index. Each test compares the warm
answer with a check that reads no cache, in a real git repository.
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, Run, git

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import OLD_MISTAKE, sla, slo  # noqa: E402

from slopolicy.commands import check as check_command  # noqa: E402

MISSING = "SLO 'nothing' is not defined"


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """One entry per check that read the whole project (no warm answer)."""
    found: list[str] = []
    collect = check_command.collect

    def spy(*args: Any, **kwargs: Any) -> Any:
        found.append("full")
        return collect(*args, **kwargs)

    monkeypatch.setattr(check_command, "collect", spy)
    yield found


def committed(project: Project, extra: dict[str, str]) -> None:
    """Three backed SLAs, the old mistake and ``extra``, in one commit of a real repository."""
    shutil.rmtree(project.root / ".git")
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "config", "user.email", "dev@acme.example")
    git(project.root, "config", "user.name", "Dev")
    for i in range(3):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))
    project.write("slas/old-mistake.yaml", OLD_MISTAKE)
    for name, text in extra.items():
        project.write(name, text)
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "the agreements, and an old mistake")


def hook(project: Project, name: str) -> Run:
    """The hook's check of ``name``, which must say what a check without the cache says."""
    run = project.check("--changed", name)
    cold = project.check("--no-cache", "--changed", name)
    assert (run.code, run.out) == (cold.code, cold.out)
    return run


def test_an_old_problem_out_of_the_changes_reach_is_answered_warm(
        project: Project, full_checks: list[str]) -> None:
    committed(project, {})
    assert MISSING in project.check().out  # the full check writes the project index
    full_checks.clear()
    sla_1 = project.root / "slas/customer-1.yaml"
    for edit in range(2):
        sla_1.write_text(sla_1.read_text() + f"# edit {edit}\n")
        git(project.root, "add", "slas/customer-1.yaml")
        run = hook(project, "slas/customer-1.yaml")
        assert run.code == 0 and run.problems() == []  # not this change's to fix
    # each hook run: the warm answer; each check without the cache: in full
    assert full_checks == ["full", "full"]


def test_an_old_problem_head_s_version_of_a_changed_file_reaches_is_blamed(
        project: Project, full_checks: list[str]) -> None:
    """At HEAD the SLO the old SLA names exists; the change renames it. The renamed SLO
    shares no link with that SLA, but HEAD's version of it does."""
    declared = slo(5).replace("name: svc-5-availability", "name: nothing").replace(
        "service: svc-5", "service: another")
    committed(project, {"slos/nothing.yaml": declared})
    assert MISSING not in project.check().out
    project.write("slos/nothing.yaml", declared.replace("name: nothing", "name: something"))
    for _ in range(2):  # the second run finds nothing changed since the first: still blamed
        run = hook(project, "slos/nothing.yaml")
        assert run.code == 1
        assert ("slas/old-mistake.yaml", "unresolved-reference") in [
            (p[0], p[3]) for p in run.problems()]


def test_an_slo_moved_off_the_service_of_an_sla_it_backed_is_blamed_for_its_problem(
        project: Project, full_checks: list[str]) -> None:
    """An SLA that names no SLO is backed by the SLOs of its service. The change moves
    the one SLO of that service to another: it keeps its name, and its new version shares
    no link with the SLA, but HEAD's version does."""
    lonely = sla(5).replace("      slo: svc-5-availability\n", "")
    committed(project, {"slos/svc-5.yaml": slo(5), "slas/lonely.yaml": lonely})
    assert "slas/lonely.yaml" not in project.check().out
    path = project.root / "slos/svc-5.yaml"
    path.write_text(path.read_text().replace("service: svc-5\n", "service: svc-m\n"))
    project.check("--changed", "slos/svc-5.yaml")  # the index now has the moved SLO
    full_checks.clear()
    run = hook(project, "slos/svc-5.yaml")
    assert ("slas/lonely.yaml", "sla-backed-by-slo") in [(p[0], p[3]) for p in run.problems()]
    assert full_checks == ["full", "full"]  # the problem is in reach of HEAD's version


def test_a_new_name_that_a_missing_references_did_you_mean_reads_is_compared_in_full(
        project: Project, full_checks: list[str]) -> None:
    """A new SLO named like the missing one, linked to nothing: the old problem's message
    now suggests it, so the problem is no longer the one HEAD has."""
    committed(project, {})
    project.check()
    near = slo(5).replace("name: svc-5-availability", "name: nothin").replace(
        "service: svc-5", "service: another")
    project.write("slos/nothin.yaml", near)
    git(project.root, "add", "slos/nothin.yaml")
    full_checks.clear()
    for _ in range(2):
        run = hook(project, "slos/nothin.yaml")
        assert any('did you mean "nothin"' in p["message"] for p in run.json["problems"]
                   if p["file"] == "slas/old-mistake.yaml")
    assert len(full_checks) == 4  # the suggestion reads every SLO's name: no warm answer


def test_a_waiver_dropped_from_what_the_configuration_extends_is_compared_in_full(
        project: Project, full_checks: list[str]) -> None:
    """The file the configuration extends is a YAML file the document globs select too,
    yet it is the policy: dropping its waiver unwaives the old problem, which HEAD's
    policy waives, so the change brought it."""
    waiver = ("waivers:\n  - {rule: unresolved-reference, document: SLA/old-mistake, "
              "reason: \"fixed next sprint, OPS-7\", expires: 2099-12-31}\n")
    committed(project, {".slopolicy.yaml": "extends: policies/base.yaml\n",
                        "policies/base.yaml": "extends: default\n" + waiver})
    assert project.check().code == 0  # the only error is waived
    project.write("policies/base.yaml", "extends: default\n")
    project.check("--changed", "policies/base.yaml")
    full_checks.clear()
    run = hook(project, "policies/base.yaml")
    assert run.code == 1
    assert ("slas/old-mistake.yaml", "unresolved-reference") in [
        (p[0], p[3]) for p in run.problems()]
