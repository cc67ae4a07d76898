"""The notice a loosening needs is that of the terms in force while it is given.

The base's agreement may be a version that has not started yet: agreed, with
its own ``changeNoticeDays``, to replace the version in force on a later day.
A change made before then is made under the terms in force (the customer's
notice period is theirs until the new version starts), and its new terms take
away those of every version that would have been in force before they start:
the notice it needs is the longest that any of them asks, the base's own too.
Without that, a notice period cut to a day from a date months away (approved,
with the notice it asks for) would let the next change loosen the terms from
the day after tomorrow, which the two edits made as one change may not.
"""
from __future__ import annotations

from typing import Any

import pytest
from gitrepos import TODAY, GitProject, days_hence, sla


def agreed(version: int, start: str, notice: int, target: str = "99.9") -> str:
    return sla(version=version, start=start, target=target).replace(
        "changeNoticeDays: 30", f"changeNoticeDays: {notice}")


def on_main(repo: GitProject, text: str, date: str) -> None:
    """``text`` lands on main (the approved pull request before this one); the change branch
    starts from there."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", text)
    repo.commit("on main", date=date)
    repo.git("checkout", "-q", "-B", "change", "main")


def notices(run: Any) -> list[str]:
    return [str(p["message"]) for p in run.json["problems"]
            if p["rule"] == "sla-retroactive-change"]


def approved(repo: GitProject) -> None:
    repo.commit("loosen")
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    repo.commit("approvals", author="carol")


def test_a_notice_cut_from_a_later_date_does_not_shorten_the_notice_in_force(
        repo: GitProject) -> None:
    """In force: version 1, 30 days' notice. Agreed on main: version 2, a day's notice from
    31 days hence. A loosening from 2 days hence is made under version 1's terms."""
    on_main(repo, agreed(2, days_hence(31), 1), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(3, days_hence(2), 1, target="99.5"))
    approved(repo)
    run = repo.gate()
    assert run.code == 1
    assert notices(run) == [
        f"SLA/globex-public-api: the terms are loosened with 2 days' notice (from {TODAY} to "
        f"{days_hence(2)}), but changeNoticeDays requires 30 (that of version 1, in force "
        f"until {days_hence(31)}); make the new terms a new version with effective.from: "
        f"{days_hence(30)} or later; the old version stays in force until then"]


def test_the_same_edits_in_one_change_fail_alike(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", agreed(2, days_hence(2), 1, target="99.5"))
    approved(repo)
    assert [m.split(";")[0] for m in notices(repo.gate())] == [
        f"SLA/globex-public-api: the terms are loosened with 2 days' notice (from {TODAY} to "
        f"{days_hence(2)}), but changeNoticeDays requires 30"]


def test_enough_notice_for_the_terms_in_force_passes(repo: GitProject) -> None:
    on_main(repo, agreed(2, days_hence(31), 1), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(3, days_hence(30), 1, target="99.5"))
    approved(repo)
    assert (run := repo.gate()).code == 0, run.json["problems"]


def test_once_the_version_agreed_is_in_force_its_notice_is_the_one(repo: GitProject) -> None:
    """Version 2 (a day's notice) started before the change: version 1's notice is over."""
    on_main(repo, agreed(2, "2025-03-05", 1), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(3, days_hence(2), 1, target="99.5"))
    approved(repo)
    assert (run := repo.gate()).code == 0, run.json["problems"]


def test_a_version_that_would_be_in_force_before_the_new_terms_start_asks_its_notice(
        repo: GitProject) -> None:
    """In force: version 1, 30 days. Agreed: version 2 from 10 days hence, 90 days' notice;
    then version 3 from 100 days hence, a day's. Terms from 40 days hence would take version
    2's place from then on: they need its 90 days."""
    on_main(repo, agreed(2, days_hence(10), 90), "2025-03-04T12:00:00+00:00")
    on_main(repo, agreed(3, days_hence(100), 1), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(4, days_hence(40), 1, target="99.5"))
    approved(repo)
    [message] = notices(repo.gate())
    assert message.startswith(
        f"SLA/globex-public-api: the terms are loosened with 40 days' notice (from {TODAY} to "
        f"{days_hence(40)}), but changeNoticeDays requires 90 (that of version 2, in force from "
        f"{days_hence(10)} until {days_hence(100)});")


def test_a_version_agreed_to_start_tomorrow_is_not_in_force_today(repo: GitProject) -> None:
    on_main(repo, agreed(2, days_hence(1), 1), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(3, days_hence(2), 1, target="99.5"))
    approved(repo)
    assert [m.split(";")[0] for m in notices(repo.gate())] == [
        f"SLA/globex-public-api: the terms are loosened with 2 days' notice (from {TODAY} to "
        f"{days_hence(2)}), but changeNoticeDays requires 30 (that of version 1, in force "
        f"until {days_hence(1)})"]


HUGE_NOTICE = pytest.mark.parametrize("notice", [3_000_000, 10**26], ids=["3000000", "10**26"])
NEVER = "days from {today} is past the last day a calendar holds (9999-12-31), so no date gives " \
        "that notice"


def where(run: Any) -> list[tuple[int, int]]:
    return [(p["line"], p["column"]) for p in run.json["problems"]
            if p["rule"] == "sla-retroactive-change"]


@HUGE_NOTICE
def test_a_notice_past_the_calendar_is_never_given(repo: GitProject, notice: int) -> None:
    """The schema takes any whole number of days: a notice that would end after 9999-12-31
    is one no loosening gives (the gate stopped on it, exit 3, date value out of range)."""
    on_main(repo, agreed(2, "2025-01-01", notice), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(3, days_hence(60), notice, target="99.5"))
    approved(repo)
    run = repo.gate()
    assert run.code == 1, run.err
    assert where(run) == [(11, 11)]  # effective.from
    assert notices(run) == [
        f"SLA/globex-public-api: the terms are loosened with 60 days' notice (from {TODAY} to "
        f"{days_hence(60)}), but changeNoticeDays requires {notice}; {notice} "
        + NEVER.format(today=TODAY)]


@HUGE_NOTICE
def test_an_end_brought_nearer_under_a_notice_past_the_calendar_is_a_finding(
        repo: GitProject, notice: int) -> None:
    on_main(repo, agreed(2, "2025-01-01", notice), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", agreed(2, "2025-01-01", notice).replace(
        "    from: 2025-01-01\n", f"    from: 2025-01-01\n    until: {days_hence(60)}\n"))
    approved(repo)
    run = repo.gate()
    assert run.code == 1, run.err
    assert where(run) == [(12, 12)]  # effective.until
    [message] = notices(run)
    assert message.endswith(f"changeNoticeDays requires {notice}; {notice} "
                            + NEVER.format(today=TODAY))


def test_under_a_notice_past_the_calendar_the_end_agreed_is_the_one_to_keep(
        repo: GitProject) -> None:
    """An end no sooner than the one agreed needs no notice, however long the notice: that
    is the fix the finding names."""
    def ending(days: int) -> str:
        return agreed(2, "2025-01-01", 10**26).replace(
            "    from: 2025-01-01\n", f"    from: 2025-01-01\n    until: {days_hence(days)}\n")

    on_main(repo, ending(90), "2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", ending(60))
    approved(repo)
    [message] = notices(run := repo.gate())
    assert where(run) == [(12, 12)]
    assert message.endswith(f"changeNoticeDays requires {10**26}; end it on {days_hence(90)} "
                            "or later")
