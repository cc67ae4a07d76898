"""An agreement removed and then added back: judged against the version the base removed.

The policy (gitrepos.POLICY) asks legal to add or remove an agreement, and legal and sre to
loosen one. Removing it in one pull request and adding it back looser in the next must need
the loosening's approvals too: each test removes it on main, then adds it back on a branch.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git
from gitrepos import POLICY, TODAY, GitProject, days_hence, gate_in_partial_clone, problems, sla

from slopolicy.changes.changeset import ChangeSet
from slopolicy.changes.compare import compare_files
from slopolicy.config.settings import Config
from slopolicy.gitops import earlier
from slopolicy.gitops.git import open_repo
from slopolicy.load.files import load_bytes

REMOVED_ON = "2025-03-05T12:00:00+00:00"
LOOSER = sla(version=2, start=days_hence(52), target="99.5")  # after the change
INITECH = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: initech-billing}
spec:
  customer: initech
  service: billing
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives: [{name: availability, indicator: availability, targetPercent: 99.0}]
"""


def remove_on_main(repo: GitProject, *, keep: str | None = None) -> str:
    """Main removes the agreement (a pull request approved as ``removed``, merged); the
    branch ``change`` starts again from there. ``keep``: the file's text after, when the
    agreement leaves a file that stays."""
    repo.git("checkout", "-q", "main")
    if keep is None:
        repo.git("rm", "-q", "slas/globex.yaml")
    else:
        repo.write("slas/globex.yaml", keep)
    removed = repo.commit("remove the globex agreement", date=REMOVED_ON)
    repo.git("checkout", "-q", "-B", "change", "main")
    return removed


def test_added_back_looser_needs_the_loosening_approvals(repo: GitProject) -> None:
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    repo.approve("alice", "legal")  # what an addition needs
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert (problem["file"], problem["line"], problem["path"]) == (
        "slas/globex.yaml", 21, "spec.objectives[0].targetPercent")
    message = str(problem["message"])
    assert message.startswith(
        f"SLA/globex-public-api is re-added looser than the version removed in {removed[:7]} "
        "(2025-03-05): spec.objectives[availability].targetPercent 99.9 → 99.5, ")
    assert "It lacks approval: it needs 1 more sre approver (for loosened" in message
    assert "legal approver" not in message
    repo.approve("carol", "sre")
    repo.commit("sre approves", author="carol")
    assert (again := repo.gate()).code == 0, again.json["problems"]
    [added] = [d for d in again.json["changes"]["documents"]
               if d["document"] == "SLA/globex-public-api"]
    assert (added["status"], added["classes"]) == ("added", ["added", "loosened", "modified"])
    found = added["earlier"]
    assert (found["removedBy"], found["date"], found["document"], found["file"]) == (
        removed, REMOVED_ON, "SLA/globex-public-api", "slas/globex.yaml")
    assert found["classes"] == ["loosened", "modified"]
    assert {"path": "spec.objectives[availability].targetPercent", "from": 99.9, "to": 99.5,
            "direction": "loosened"} in found["changes"]
    table = repo.check("--base", "main", "--format", "markdown").out
    assert (f"| SLA/globex-public-api v2 | — | removed in {removed[:7]} (2025-03-05) | added back "
            "| — | ✅ ") in table
    assert ("|  | availability | targetPercent: 99.9 → 99.5 | loosened | 40.32–44.64 → "
            "201.6–223.2 per calendar month (UTC) |  |") in table


@pytest.mark.parametrize("text, said", [
    (sla(), "is added back with the terms of the version removed in"),
    (sla(version=2, start=days_hence(52), target="99.95"),
     "is re-added tighter than the version removed in"),
], ids=["same", "tighter"])
def test_added_back_as_strict_needs_what_an_addition_needs(repo: GitProject, text: str,
                                                           said: str) -> None:
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", text)
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert f"{said} {removed[:7]} (2025-03-05)" in message
    assert "1 more legal approver" in message and "sre" not in message
    repo.approve("alice", "legal")
    repo.commit("legal approves", author="alice")
    assert (run := repo.gate()).code == 0, run.json["problems"]


def test_an_agreement_never_seen_is_an_addition(repo: GitProject) -> None:
    remove_on_main(repo)
    repo.write("slas/initech.yaml", INITECH)  # looser than globex's was: another agreement
    repo.commit("add the initech agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert message.startswith("SLA/initech-billing is added and lacks approval: it needs 1 more "
                              "legal approver (for added;")
    repo.approve("alice", "legal", "slas/initech.yaml")
    repo.commit("legal approves", author="alice")
    assert (run := repo.gate()).code == 0, run.json["problems"]


@pytest.mark.parametrize("path, text", [
    ("slas/customers/globex-api.yaml", LOOSER),  # the same name, in another file
    ("slas/globex-2025.yaml",  # another name for the same customer and service
     LOOSER.replace("name: globex-public-api", "name: globex-public-api-2025")),
], ids=["same-name", "same-parties"])
def test_added_back_in_another_file(repo: GitProject, path: str, text: str) -> None:
    removed = remove_on_main(repo)
    repo.write(path, text)
    repo.commit("add the globex agreement")
    repo.approve("alice", "legal", path)
    repo.commit("legal approves", author="alice")
    [problem] = problems(repo.gate(), "sla-change-approval")
    assert problem["file"] == path
    assert f"is re-added looser than the version removed in {removed[:7]}" in str(
        problem["message"])
    assert "1 more sre approver (for loosened" in str(problem["message"])


@pytest.mark.parametrize("customer", [
    "globe\u034fx",  # a combining grapheme joiner: invisible
    "globe\ufe0fx",  # a variation selector: invisible
    "globex\u3164",  # a Hangul filler: blank
    "\u0261lobex",  # a Latin script g
], ids=["grapheme-joiner", "variation-selector", "hangul-filler", "script-g"])
def test_added_back_for_the_customer_spelt_otherwise(repo: GitProject, customer: str) -> None:
    """A customer spelt with a character a reader does not see, or takes for another, is the
    customer whose agreement was removed."""
    removed = remove_on_main(repo)
    path = "slas/globex-2025.yaml"
    repo.write(path, LOOSER.replace("name: globex-public-api", "name: globex-api-2025").replace(
        "customer: globex", f'customer: "{customer}"'))
    repo.commit("add the globex agreement")
    repo.approve("alice", "legal", path)
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert f"is re-added looser than the version removed in {removed[:7]}" in str(
        problem["message"])
    assert "1 more sre approver (for loosened" in str(problem["message"])


def test_a_document_removed_from_a_file_that_stays(repo: GitProject) -> None:
    """Removing the agreement's document from a file of several deletes no file."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla() + "---\n" + INITECH)
    repo.commit("initech joins the file", date="2025-03-02T12:00:00+00:00")
    removed = remove_on_main(repo, keep=INITECH)
    repo.write("slas/globex-again.yaml", LOOSER)
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert f"is re-added looser than the version removed in {removed[:7]}" in message


@pytest.mark.parametrize("at_once", [1, earlier.READ_AT_ONCE])
def test_the_last_version_removed_is_the_one_compared(repo: GitProject, at_once: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Added back, removed again with tighter terms, added back: compared with the tighter
    (read a version at a time, the log is stopped once it is found)."""
    monkeypatch.setattr(earlier, "READ_AT_ONCE", at_once)
    remove_on_main(repo)
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    repo.commit("globex again, tighter", date="2025-03-06T12:00:00+00:00")
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = repo.commit("remove it again", date="2025-03-07T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex.yaml", sla(version=3, start="2025-05-01", target="99.9"))
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert (f"is re-added looser than the version removed in {removed[:7]} (2025-03-07): "
            "spec.objectives[availability].targetPercent 99.95 → 99.9") in message


def test_a_shallow_clone_is_never_taken_for_a_searched_history(repo: GitProject,
                                                               tmp_path: Path) -> None:
    remove_on_main(repo)
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", "--branch", "change",
        f"file://{repo.root}", str(clone))
    repo.root, original = clone, repo.root
    try:
        run = repo.check("--base", "origin/main")  # the gate refuses the whole clone
    finally:
        repo.root = original
    assert run.code == 2 and "this is a shallow clone" in run.err
    # the search itself, asked in that clone, says it could not be made, and how to fix it
    head = load_bytes("slas/globex.yaml", (clone / "slas/globex.yaml").read_bytes())
    changeset = ChangeSet("origin/main", "", "", None, None, compare_files([], [head]))
    base = git(clone, "rev-parse", "origin/main").strip()
    earlier.look_back(open_repo(clone), base, Config(root=clone), clone, changeset)
    [added] = changeset.agreements
    assert added.earlier is None and added.classes == {"added"}
    assert changeset.history_unread is not None
    assert "shallow clone" in changeset.history_unread
    assert "`git fetch --unshallow`" in changeset.history_unread


def test_a_partial_clone_that_cannot_fetch_the_past_says_so_where_the_agreement_is_added(
        repo: GitProject, tmp_path: Path) -> None:
    remove_on_main(repo)
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    run = gate_in_partial_clone(repo, tmp_path)
    assert run.code == 1, run.err
    [warning] = problems(run, "sla-history-unread")
    assert (warning["severity"], warning["file"], warning["line"], warning["path"]) == (
        "warning", "slas/globex.yaml", 4, "metadata.name")
    message = str(warning["message"])
    assert message.startswith(
        "SLA/globex-public-api is added, and origin/main's history could not be searched for an "
        "earlier version of it")
    assert "git cannot read the past versions of the agreements' files" in message
    assert "a partial clone (`--filter=blob:none`) fetches past versions" in message
    [error] = problems(run, "sla-change-approval")  # judged as the addition it is known to be
    assert "is added and lacks approval" in str(error["message"])


def test_a_partial_clone_that_cannot_fetch_the_base_says_so(repo: GitProject,
                                                             tmp_path: Path) -> None:
    """The base's own version of a changed file is not in the clone, and its remote is out of
    reach: a usage error (exit 2) that says why and what to do, not an internal error."""
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(60), target="99.5"))
    repo.commit("loosen")
    run = gate_in_partial_clone(repo, tmp_path)
    assert run.code == 2, run.err
    assert "git cannot read the files' contents (a partial clone fetches them from its " \
           "remote: run where it can reach it, or clone without --filter)" in run.err
    assert "internal error" not in run.err


def test_a_version_that_cannot_be_read_is_never_passed_over(repo: GitProject) -> None:
    """The newest version removed is lost from the repository: the older one found is
    compared, and the warning says the newer could not be read."""
    first = remove_on_main(repo)
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    repo.commit("globex again, tighter", date="2025-03-06T12:00:00+00:00")
    repo.git("rm", "-q", "slas/globex.yaml")
    second = repo.commit("remove it again", date="2025-03-07T12:00:00+00:00")
    lost = repo.git("rev-parse", f"{second}^:slas/globex.yaml").strip()
    (repo.root / ".git/objects" / lost[:2] / lost[2:]).unlink()  # a loose object, lost
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    run = repo.gate()
    [warning] = problems(run, "sla-history-unread")
    assert (f"the version of slas/globex.yaml before commit {second[:7]} is not in this "
            "clone") in str(warning["message"])
    [error] = problems(run, "sla-change-approval")
    assert f"is re-added looser than the version removed in {first[:7]}" in str(error["message"])


def test_globs_that_name_a_folder_are_searched(repo: GitProject) -> None:
    """``include: [slas]`` selects what the folder holds: so does the search."""
    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", POLICY + "documents: {include: [slas]}\n")
    repo.commit("only the agreements' folder", date="2025-03-02T12:00:00+00:00")
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert f"is re-added looser than the version removed in {removed[:7]}" in message


def test_a_removal_merged_from_a_branch_is_found_at_the_merge(repo: GitProject) -> None:
    """The base's own record: the merge that brought the removal in removed it there."""
    repo.git("checkout", "-q", "-b", "pr1", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.commit("remove the globex agreement", date=REMOVED_ON)
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pr1", "pr1", date="2025-03-06T12:00:00+00:00")
    merge = repo.git("rev-parse", "HEAD").strip()
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-change-approval")]
    assert f"is re-added looser than the version removed in {merge[:7]} (2025-03-06)" in message


# -- versions and dates: an agreement added back is judged as the edit it amounts to --------

def notice(text: str, days: int) -> str:
    return text.replace("changeNoticeDays: 30", f"changeNoticeDays: {days}")


@pytest.mark.parametrize("target, how", [("99.95", "tighter"), ("99.5", "looser")])
def test_added_back_with_other_terms_needs_a_higher_version(repo: GitProject, target: str,
                                                            how: str) -> None:
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", sla(version=1, start=days_hence(52), target=target))
    repo.commit("add the globex agreement")
    [problem] = problems(repo.gate(), "sla-version-bump")
    assert (problem["file"], problem["line"], problem["path"]) == (
        "slas/globex.yaml", 9, "spec.version")
    assert problem["message"] == (
        f"SLA/globex-public-api is re-added {how} than the version removed in {removed[:7]} "
        f"(2025-03-05): spec.objectives[availability].targetPercent 99.9 → {target}, "
        f"spec.effective.from 2025-01-01 → {days_hence(52)}. Its spec.version is 1, as that "
        "version's "
        "was; set version: 2 and supersedes: 1, so the new terms are a new version of the "
        "agreement")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(52), target=target))
    repo.commit("version 2")
    run = repo.gate()
    assert problems(run, "sla-version-bump") == []
    assert problems(run, "sla-retroactive-change") == []


def test_added_back_below_the_version_removed(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    repo.commit("globex v2", date="2025-03-02T12:00:00+00:00")
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", sla(version=1, start="2025-05-01", target="99.95"))
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-version-bump")]
    assert message == (
        f"SLA/globex-public-api is re-added with other terms than the version removed in "
        f"{removed[:7]} (2025-03-05): spec.effective.from 2025-04-01 → 2025-05-01. Its "
        "spec.version is 1, below that version's (2); set version: 3 and supersedes: 2, so the "
        "new terms are a new version of the agreement")


def test_added_back_as_it_was_removed_passes_both(repo: GitProject) -> None:
    """The terms removed, restored as they were (from a date now past, at the same version):
    nothing is rewritten; one term changed, and both rules see it."""
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", sla())
    repo.commit("add the globex agreement back")
    run = repo.gate()
    assert problems(run, "sla-version-bump") == problems(run, "sla-retroactive-change") == []
    repo.write("slas/globex.yaml", sla(target="99.95"))
    repo.commit("tighter, in place")
    run = repo.gate()
    said = (f"SLA/globex-public-api is re-added tighter than the version removed in "
            f"{removed[:7]} (2025-03-05): spec.objectives[availability].targetPercent 99.9 → "
            "99.95.")
    [bump] = problems(run, "sla-version-bump")
    [retroactive] = problems(run, "sla-retroactive-change")
    assert str(bump["message"]).startswith(said)
    assert str(retroactive["message"]).startswith(said)


def test_added_back_from_a_date_past(repo: GitProject) -> None:
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", sla(version=2, start="2025-01-01", target="99.95"))
    repo.commit("add the globex agreement")
    run = repo.gate()
    assert problems(run, "sla-version-bump") == []
    [problem] = problems(run, "sla-retroactive-change")
    assert (problem["file"], problem["line"], problem["path"]) == (
        "slas/globex.yaml", 11, "spec.effective.from")
    assert problem["message"] == (
        f"SLA/globex-public-api is re-added tighter than the version removed in {removed[:7]} "
        "(2025-03-05): spec.objectives[availability].targetPercent 99.9 → 99.95. It is added "
        f"back on {TODAY} but takes effect on 2025-01-01, so it would rewrite a period "
        f"already past; set effective.from: {TODAY} or later")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(0), target="99.95"))
    repo.commit("from the day it is added back")
    assert problems(repo.gate(), "sla-retroactive-change") == []


@pytest.mark.parametrize("start, said", [
    (days_hence(22), f"It is added back on {TODAY} with 22 days' notice (it takes effect on "
                     f"{days_hence(22)}), but the version removed asks for 30 (changeNoticeDays); "
                     f"set effective.from: {days_hence(30)} or later"),
    ("2025-02-01", f"It is added back on {TODAY} but takes effect on 2025-02-01, so it would "
                   f"rewrite a period already past; set effective.from: {days_hence(30)} or later "
                   "(30 days' notice for a loosening, the changeNoticeDays of the version "
                   "removed)"),
], ids=["short-notice", "past"])
def test_added_back_looser_gives_the_notice_of_the_version_removed(repo: GitProject, start: str,
                                                                   said: str) -> None:
    """The customer agreed to 30 days' notice; the version added back asks for 5, which
    cannot shorten it (as an edit's new value cannot)."""
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", notice(sla(version=2, start=start, target="99.5"), 5))
    repo.commit("add the globex agreement")
    [message] = [str(p["message"]) for p in problems(repo.gate(), "sla-retroactive-change")]
    assert message == (
        f"SLA/globex-public-api is re-added looser than the version removed in {removed[:7]} "
        "(2025-03-05): spec.changeNoticeDays 30 → 5, spec.objectives[availability].targetPercent "
        f"99.9 → 99.5, spec.effective.from 2025-01-01 → {start}. {said}")
    repo.write("slas/globex.yaml", notice(sla(version=2, start=days_hence(30), target="99.5"), 5))
    repo.commit("30 days' notice")
    assert problems(repo.gate(), "sla-retroactive-change") == []


def test_added_back_ended_in_the_past(repo: GitProject) -> None:
    """Added back with only an end date, one already past: a period past is rewritten."""
    removed = remove_on_main(repo)
    ended = sla(version=2).replace("from: 2025-01-01", "from: 2025-01-01\n    until: 2025-02-01")
    repo.write("slas/globex.yaml", ended)
    repo.commit("add the globex agreement, ended")
    [problem] = problems(repo.gate(), "sla-retroactive-change")
    assert (problem["line"], problem["path"]) == (12, "spec.effective.until")
    assert problem["message"] == (
        f"SLA/globex-public-api is re-added looser than the version removed in "  # it ends
        f"{removed[:7]} (2025-03-05): spec.effective.until (none) → 2025-02-01. It is added back "
        f"to end on 2025-02-01, before the date of the change {TODAY}, so it would rewrite a "
        f"period already past; end it on {TODAY} or later")



@pytest.mark.parametrize("text, retroactive", [
    (sla(version=2, start="2025-01-01", target="99.95"), True),  # other terms, from the past
    (sla(), False),  # the terms removed, as they were
], ids=["other-terms", "as-it-was"])
def test_the_audit_marks_an_agreement_added_back_from_a_date_past(
        repo: GitProject, text: str, retroactive: bool) -> None:
    """The audit's timeline marks a version added back with other terms from a date before
    the day it is added back retroactive, as the gate reports it."""
    remove_on_main(repo)
    repo.write("slas/globex.yaml", text)
    repo.commit("add the globex agreement back")
    versions = [(v["change"], v["retroactive"]) for v in next(
        a for a in repo.run("audit", "--format", "json").json["agreements"]
        if a["document"] == "SLA/globex-public-api")["versions"]]
    assert versions == [("added", False), ("removed", False), ("added", retroactive)]
    assert repo.run("audit").out.count("! retroactive") == retroactive


@pytest.mark.parametrize("customer", [False, True], ids=["internal", "for-customers"])
def test_the_audit_s_html_compares_an_agreement_added_back_with_the_version_removed(
        repo: GitProject, customer: bool) -> None:
    removed = remove_on_main(repo)
    repo.write("slas/globex.yaml", LOOSER)
    repo.commit("add the globex agreement back")
    page = repo.run("audit", "--format", "html", *(["--audience", "customer"] if customer else [])).out
    assert ("added back, against the version removed on 2025-03-05" if customer  # no commit
            else f"added back, against the version removed in {removed[:7]} (2025-03-05)") in page
    assert (removed[:7] in page) is not customer
    assert "99.9 → 99.5" in page
