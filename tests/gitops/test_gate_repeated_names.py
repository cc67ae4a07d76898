"""A name repeated in a keyed list of an SLA never hides a loosening from the gate or the audit.

Objectives and exclusions are matched by ``name``, support severities by
``level``. When a name repeats on a side, which item became which cannot be
told: each item of the name is compared with each, so a change is judged
every way a pairing could show it (and ``duplicate-name`` reports the name).
Real repositories, real commits, real signatures.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import permutations, product
from typing import Any

import pytest
from gitrepos import GitProject, days_hence, document, on_main, problems, sla

from slopolicy.changes.compare import compare_files
from slopolicy.load.files import load_bytes

GLOBEX = "SLA/globex-public-api"
MAINTENANCE = "  exclusions:\n    - {name: scheduled-maintenance, maxPerWindow: 4h, notice: 72h}\n"
SUPPORT = """\
  support:
    hours: 24x7
    severities:
      - {level: P1, response: 30m, resolution: 4h}
      - {level: P2, response: 2h, resolution: 1d}
"""


def changed(text: str) -> str:
    """The next version of ``sla() + ...``, starting with the notice a loosening owes."""
    return text.replace("version: 1", "version: 2").replace(
        "from: 2025-01-01", f"from: {days_hence(60)}")


def propose(repo: GitProject, text: str) -> Any:
    """Commit ``text`` with legal's approval only (what a modification or a tightening needs),
    and run the gate."""
    repo.write("slas/globex.yaml", text)
    repo.commit("globex: new terms")
    assert repo.approve("alice", "legal").code == 0
    repo.commit("legal approves", author="alice")
    return repo.gate()


def needs_sre(run: Any) -> None:
    assert run.code == 1
    [finding] = problems(run, "sla-change-approval")
    assert "is loosened" in str(finding["message"]) and "sre" in str(finding["message"])
    assert "loosened" in document(run, GLOBEX)["classes"]


def paths(run: Any) -> list[tuple[str, str]]:
    return [(c["path"], c["direction"]) for c in document(run, GLOBEX)["changes"]]


def test_a_second_exclusion_of_a_name_is_a_loosening(repo: GitProject) -> None:
    on_main(repo, sla() + MAINTENANCE)
    second = "    - {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}"
    text = changed(sla() + MAINTENANCE) + second + "\n"
    run = propose(repo, text)
    needs_sre(run)
    assert ("spec.exclusions[scheduled-maintenance (item none → 2)]", "loosened") in paths(run)
    # the change of every item of the name says why
    assert ("spec.exclusions[scheduled-maintenance]", "modified") in paths(run)
    [duplicate] = problems(run, "duplicate-name")  # at the second name
    assert (duplicate["file"], duplicate["line"], duplicate["column"]) == (
        "slas/globex.yaml", text.splitlines().index(second) + 1, 14)


def test_a_latency_objective_named_as_the_availability_one_is_a_loosening(
        repo: GitProject) -> None:
    """The availability promise becomes a latency one, and the latency objective is renamed
    ``availability`` beside it: compared by position, 99.9 -> 99.95 read as a tightening."""
    on_main(repo, sla())
    text = changed(sla()).replace(
        "    - name: availability\n      indicator: availability\n      targetPercent: 99.9\n",
        "    - name: availability\n      indicator: latency\n      threshold: 10s\n"
        "      targetPercent: 99.95\n").replace("name: latency-p95", "name: availability")
    run = propose(repo, text)
    needs_sre(run)
    found = paths(run)
    assert ("spec.objectives[availability (item 1 → 2)].targetPercent", "loosened") in found
    assert ("spec.objectives[latency-p95]", "loosened") in found
    assert {o["directions"] == ["loosened", "tightened"]
            for o in document(run, GLOBEX)["objectives"]} == {True}


def test_a_slower_second_severity_of_a_level_is_a_loosening(repo: GitProject) -> None:
    """An added item is a new promise (tightened) of its own; but a second ``P2`` may be the
    one the provider holds to: the first one's times compared with it are slower."""
    on_main(repo, sla() + SUPPORT)
    run = propose(repo, changed(sla() + SUPPORT) + (
        "      - {level: P2, response: 8h, resolution: 3d}\n"))
    needs_sre(run)
    found = paths(run)
    assert ("spec.support.severities[P2 (item 2 → 3)].response", "loosened") in found
    assert ("spec.support.severities[P2 (item 2 → 3)].resolution", "loosened") in found


def test_a_name_repeated_in_the_base_only_is_compared_item_by_item(repo: GitProject) -> None:
    """Two exclusions of one name become one longer one: the list was compared whole (a
    change in no direction) since the sides differ in length."""
    on_main(repo, sla() + MAINTENANCE + (
        "    - {name: scheduled-maintenance, maxPerWindow: 2h, notice: 72h}\n"))
    run = propose(repo, changed(sla() + MAINTENANCE.replace("4h", "40h")))
    needs_sre(run)
    found = paths(run)
    assert ("spec.exclusions[scheduled-maintenance (item 1 → 1)].maxPerWindow",
            "loosened") in found
    assert ("spec.exclusions[scheduled-maintenance (item 2 → none)]", "tightened") in found
    assert problems(run, "duplicate-name") == []  # the head repeats no name


def test_repeated_names_reordered_are_no_change(repo: GitProject) -> None:
    """The same items of a repeated name in another order (and a tightening elsewhere)."""
    longer = "    - {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}\n"
    on_main(repo, sla() + MAINTENANCE + longer)
    repo.write("slas/globex.yaml", sla(target="99.95") + "  exclusions:\n" + longer
               + MAINTENANCE.splitlines()[1] + "\n")
    [change] = repo.run("diff", "main", "--format", "json").json["documents"]
    assert [(c["path"], c["direction"]) for c in change["changes"]] == [
        ("spec.objectives[availability].targetPercent", "tightened")]
    assert change["status"] == "tightened"


def test_the_audit_judges_a_repeated_name_as_the_gate_does(repo: GitProject) -> None:
    on_main(repo, sla() + MAINTENANCE)
    propose(repo, changed(sla() + MAINTENANCE) + (
        "    - {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}\n"))
    run = repo.run("audit", "--verify")
    assert run.code == 1
    assert "SLA/globex-public-api v2 loosened" in run.err
    assert "1 more sre approver" in run.err


# Per keyed list: the lines before its items, one item's line, the values each item draws.
LISTS = {
    "exclusions": ("  exclusions:\n", "    - {{name: {}, maxPerWindow: {}, notice: {}}}\n",
                   (("1h", "4h", "40h"), ("1h", "72h"))),
    "severities": ("  support:\n    severities:\n",
                   "      - {{level: {}, response: {}, resolution: {}}}\n",
                   (("30m", "2h"), ("4h", "1d", "3d"))),
    "objectives": ("", "    - {{name: {}, indicator: latency, threshold: {}, targetPercent: {}}}\n",
                   (("500ms", "2s"), ("95", "99"))),
}
Items = list[tuple[str, str, str]]


def _agreement(kind: str, items: Items) -> str:
    head, line, _ = LISTS[kind]
    lines = "".join(line.format(*item) for item in items)
    if kind == "objectives":  # the availability objective stays; the latency ones vary
        return sla().split("    - name: latency-p95")[0] + lines
    return sla() + head + lines if items else sla()


def _directions(kind: str, old: Items, new: Items) -> frozenset[str]:
    found = compare_files([load_bytes("sla.yaml", _agreement(kind, old).encode())],
                          [load_bytes("sla.yaml", _agreement(kind, new).encode())])
    return found[0].directions - {"metadata", "version"} if found else frozenset()


def _pairings(old: Items, new: Items) -> Iterator[tuple[Items, Items]]:
    """Both sides with names made unique, once for each way of pairing the items of a name
    (as many pairs as the side with fewer of them holds; the others added or removed). The
    same items of a name on both sides, in any order, are the same terms: each is paired
    with its equal."""
    names = sorted({n for n, _, _ in old} | {n for n, _, _ in new})
    choices = []
    for name in names:
        olds = [i for i, item in enumerate(old) if item[0] == name]
        news = [i for i, item in enumerate(new) if item[0] == name]
        if sorted(old[i] for i in olds) == sorted(new[i] for i in news):
            left = list(news)
            choices.append([[(i, left.pop(left.index(next(
                j for j in left if new[j] == old[i])))) for i in olds]])
        elif len(olds) <= len(news):
            choices.append([list(zip(olds, p)) for p in permutations(news, len(olds))])
        else:
            choices.append([list(zip(p, news)) for p in permutations(olds, len(news))])
    for chosen in product(*choices):
        pairs = [pair for group in chosen for pair in group]
        old_names = [f"old-{i}" for i in range(len(old))]
        new_names = [f"new-{i}" for i in range(len(new))]
        for b, a in pairs:
            new_names[a] = old_names[b]
        yield ([(old_names[i], m, n) for i, (_, m, n) in enumerate(old)],
               [(new_names[i], m, n) for i, (_, m, n) in enumerate(new)])


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_every_pairing_of_repeated_names_is_counted(kind: str) -> None:
    """Items drawn from two names: the change counts every direction that some way of
    pairing the items of a name shows (judged with names made unique), in its fields and
    in its objectives compared whole."""
    rng = random.Random(20261201)
    first, second = LISTS[kind][2]

    def draw() -> Items:
        return [(rng.choice(("a", "b")), rng.choice(first), rng.choice(second))
                for _ in range(rng.randint(0, 3))]

    for _ in range(100):
        old, new = draw(), draw()
        found = _directions(kind, old, new)
        for unique_old, unique_new in _pairings(old, new):
            assert _directions(kind, unique_old, unique_new) <= found, (
                old, new, unique_old, unique_new, found)


UNNAMED = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex-public-api}
spec:
  customer: globex
  service: public-api
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: availability, indicator: availability, targetPercent: 99.9}
    - {name: 1.5, indicator: availability, targetPercent: 99.5}
  exclusions:
    - {name: 1.5, maxPerWindow: 4h, notice: 72h}
  support:
    severities:
      - {level: P1, response: 30m, resolution: 4h}
      - {level: 2.5, response: 1h, resolution: 8h}
"""


@pytest.mark.parametrize("edit", [
    ("    - {name: availability, indicator: availability, targetPercent: 99.9}\n", ""),
    ("  exclusions:\n", "  exclusions:\n    - {name: x, maxPerWindow: 720h, notice: 1h}\n"),
    ("      - {level: P1, response: 30m, resolution: 4h}\n", ""),
], ids=["objective-removed", "exclusion-added", "severity-removed"])
def test_a_list_whose_items_cannot_be_paired_by_name_may_be_loosened(
        edit: tuple[str, str]) -> None:
    """An item named by no text or number (``name: 1.5``; the schema rule says so, unless a
    policy turned it off) leaves the list compared whole: an objective removed or an
    exclusion added beside it is loosened, so the change asks for every class it may be."""
    from slopolicy.changes.compare import compare_documents
    from slopolicy.load.files import load_bytes

    [base] = load_bytes("slas/globex.yaml", UNNAMED.encode()).documents
    [head] = load_bytes("slas/globex.yaml", UNNAMED.replace(*edit).encode()).documents
    change = compare_documents(base, head)
    assert change is not None
    assert {"loosened", "tightened", "modified"} <= change.classes
