"""slopolicy diff: field-level changes between refs, with directions and error budgets."""
from __future__ import annotations

from gitrepos import GitProject, sla


def test_text_diff_of_a_loosening(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start="2025-05-01", target="99.5",
                                       threshold="800ms"))
    run = repo.run("diff", "main")
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        "SLA/globex-public-api (slas/globex.yaml): loosened",
        "  spec.version: 1 → 2 (version)",
        "  spec.effective.from: 2025-01-01 → 2025-05-01 (modified)",
        "  spec.objectives[availability].targetPercent: 99.9 → 99.5 (loosened)",
        "  spec.objectives[latency-p95].threshold: 500ms → 800ms (loosened)",
        "  objective availability: loosened; error budget 40.32–44.64 → 201.6–223.2 bad minutes "
        "per window (calendar month (UTC))",
        "  objective latency-p95: loosened; error budget 2016–2232 → 2016–2232 bad minutes per "
        "window (calendar month (UTC))",
        "slopolicy: 1 document changed between main and the working tree (1 loosened)",
    ]


def test_objectives_are_keyed_by_name(repo: GitProject) -> None:
    text = sla()
    first = text.index("    - name: availability")
    second = text.index("    - name: latency-p95")
    repo.write("slas/globex.yaml", text[:first] + text[second:] + text[first:second])
    run = repo.run("diff", "main")
    assert run.out == "slopolicy: no document changed between main and the working tree\n"


def test_a_rewritten_value_is_not_a_change_of_terms(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla().replace("targetPercent: 99.9", "target: 0.999")
               .replace("threshold: 500ms", "threshold: PT0.5S"))
    changes = repo.run("diff", "main", "--format", "json").json["documents"]
    assert [(c["path"], c["direction"]) for c in changes[0]["changes"]] == [
        ("spec.objectives[availability].targetPercent", "metadata"),
        ("spec.objectives[availability].target", "metadata"),
        ("spec.objectives[latency-p95].threshold", "metadata"),
    ]
    assert (changes[0]["status"], changes[0]["classes"], changes[0]["objectives"]) == (
        "metadata", [], [])


def test_a_window_change_is_both_looser_and_tighter(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start="2025-05-01").replace(
        "calendar: month\n    timeZone: UTC", "rolling: 30d"))
    [change] = repo.run("diff", "main", "--format", "json").json["documents"]
    assert change["classes"] == ["loosened", "modified", "tightened"]
    availability = change["objectives"][0]
    assert availability == {
        "objective": "availability",
        "directions": ["loosened", "tightened"],
        "window": {"from": "calendar month (UTC)", "to": "rolling 30d"},
        "budgetMinutes": {"from": {"min": 40.32, "max": 44.64}, "to": {"min": 43.2, "max": 43.2}},
    }


def test_diff_between_two_refs_and_markdown(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    repo.commit()
    repo.write("slas/globex.yaml", "garbage: [")  # not HEAD: ignored
    run = repo.run("diff", "main", "change", "--format", "markdown")
    assert run.code == 0
    assert run.out.splitlines()[:6] == [
        "### slopolicy: 1 document changed between main and change (1 tightened)",
        "",
        "#### Changed agreements",
        "",
        "| Agreement | Objective | Before → after | Direction | Budget (bad minutes per window) "
        "| Approvals |",
        "|---|---|---|---|---|---|",
    ]
    assert run.out.splitlines()[6].startswith(
        "| SLA/globex-public-api v1 → v2 | availability | targetPercent: 99.9 → 99.95 | tightened")


def test_diff_of_a_missing_ref(repo: GitProject) -> None:
    run = repo.run("diff", "v9")
    assert run.code == 2
    assert run.err.startswith("slopolicy: error: BASE 'v9' is not in this repository; fetch it "
                              "first: `git fetch origin v9`")


def test_diff_outside_a_repository(project: object) -> None:
    run = project.run("diff", "main")  # type: ignore[attr-defined]
    assert run.code == 2
    assert "not inside a git repository" in run.err or "is not in this repository" in run.err


def test_diff_reads_and_fills_the_result_cache(repo: GitProject) -> None:
    from slopolicy.cache.store import content_key

    changed = sla(version=2, start="2025-05-01", target="99.95")
    repo.write("slas/globex.yaml", changed)
    assert repo.run("diff", "main").code == 0
    shards = {p.name for p in (repo.root.parent / "cache").rglob("results-*/??.cache")}
    # both sides' contents are kept for the check (and the next diff) to reuse
    assert {f"{content_key(text.encode())[:2]}.cache" for text in (sla(), changed)} <= shards


def test_a_term_no_longer_readable_is_a_loosening_in_the_gate_diff_and_audit(
        repo: GitProject) -> None:
    """Support hours of no known kind: the schema's error at its line, and a change that
    promises nothing there (loosened), in every command that compares versions."""
    supported = sla() + "  support: {hours: 24x7}\n"
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", supported)
    repo.commit("support around the clock")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "main")
    repo.write("slas/globex.yaml", supported.replace("hours: 24x7", "hours: 8x5"))
    [change] = repo.run("diff", "main", "--format", "json").json["documents"]
    assert ("spec.support.hours", "loosened") in [
        (c["path"], c["direction"]) for c in change["changes"]]
    gate = repo.gate()
    assert gate.code == 1, gate.err
    assert ("slas/globex.yaml", "schema") in [(p["file"], p["rule"]) for p in gate.json["problems"]]
    repo.commit("support hours of no known kind")
    audit = repo.run("audit", "--format", "json")
    assert audit.code == 0, audit.err


def test_an_agreement_added_where_another_is_taken_away_says_what_it_is_judged_as(
        repo: GitProject) -> None:
    (repo.root / "slas/globex.yaml").unlink()
    repo.write("slas/globco.yaml", sla(target="99.0").replace(
        "name: globex-public-api", "name: globco-api").replace("customer: globex",
                                                               "customer: globco"))
    run = repo.run("diff", "main")
    assert run.out.splitlines() == [
        "SLA/globco-api (slas/globco.yaml): added",
        "  judged as an edit of SLA/globex-public-api (slas/globex.yaml) too: loosened, modified",
        "SLA/globex-public-api (slas/globex.yaml): removed",
        "slopolicy: 2 documents changed between main and the working tree (1 added, 1 removed)",
    ]
