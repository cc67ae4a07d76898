"""The run's CEL limit counts the steps a cold run would take: the cache never changes the answer.

A kept verdict costs a warm run the steps its evaluation took, and the
project index keeps what each file's house-rule evaluations take, updated by
difference: a warm check (the project index, or a full check that reuses
kept verdicts) stops a house rule where a check without the cache stops it,
with the same figures, and a project under the limit is still answered
warm. The limits are lowered so that each check takes a fraction of a second.
"""
from __future__ import annotations

import shutil

import pytest
from conftest import Project, Run

from slopolicy.cache.project import files_of, unpack
from slopolicy.cache.store import default_dir, open_cache
from slopolicy.check import incremental
from slopolicy.rules import house

TEN = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"
POLICY = """\
apiVersion: slopolicy/v1
kind: Policy
metadata: {{name: costly}}
spec:
  rules:
{rules}"""
# each evaluation stops at the limit of one evaluation (3,000 steps below)
HEAVY = f"""\
    - id: heavy
      description: a rule too costly to finish
      severity: warning
      match: {{kind: Service}}
      assert: "{TEN}.all(a, {TEN}.all(b, {TEN}.all(c, a >= 0)))"
"""
# about 2,900 steps per label of the document
PER_LABEL = f"""\
    - id: per-label
      description: a rule whose cost grows with the document
      severity: warning
      match: {{kind: Service}}
      assert: "metadata.labels.all(k, {TEN}.all(a, {TEN}.all(b, a >= 0)))"
"""
CHEAP = """\
    - id: zz-cheap
      description: a cheap rule that every document passes
      severity: error
      match: {kind: Service}
      assert: "metadata.name.startsWith('s')"
"""


@pytest.fixture(autouse=True)
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(house, "EVALUATION_STEPS", 3_000)
    monkeypatch.setattr(house, "RUN_STEPS", 30_000)
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count


def policy(project: Project, *rules: str) -> None:
    project.write(".slopolicy.yaml", "extends: default\npolicies: [policies.yaml]\n")
    project.write("policies.yaml", POLICY.format(rules="".join(rules)))


def service(project: Project, number: int, labels: int = 1) -> None:
    shown = ", ".join(f"l{label}: x" for label in range(labels))
    project.write(f"svc/s{number:02d}.yaml", "apiVersion: openslo/v1\nkind: Service\n"
                  f"metadata: {{name: s{number:02d}, labels: {{{shown}}}}}\n"
                  "spec: {description: x}\n")


def same_as_cold(project: Project) -> Run:
    run = project.check()
    cold = project.check("--no-cache")
    assert (run.code, run.out) == (cold.code, cold.out)
    return run


def stopped(run: Run) -> list[tuple[str, str, str]]:
    """(rule, file, message) of each rule stopped by the run's limit."""
    return sorted((p["rule"], p["file"], p["message"]) for p in run.json["problems"]
                  if "was stopped here" in p["message"])


def index_steps(project: Project) -> dict[str, int] | None:
    """The CEL steps the project index keeps of each file that took some; None: no index."""
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    record = cache.read_project()
    if record is None:
        return None
    files = files_of(record.files)
    delta = cache.read_delta()
    if delta is not None and delta.generation == record.generation:  # what changed since
        links = incremental._Links(unpack(record.links, "i"), unpack(record.link_group, "i"))
        incremental._apply(delta, record, files, links)
    return {path: steps for path, steps in zip(files.path, files.steps) if steps}


def steps_of(expression: str, labels: int) -> int:
    """What one evaluation of ``expression`` takes on a service with ``labels`` labels."""
    budget = house.Budget()
    data = {"metadata": {"name": "s00", "labels": {f"l{n}": "x" for n in range(labels)}}}
    house.evaluate(house.compile_expression(expression), {
        "metadata": house.to_cel(data["metadata"]), "spec": house.to_cel({})}, budget)
    return budget.used


SPANNING = """\
    - id: spanning
      description: a rule that reads every document (judged on every run, never kept)
      severity: warning
      match: {kind: Service}
      assert: "documents.exists(d, d.metadata.name == metadata.name)"
"""


@pytest.mark.parametrize("spanning", [False, True])
def test_documents_added_to_a_warm_project_stop_the_rules_where_a_cold_run_does(
        project: Project, answers: list[bool], spanning: bool) -> None:
    """The tester's case: 6 kept verdicts of 3,000 steps, then 6 more documents; with a
    rule that reads every document too (no project index then, the full check each time)."""
    policy(project, HEAVY, *([SPANNING] if spanning else []), CHEAP)
    for number in range(6):
        service(project, number)
    first = same_as_cold(project)
    assert first.code == 0 and stopped(first) == []  # 6 x 3,000 steps and a few: under
    for number in range(6, 12):
        service(project, number)
    run = same_as_cold(project)
    assert run.code == 1
    assert [(rule, file) for rule, file, _ in stopped(run)] == [
        ("heavy", "svc/s09.yaml"), *([("spanning", "svc/s00.yaml")] if spanning else []),
        ("zz-cheap", "svc/s00.yaml")]
    assert "(heavy 30,000)" in stopped(run)[0][2]
    assert answers[-1] is False  # the cold total reaches the limit: the full check answered


def test_a_full_check_that_reuses_kept_verdicts_charges_their_steps(
        project: Project, answers: list[bool]) -> None:
    policy(project, HEAVY, CHEAP)
    for number in range(6):
        service(project, number)
    same_as_cold(project)
    for number in range(6, 12):
        service(project, number)
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    cache.drop_project()  # the index gone, the verdicts kept
    run = same_as_cold(project)
    assert answers[-1] is False
    assert [(rule, file) for rule, file, _ in stopped(run)] == [
        ("heavy", "svc/s09.yaml"), ("zz-cheap", "svc/s00.yaml")]


def test_a_kept_verdict_that_would_cross_the_limit_is_evaluated_again(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every verdict kept under a higher run limit; the lower one is reached inside one."""
    policy(project, PER_LABEL, CHEAP)
    monkeypatch.setattr(house, "EVALUATION_STEPS", 30_000)
    monkeypatch.setattr(house, "RUN_STEPS", 1_000_000)
    for number in range(6):
        service(project, number, labels=3)  # about 8,800 steps each
    assert project.check().code == 0
    monkeypatch.setattr(house, "RUN_STEPS", 30_000)  # the fourth verdict crosses it
    run = same_as_cold(project)
    assert [(rule, file) for rule, file, _ in stopped(run)] == [
        ("per-label", "svc/s03.yaml"), ("zz-cheap", "svc/s00.yaml")]


def test_a_project_under_the_limit_is_still_answered_warm(
        project: Project, answers: list[bool]) -> None:
    policy(project, HEAVY, CHEAP)
    for number in range(9):  # 9 x 3,000 steps and a few: under 30,000
        service(project, number)
    same_as_cold(project)
    each = 3_000 + steps_of("metadata.name.startsWith('s')", 1)
    assert index_steps(project) == {f"svc/s{n:02d}.yaml": each for n in range(9)}
    service(project, 3, labels=2)  # another text, the same cost
    run = same_as_cold(project)
    assert run.code == 0 and stopped(run) == []
    assert answers[-1] is True  # warm
    assert index_steps(project) == {f"svc/s{n:02d}.yaml": each for n in range(9)}
    same_as_cold(project)  # nothing changed: the kept problems
    assert answers[-1] is True


@pytest.mark.parametrize("written", ["as a delta", "whole"])
def test_an_edit_moves_the_total_by_difference(project: Project, answers: list[bool],
                                               written: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if written == "whole":
        monkeypatch.setattr(incremental, "DELTA_ROWS", -1)
    policy(project, PER_LABEL, CHEAP)
    monkeypatch.setattr(house, "EVALUATION_STEPS", 30_000)
    cheap = steps_of("metadata.name.startsWith('s')", 1)
    label = PER_LABEL.split('assert: "')[1].split('"')[0]
    for number in range(6):
        service(project, number)
    same_as_cold(project)
    one = steps_of(label, 1) + cheap
    assert index_steps(project) == {f"svc/s{n:02d}.yaml": one for n in range(6)}
    service(project, 2, labels=4)  # costlier, still under the limit
    run = same_as_cold(project)
    assert answers[-1] is True and stopped(run) == []
    four = steps_of(label, 4) + cheap
    assert 5 * one + four < 30_000
    assert index_steps(project) == {f"svc/s{n:02d}.yaml": four if n == 2 else one
                                    for n in range(6)}
    service(project, 4, labels=3)  # costlier again: now over the limit
    assert 4 * one + four + steps_of(label, 3) + cheap >= 30_000
    run = same_as_cold(project)
    assert answers[-1] is False and run.code == 1
    assert [(rule, file) for rule, file, _ in stopped(run)] == [
        ("per-label", "svc/s05.yaml"), ("zz-cheap", "svc/s00.yaml")]
    assert index_steps(project) is None  # a run that stopped keeps no index
    service(project, 4)  # cheaper: under the limit again
    same_as_cold(project)
    same_as_cold(project)
    service(project, 2, labels=2)  # cheaper, answered warm
    run = same_as_cold(project)
    assert answers[-1] is True and stopped(run) == []
    two = steps_of(label, 2) + cheap
    steps = index_steps(project)
    assert steps == {f"svc/s{n:02d}.yaml": two if n == 2 else one for n in range(6)}
    shutil.rmtree(default_dir())  # what a full check with no cache keeps: the same
    project.check()
    assert index_steps(project) == steps
