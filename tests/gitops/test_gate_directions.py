"""Which way a change of credit tiers or of the agreement's end goes, and what it then needs.

The customer's protection decides: a level of measured availability that earns
less credit than before, or an agreement that ends sooner, loosens the terms, so
the change needs the loosened approvals and the notice the agreement asks.
Real repositories, real commits, real signatures.
"""
from __future__ import annotations

from typing import Any

from gitrepos import GitProject, sla

CREDITS = """\
  credits:
    - {below: 99.9, atLeast: 99.0, creditPercent: 10}
    - {below: 99.0, atLeast: 95.0, creditPercent: 25}
    - {below: 95.0, creditPercent: 100}
"""


def with_credits(text: str, credits: str = CREDITS) -> str:
    return text + credits


def on_main(repo: GitProject, text: str) -> None:
    """Make ``text`` the agreement of the base (main), before the change."""
    repo.write("slas/globex.yaml", text)
    repo.commit("base", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")


def diff(repo: GitProject, text: str) -> dict[str, Any]:
    repo.write("slas/globex.yaml", text)
    [change] = repo.run("diff", "main", "--format", "json").json["documents"]
    return dict(change)


def directions(change: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    return [(c["path"], c["direction"]) for c in change["changes"] if c["path"].startswith(prefix)]


def messages(run: Any, rule: str) -> list[str]:
    return [p["message"] for p in run.json["problems"] if p["rule"] == rule]


def test_credit_tiers_that_pay_less_need_the_loosened_approvals(repo: GitProject) -> None:
    on_main(repo, with_credits(sla()))
    # the 100% credit now only below 10% availability: at 50% the customer gets 25%
    repo.write("slas/globex.yaml", with_credits(sla(version=2, start="2025-05-01"), CREDITS.replace(
        "atLeast: 95.0, creditPercent: 25", "atLeast: 10.0, creditPercent: 25").replace(
        "below: 95.0, creditPercent: 100", "below: 10.0, creditPercent: 100")))
    repo.commit()
    repo.approve("alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert message.startswith(
        "SLA/globex-public-api is loosened (spec.credits[1].atLeast 95 → 10, "
        "spec.credits[2].below 95 → 10, spec.effective.from 2025-01-01 → 2025-05-01) and lacks "
        "approval: it needs 1 more sre approver (for loosened")
    repo.approve("carol", "sre")
    assert repo.gate().code == 0


def test_credit_tiers_that_pay_less_need_the_notice_too(repo: GitProject) -> None:
    on_main(repo, with_credits(sla()))
    repo.write("slas/globex.yaml", with_credits(sla(version=2, start="2025-03-20"), CREDITS.replace(
        "    - {below: 95.0, creditPercent: 100}\n", "")))
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    assert messages(repo.gate(), "sla-retroactive-change") == [
        "SLA/globex-public-api: the terms are loosened with 10 days' notice (from 2025-03-10 to "
        "2025-03-20), but changeNoticeDays requires 30; make the new terms a new version with "
        "effective.from: 2025-04-09 or later; the old version stays in force until then"]


def test_which_way_credit_tiers_move(repo: GitProject) -> None:
    on_main(repo, with_credits(sla()))
    new = sla(version=2, start="2025-05-01")
    # the worst tier removed: below 95% no credit at all
    change = diff(repo, with_credits(new, CREDITS.replace(
        "    - {below: 95.0, creditPercent: 100}\n", "")))
    assert (change["status"], directions(change, "spec.credits")) == (
        "loosened", [("spec.credits", "loosened")])
    # and added back: more credit
    on_main(repo, with_credits(sla(), CREDITS.replace(
        "    - {below: 95.0, creditPercent: 100}\n", "")))
    change = diff(repo, with_credits(new))
    assert (change["status"], directions(change, "spec.credits")) == (
        "tightened", [("spec.credits", "tightened")])
    on_main(repo, with_credits(sla()))
    # bounds moved up: each tier's credit reaches further up the availability scale
    change = diff(repo, with_credits(new, CREDITS.replace("99.0", "99.5").replace(
        "atLeast: 95.0, creditPercent: 25", "atLeast: 97.0, creditPercent: 25").replace(
        "below: 95.0, creditPercent: 100", "below: 97.0, creditPercent: 100")))
    assert (change["status"], set(directions(change, "spec.credits"))) == ("tightened", {
        ("spec.credits[0].atLeast", "tightened"), ("spec.credits[1].below", "tightened"),
        ("spec.credits[1].atLeast", "tightened"), ("spec.credits[2].below", "tightened")})
    # one tier pays less and another more: both ways, so loosened and tightened
    change = diff(repo, with_credits(new, CREDITS.replace("creditPercent: 10}", "creditPercent: 5}")
                                     .replace("creditPercent: 25", "creditPercent: 50")))
    assert change["classes"] == ["loosened", "modified", "tightened"]
    assert directions(change, "spec.credits") == [
        ("spec.credits[0].creditPercent", "loosened"), ("spec.credits[1].creditPercent", "tightened")]
    # one field both ways (a tier removed, another raised): loosened, which needs the most
    change = diff(repo, with_credits(new, CREDITS.replace(
        "    - {below: 95.0, creditPercent: 100}\n", "").replace("creditPercent: 10}", "creditPercent: 50}")))
    assert (change["status"], directions(change, "spec.credits")) == (
        "loosened", [("spec.credits", "loosened")])
    # the same schedule written another way (tiers reordered, 99 for 99.0): no change of terms
    reordered = "".join(reversed(CREDITS.splitlines(keepends=True)[1:])).replace("99.0", "99")
    change = diff(repo, with_credits(sla(), "  credits:\n" + reordered))
    assert change["status"] == "metadata" and change["classes"] == []


def test_ending_an_agreement_sooner_is_a_loosening_that_needs_notice(repo: GitProject) -> None:
    def ended(until: str) -> str:
        return sla(version=2).replace("from: 2025-01-01", f"from: 2025-01-01\n    until: {until}")

    # changed on 2025-03-10, changeNoticeDays: 30
    repo.write("slas/globex.yaml", ended("2025-03-20"))
    repo.commit()
    repo.approve("alice", "legal")
    run = repo.gate()
    [message] = messages(run, "sla-retroactive-change")
    assert message == (
        "SLA/globex-public-api: the agreement is made to end on 2025-03-20, with 10 days' "
        "notice (from 2025-03-10), but changeNoticeDays requires 30; end it on 2025-04-09 or "
        "later")
    [problem] = [p for p in run.json["problems"] if p["rule"] == "sla-retroactive-change"]
    assert (problem["line"], problem["path"]) == (12, "spec.effective.until")
    [approval] = messages(run, "sla-change-approval")
    assert "is loosened (spec.effective.until (none) → 2025-03-20)" in approval
    assert "1 more sre approver (for loosened" in approval
    repo.write("slas/globex.yaml", ended("2025-04-09"))
    repo.commit()
    for user, role in (("alice", "legal"), ("carol", "sre")):  # the change from the base
        repo.approve(user, role, "slas/globex.yaml", "--base", "main")
    assert repo.gate().code == 0


def test_an_end_moved_later_or_removed_tightens(repo: GitProject) -> None:
    def ended(text: str, until: str) -> str:
        return text.replace("from: 2025-01-01", f"from: 2025-01-01\n    until: {until}")

    on_main(repo, ended(sla(), "2025-03-15"))
    change = diff(repo, ended(sla(version=2), "2025-12-31"))
    assert (change["status"], directions(change, "spec.effective")) == (
        "tightened", [("spec.effective.until", "tightened")])
    change = diff(repo, sla(version=2))
    assert (change["status"], directions(change, "spec.effective")) == (
        "tightened", [("spec.effective.until", "tightened")])
    # brought nearer, but no sooner than the end agreed before needs no more notice than it
    change = diff(repo, ended(sla(version=2), "2025-03-12"))
    assert change["status"] == "loosened"
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert message.endswith("but changeNoticeDays requires 30; end it on 2025-03-15 or later")
