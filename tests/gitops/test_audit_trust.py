"""What an audit can be made to say by someone who may push to main and type commit dates.

Two ways around ``audit --verify``, on real repositories with real signatures:
an approval of a small policy edit made on top of one never approved (the
record binds the small edit, not the weakening under it), and commit dates
out of order (one commit dated 2099, or dated later than it was made) that
would carry later changes out of every ``--since``/``--until`` range.
"""
from __future__ import annotations

from typing import Any

from conftest import Run
from gitrepos import GitProject, sla

GLOBEX = "SLA/globex-public-api"
SRE_FOR_LOOSENINGS = "loosened: [{role: legal, count: 1}, {role: sre, count: 1}]"


def audit(repo: GitProject, *args: str) -> Run:
    return repo.run("audit", *args)


def versions(data: dict[str, Any]) -> list[dict[str, Any]]:
    [agreement] = [a for a in data["agreements"] if a["document"] == GLOBEX]
    found: list[dict[str, Any]] = agreement["versions"]
    return found


def _root(repo: GitProject) -> str:
    return repo.git("rev-list", "--max-parents=0", "HEAD").strip()


# -- a policy edit never approved stays so under an approved edit on top of it ------------

def _weaken_then_comment(repo: GitProject) -> tuple[str, str]:
    """E1 (never approved) drops sre from loosenings; E2 adds a comment. Returns both."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    assert SRE_FOR_LOOSENINGS in policy
    repo.write(".slopolicy.yaml", policy.replace(SRE_FOR_LOOSENINGS,
                                                 "loosened: [{role: legal, count: 1}]"))
    weakened = repo.commit("loosenings need legal only", author="mallory",
                           date="2025-03-05T12:00:00+00:00")
    repo.write(".slopolicy.yaml", (repo.root / ".slopolicy.yaml").read_text()
               + "# requirements sorted by class\n")
    comment = repo.commit("a comment", author="mallory", date="2025-03-06T12:00:00+00:00")
    return weakened, comment


def _loosen_with_legal(repo: GitProject) -> str:
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.5"))
    assert repo.approve("alice", "legal").code == 0
    return repo.commit("globex v2: 99.5", date="2025-03-10T12:00:00+00:00")


def test_an_approval_of_an_edit_on_top_of_one_never_approved_does_not_ratify_it(
        repo: GitProject) -> None:
    """carol (sre) approves E2 as `slopolicy approve` offers it: the change since E1. The
    edit that would stand is the one from the last policy approved (which still asks sre
    for a loosening), so her record names another change: E2 does not stand, and a later
    loosening with legal's approval alone still lacks sre."""
    weakened, comment = _weaken_then_comment(repo)
    run = repo.approve("carol", "sre", ".slopolicy.yaml")
    assert run.code == 0, run.err
    repo.commit("sre approval of the comment", author="mallory",
                date="2025-03-07T12:00:00+00:00")
    loosened = _loosen_with_legal(repo)
    data = audit(repo, "--format", "json").json
    edits = {e["commit"]: e for e in data["policy"]["changes"]}
    assert (edits[weakened]["compliant"], edits[comment]["compliant"]) == (False, False)
    [record] = edits[comment]["approvals"]
    assert (record["identity"], record["valid"]) == ("carol@acme.example", False)
    assert "it approves the change from" in record["reason"], record
    [_, v2] = versions(data)
    assert (v2["commit"], v2["compliant"]) == (loosened, False)
    assert [(m["class"], m["role"]) for m in v2["missing"]] == [("loosened", "sre")]
    assert v2["policy"] == {"commit": _root(repo), "error": None, "notApproved": weakened}
    verify = audit(repo, "--verify")
    assert verify.code == 1
    assert all(sha[:7] in verify.err for sha in (weakened, comment, loosened)), verify.err


def test_an_approval_of_the_change_from_the_last_policy_approved_stands(
        repo: GitProject) -> None:
    """The same edit approved as the change from the last policy approved (`--base` the
    commit before E1): carol saw the weakening and signed it, so E2 stands, and the
    loosening after it needs what E2 asks (legal) and no more."""
    weakened, comment = _weaken_then_comment(repo)
    run = repo.approve("carol", "sre", ".slopolicy.yaml", "--base", _root(repo))
    assert run.code == 0, run.err
    repo.commit("sre approval of the weakening", author="mallory",
                date="2025-03-07T12:00:00+00:00")
    loosened = _loosen_with_legal(repo)
    data = audit(repo, "--format", "json").json
    edits = {e["commit"]: e for e in data["policy"]["changes"]}
    assert (edits[weakened]["compliant"], edits[comment]["compliant"]) == (False, True)
    [_, v2] = versions(data)
    assert (v2["commit"], v2["compliant"]) == (loosened, True)
    verify = audit(repo, "--verify")
    assert verify.code == 1
    assert weakened[:7] in verify.err and loosened[:7] not in verify.err, verify.err


def test_an_edit_never_approved_takes_away_no_requirement_another_one_added(
        repo: GitProject) -> None:
    """E1 (never approved) asks two legal approvers for a modification; E2 (never approved
    either) asks one again. What follows must satisfy E1 as well as the last policy
    approved: a tightening with one legal approver lacks the second."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    one, two = "modified: [{role: legal, count: 1}]", "modified: [{role: legal, count: 2}]"
    assert one in policy
    repo.write(".slopolicy.yaml", policy.replace(one, two))
    stricter = repo.commit("two legal approvers", date="2025-03-05T12:00:00+00:00")
    repo.write(".slopolicy.yaml", policy + "# one again\n")
    again = repo.commit("one legal approver again", author="mallory",
                        date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.95"))
    assert repo.approve("alice", "legal").code == 0
    tightened = repo.commit("globex v2: 99.95", date="2025-03-10T12:00:00+00:00")
    [_, v2] = versions(audit(repo, "--format", "json").json)
    assert (v2["commit"], v2["compliant"]) == (tightened, False)
    assert [(m["class"], m["role"], m["count"]) for m in v2["missing"]] == [
        ("modified", "legal", 1)]
    # judged by the policy E1 left (before E2, never approved)
    assert v2["policy"] == {"commit": stricter, "error": None, "notApproved": again}


# -- commit dates out of order -------------------------------------------------------------

MARCH = ("--since", "2025-03-15", "--until", "2025-03-31")


def _unapproved_loosening(repo: GitProject, date: str) -> str:
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.5"))
    return repo.commit("globex v2: 99.5, no approvals", author="mallory", date=date)


def test_a_commit_dated_2099_hides_no_later_change_from_a_range(repo: GitProject) -> None:
    """A harmless commit dated 2099, then an unapproved loosening dated (and made) in March:
    March's range holds the loosening, the warning says which date cannot be true, and
    the repository said the loosening from March on, not from 2099 on."""
    repo.write("NOTES.md", "wording\n")
    future = repo.commit("wording", author="mallory", date="2099-01-01T12:00:00+00:00")
    loosened = _unapproved_loosening(repo, "2025-03-20T12:00:00+00:00")
    for extra in (MARCH, ("--since", "2025-03-01", "--until", "2025-12-31")):
        run = audit(repo, "--verify", *extra)
        assert run.code == 1, (extra, run.err)
        assert f"  {loosened[:7]} SLA/globex-public-api v2 loosened (2025-03-20)" in run.err
    assert f"commit {future[:7]} is dated 2099-01-01, after this audit runs" in run.err
    assert f"commit {loosened[:7]} is dated 2025-03-20, before its parent" not in run.err
    # the range before it holds neither date
    assert audit(repo, "--verify", "--until", "2025-03-14").code == 0
    known = audit(repo, "--as-of", "2025-07-01", "--known-at", "2025-03-25", "--format",
                  "json").json
    assert [(a["version"], a["commit"]) for a in known["agreements"]] == [(2, loosened)]


def test_a_commit_dated_later_than_it_was_made_hides_no_later_change_from_a_range(
        repo: GitProject) -> None:
    """The commit before the loosening is dated April 2nd, a date already past when the
    audit runs: the loosening, dated March 20th, counts as no earlier than April 2nd by its
    place, and March's range holds it by its own date."""
    repo.write("NOTES.md", "wording\n")
    repo.commit("wording", author="mallory", date="2025-04-02T12:00:00+00:00")
    loosened = _unapproved_loosening(repo, "2025-03-20T12:00:00+00:00")
    run = audit(repo, "--verify", *MARCH)
    assert run.code == 1, run.err
    assert f"  {loosened[:7]} SLA/globex-public-api v2 loosened (2025-03-20)" in run.err
    # and April's range holds it by its place (it was made after April 2nd, or that is wrong)
    april = audit(repo, "--verify", "--since", "2025-04-01", "--until", "2025-04-30")
    assert april.code == 1 and loosened[:7] in april.err, april.err


def test_a_change_dated_later_than_the_commit_after_it_is_in_that_ones_range(
        repo: GitProject) -> None:
    """The loosening is dated April 2nd, the commit after it March 20th: either date may be
    the wrong one, so March's range holds the loosening too (it may have been made then),
    and April's still does by its own date."""
    loosened = _unapproved_loosening(repo, "2025-04-02T12:00:00+00:00")
    repo.write("NOTES.md", "wording\n")
    repo.commit("wording", author="mallory", date="2025-03-20T12:00:00+00:00")
    for extra in (("--since", "2025-03-15", "--until", "2025-03-31"),
                  ("--since", "2025-04-01", "--until", "2025-04-30")):
        run = audit(repo, "--verify", *extra)
        assert run.code == 1 and loosened[:7] in run.err, (extra, run.err)
    assert audit(repo, "--verify", "--until", "2025-03-14").code == 0


def test_a_change_dated_2099_is_in_every_range(repo: GitProject) -> None:
    """The loosening itself dated 2099, the last commit: no date of it can be true, so
    every range holds it, and the repository says it from now on, not from 2099 on."""
    loosened = _unapproved_loosening(repo, "2099-01-01T12:00:00+00:00")
    run = audit(repo, "--verify", *MARCH)
    assert run.code == 1, run.err
    assert f"  {loosened[:7]} SLA/globex-public-api v2 loosened (2099-01-01)" in run.err
    assert f"commit {loosened[:7]} is dated 2099-01-01, after this audit runs" in run.err
    known = audit(repo, "--as-of", "2099-06-01", "--format", "json").json
    assert [(a["version"], a["commit"]) for a in known["agreements"]] == [(2, loosened)]
    then = audit(repo, "--as-of", "2099-06-01", "--known-at", "2098-12-31", "--format",
                 "json").json
    assert [(a["version"], a["commit"]) for a in then["agreements"]] == [(2, loosened)]
