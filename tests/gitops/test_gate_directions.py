"""Which way a change of credit tiers or of the agreement's end goes, and what it then needs.

The customer's protection decides: a level of measured availability that earns
less credit than before, or an agreement that ends sooner, loosens the terms, so
the change needs the loosened approvals and the notice the agreement asks.
Real repositories, real commits, real signatures.
"""
from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from itertools import product
from typing import Any

from gitrepos import TODAY, GitProject, days_hence, on_main, sla, small_sla

from slopolicy.changes.compare import compare_files
from slopolicy.load.files import load_bytes

CREDITS = """\
  credits:
    - {below: 99.9, atLeast: 99.0, creditPercent: 10}
    - {below: 99.0, atLeast: 95.0, creditPercent: 25}
    - {below: 95.0, creditPercent: 100}
"""


def with_credits(text: str, credits: str = CREDITS) -> str:
    return text + credits


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
    start = days_hence(52)  # the gate dates the change today: more than 30 days' notice
    repo.write("slas/globex.yaml", with_credits(sla(version=2, start=start), CREDITS.replace(
        "atLeast: 95.0, creditPercent: 25", "atLeast: 10.0, creditPercent: 25").replace(
        "below: 95.0, creditPercent: 100", "below: 10.0, creditPercent: 100")))
    repo.commit()
    repo.approve("alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert message.startswith(
        "SLA/globex-public-api is loosened (spec.credits[1].atLeast 95 → 10, "
        f"spec.credits[2].below 95 → 10, spec.effective.from 2025-01-01 → {start}) and lacks "
        "approval: it needs 1 more sre approver (for loosened")
    repo.approve("carol", "sre")
    assert repo.gate().code == 0


def test_credit_tiers_that_pay_less_need_the_notice_too(repo: GitProject) -> None:
    on_main(repo, with_credits(sla()))
    repo.write("slas/globex.yaml", with_credits(sla(version=2, start=days_hence(10)),
                                                CREDITS.replace(
        "    - {below: 95.0, creditPercent: 100}\n", "")))
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    assert messages(repo.gate(), "sla-retroactive-change") == [
        f"SLA/globex-public-api: the terms are loosened with 10 days' notice (from {TODAY} to "
        f"{days_hence(10)}), but changeNoticeDays requires 30; make the new terms a new version "
        f"with effective.from: {days_hence(30)} or later; the old version stays in force until "
        "then"]


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

    # changed today (the gate's date), changeNoticeDays: 30
    repo.write("slas/globex.yaml", ended(days_hence(10)))
    repo.commit()
    repo.approve("alice", "legal")
    run = repo.gate()
    [message] = messages(run, "sla-retroactive-change")
    assert message == (
        f"SLA/globex-public-api: the agreement is made to end on {days_hence(10)}, with 10 days' "
        f"notice (from {TODAY}), but changeNoticeDays requires 30; end it on {days_hence(30)} or "
        "later")
    [problem] = [p for p in run.json["problems"] if p["rule"] == "sla-retroactive-change"]
    assert (problem["line"], problem["path"]) == (12, "spec.effective.until")
    [approval] = messages(run, "sla-change-approval")
    assert f"is loosened (spec.effective.until (none) → {days_hence(10)})" in approval
    assert "1 more sre approver (for loosened" in approval
    repo.write("slas/globex.yaml", ended(days_hence(30)))
    repo.commit()
    for user, role in (("alice", "legal"), ("carol", "sre")):  # the change from the base
        repo.approve(user, role, "slas/globex.yaml", "--base", "main")
    assert repo.gate().code == 0


def test_an_end_moved_later_or_removed_tightens(repo: GitProject) -> None:
    def ended(text: str, until: str) -> str:
        return text.replace("from: 2025-01-01", f"from: 2025-01-01\n    until: {until}")

    on_main(repo, ended(sla(), days_hence(15)))
    change = diff(repo, ended(sla(version=2), days_hence(300)))
    assert (change["status"], directions(change, "spec.effective")) == (
        "tightened", [("spec.effective.until", "tightened")])
    change = diff(repo, sla(version=2))
    assert (change["status"], directions(change, "spec.effective")) == (
        "tightened", [("spec.effective.until", "tightened")])
    # brought nearer, but no sooner than the end agreed before needs no more notice than it
    change = diff(repo, ended(sla(version=2), days_hence(12)))
    assert change["status"] == "loosened"
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert message.endswith(
        f"but changeNoticeDays requires 30; end it on {days_hence(15)} or later")


# -- against an adversary that reads every level of availability -------------------------

BOUNDS = (Decimal(0), Decimal(50), Decimal(90), Decimal(95), Decimal(97), Decimal(99),
          Decimal("99.5"), Decimal("99.9"), Decimal(100))
AGREEMENT = small_sla(1, "2025-01-01", "99.9")  # one objective, no SLO behind it
Tier = tuple[Decimal | None, Decimal, int]  # atLeast (None: from 0%), below, creditPercent


def schedule(rng: random.Random) -> list[Tier]:
    """Up to four tiers that do not overlap, in a random order."""
    cuts = sorted(rng.sample(BOUNDS[1:], rng.randint(1, 4)))
    tiers: list[Tier] = []
    low: Decimal | None = None
    for below in cuts:
        start = low if rng.random() < 0.7 else rng.choice([None, *[b for b in BOUNDS if b < below]])
        if tiers and (start is None or start < (tiers[-1][1])):
            start = tiers[-1][1]  # no overlap with the tier below
        tiers.append((start, below, rng.choice((0, 5, 10, 25, 50, 100))))
        low = below
    rng.shuffle(tiers)
    return tiers


def mutated(rng: random.Random, tiers: list[Tier]) -> list[Tier]:
    """The same tiers with one or two fields changed, or a tier removed or added."""
    out = list(tiers)
    for _ in range(rng.randint(1, 2)):
        choice = rng.random()
        if choice < 0.15 and len(out) > 1:
            out.pop(rng.randrange(len(out)))
        elif choice < 0.25:
            return schedule(rng)
        else:
            i = rng.randrange(len(out))
            low, below, credit = out[i]
            field = rng.choice(("low", "below", "credit"))
            if field == "credit":
                credit = rng.choice((0, 5, 10, 25, 50, 100))
            elif field == "below":
                below = rng.choice([b for b in BOUNDS[1:] if low is None or b > low])
            else:
                low = rng.choice([None, *[b for b in BOUNDS if b < below]])
            candidate = out[:i] + [(low, below, credit)] + out[i + 1:]
            if not _overlap(candidate):
                out = candidate
    return out


def _overlap(tiers: list[Tier]) -> bool:
    return any(max(a[0] or 0, b[0] or 0) < min(a[1], b[1])
               for i, a in enumerate(tiers) for b in tiers[i + 1:])


def paid(tiers: list[Tier]) -> list[int]:
    """What a customer is paid at each tenth of a percent of availability, 0% to 100%: the
    credit of the tier that holds the level, else nothing. Every bound is a tenth, so
    every piece of a schedule is seen."""
    out = [0] * 1001
    for low, below, credit in tiers:
        for k in range(0 if low is None else int(low * 10), int(below * 10)):
            out[k] = max(out[k], credit)
    return out


def agreement(tiers: list[Tier]) -> str:
    lines = "".join(
        f"    - {{below: {below}, {'' if low is None else f'atLeast: {low}, '}"
        f"creditPercent: {credit}}}\n" for low, below, credit in tiers)
    return AGREEMENT + ("  credits:\n" + lines if tiers else "")


def test_credit_directions_against_every_level_of_availability() -> None:
    rng = random.Random(20261201)
    seen = set()
    for _ in range(300):
        old = schedule(rng)
        new = mutated(rng, old)
        base = load_bytes("sla.yaml", agreement(old).encode())
        head = load_bytes("sla.yaml", agreement(new).encode())
        found = compare_files([base], [head])
        directions = found[0].directions - {"metadata"} if found else frozenset()
        levels = list(zip(paid(old), paid(new)))
        less = any(now < was for was, now in levels)
        more = any(now > was for was, now in levels)
        case = (old, new, sorted(directions))
        if less:  # the customer is paid less somewhere: loosened, whatever else
            assert "loosened" in directions, case
        elif more:
            assert directions == {"tightened"}, case
        else:
            assert directions == frozenset(), case
        seen.add((less, more))
    assert seen == {(False, False), (True, False), (False, True), (True, True)}


# Latency thresholds at any precision, and zero: (as written, exact milliseconds).
THRESHOLDS = (("PT0S", Fraction(0)), ("P0D", Fraction(0)), ("PT0.0001S", Fraction(1, 10)),
              ("PT0.0002S", Fraction(1, 5)), ("PT0.0015S", Fraction(3, 2)),
              ("PT0." + "0" * 45 + "1S", Fraction(1, 10 ** 43)), ("500ms", Fraction(500)),
              ("PT0.5S", Fraction(500)), ("PT0.5000000000000000000000000000000001S",
                                          Fraction(5 * 10 ** 33 + 1, 10 ** 31)), ("10s", Fraction(10_000)))


def test_a_latency_threshold_moves_by_its_exact_length() -> None:
    """A slower threshold loosens, a faster one tightens, the same length rewritten is
    metadata: at any number of digits (PT0.0001S -> 10s is a loosening, not "modified")."""
    for (old, old_ms), (new, new_ms) in product(THRESHOLDS, THRESHOLDS):
        if old == new:
            continue
        base = load_bytes("sla.yaml", sla(threshold=old).encode())
        head = load_bytes("sla.yaml", sla(threshold=new).encode())
        [change] = compare_files([base], [head])
        found = [c.direction for c in change.fields if c.shown.endswith(".threshold")]
        expected = "loosened" if new_ms > old_ms else "tightened" if new_ms < old_ms else "metadata"
        assert found == [expected], (old, new, found)
