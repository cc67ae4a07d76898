"""The gate against someone trying to pass it: one person with two identities, a committer
hiding behind another author, replayed approvals, renames, weakened SLIs, wildcard signers.

Every test runs on a real repository (``repo``: main holds the README's approvals
policy and one SLA, branch ``change`` is checked out), with real commits and real
``ssh-keygen`` keys and signatures; the audit is asked the same questions as the gate.
"""
from __future__ import annotations

from typing import Any

import pytest
from gitrepos import CHANGE_DATE, POLICY, TODAY, GitProject, days_hence, sla

from slopolicy.changes import approvals
from slopolicy.gitops import evidence

TIGHTENED = sla(version=2, start=days_hence(22), target="99.95")
LOOSENED = sla(version=2, start=days_hence(52), target="99.5")
# The README's roster: carol is an sre twice over, as an address and as a GitHub login.
PEOPLE = POLICY.replace("  require:\n", "  people:\n    carol: [carol@acme.example, "
                        "\"github:carol-gh\"]\n  require:\n")


def messages(run: Any, rule: str) -> list[str]:
    return [p["message"] for p in run.json["problems"] if p["rule"] == rule]


def on_main(repo: GitProject, files: dict[str, str], author: str = "dev") -> None:
    """Make ``files`` part of main, before the change."""
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("on main", author=author, date="2025-03-02T12:00:00+00:00")
    merge_into_main(repo)


def merge_into_main(repo: GitProject) -> None:
    """The change lands (fast-forward), and the next change starts from there."""
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")


def approve(repo: GitProject, user: str, role: str, path: str = "slas/globex.yaml",
            *extra: str) -> None:
    """``slopolicy approve`` of the change from main, as the gate's message says to run it."""
    flags = extra if "--removed-from" in extra else ("--base", "main", *extra)
    run = repo.approve(user, role, path, *flags)
    assert run.code == 0, run.err


def approve_last(repo: GitProject, user: str, role: str, path: str = "slas/globex.yaml") -> None:
    """``slopolicy approve`` as it runs by default: the document's last change."""
    run = repo.approve(user, role, path)
    assert run.code == 0, run.err


def reviews(repo: GitProject, *items: tuple[str, str]) -> str:
    import json

    path = repo.root.parent / "reviews.json"
    path.write_text(json.dumps([{"user": {"login": login}, "state": "APPROVED",
                                 "commit_id": commit, "submitted_at": f"2025-03-10T12:0{i}:00Z"}
                                for i, (login, commit) in enumerate(items)]))
    return str(path)


def verify(repo: GitProject) -> str:
    run = repo.run("audit", "--verify")
    return run.err if run.code == 1 else f"exit {run.code}: {run.err}"


# -- 7. one person, two identities ------------------------------------------------------

def test_a_person_does_not_approve_their_own_change_under_another_identity(
        repo: GitProject) -> None:
    on_main(repo, {".slopolicy.yaml": PEOPLE})
    repo.write("slas/globex.yaml", LOOSENED)
    head = repo.commit("loosen", author="carol")  # carol@acme.example wrote it
    approve(repo, "alice", "legal")
    head = repo.commit("approval", author="alice")
    own = reviews(repo, ("carol-gh", head))  # ... and approves it as github:carol-gh
    [message] = messages(repo.gate("--reviews", own), "sla-change-approval")
    assert "1 more sre approver (for loosened; sre: dave@acme.example)" in message
    assert ("review of " + head[:7] + " (review, github:carol-gh): github:carol-gh authored "
            "commit ") in message and "nobody approves their own change" in message
    approve(repo, "dave", "sre")
    assert repo.gate("--reviews", own).code == 0


def test_two_identities_of_one_person_fill_one_slot(repo: GitProject) -> None:
    two_sre = PEOPLE.replace("loosened: [{role: legal, count: 1}, {role: sre, count: 1}]",
                             "loosened: [{role: legal, count: 1}, {role: sre, count: 2}]")
    on_main(repo, {".slopolicy.yaml": two_sre})
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit("loosen")
    approve(repo, "alice", "legal")
    approve(repo, "carol", "sre")  # signed as carol@acme.example
    head = repo.commit("approvals", author="alice")
    both = reviews(repo, ("carol-gh", head))  # and reviewed as github:carol-gh
    run = repo.gate("--reviews", both)
    [message] = messages(run, "sla-change-approval")
    assert "needs 1 more sre approver (for loosened" in message
    [agreement] = [d for d in run.json["changes"]["documents"] if "approvals" in d]
    found = {e["identity"]: e["valid"] for e in agreement["approvals"]["found"]}
    assert found == {"alice@acme.example": True, "carol@acme.example": True,
                     "github:carol-gh": True}  # each is carol's; together they are one person
    approve(repo, "dave", "sre")
    repo.commit("dave's approval", author="alice")
    head = repo.git("rev-parse", "HEAD").strip()
    assert repo.gate("--reviews", reviews(repo, ("carol-gh", head))).code == 0


def test_people_who_share_an_identity_are_one_person() -> None:
    roster = approvals.Roster(
        roles={"sre": ("carol@x", "github:carol", "dave@x")},
        people={"carol": ("Carol@X", "github:carol"), "cc": ("github:CAROL", "cc@x"),
                "dave": ("dave@x",)})
    assert roster.person("cc@x") == roster.person("carol@x") == roster.person("github:carol")
    assert roster.person("dave@x") != roster.person("carol@x")
    assert roster.person("erin@x") == "erin@x"  # in no entry: a person of their own
    assert roster.roles_of("cc@x") == frozenset({"sre"})  # held under another identity
    authors = approvals.Authors()
    authors.add("cc@x", "commit abc1234")
    assert roster.authored(authors, "github:carol") == "authored commit abc1234"
    assert roster.authored(authors, "dave@x") is None


def test_people_must_be_lists_of_identities(repo: GitProject) -> None:
    on_main(repo, {".slopolicy.yaml": POLICY.replace("  require:\n",
                                                     "  people:\n    carol: carol@acme.example\n"
                                                     "  require:\n")})
    run = repo.gate()
    assert run.code == 2
    assert "approvals.people.carol: expected array, got string 'carol@acme.example'" in run.err


# -- 8. committers, and signed commits ----------------------------------------------------

def test_the_committer_made_the_change_too(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.git("add", "-A", author="alice")
    repo.git("commit", "-q", "-m", "tighten", "--author", "Dev <dev@acme.example>",
             author="alice")  # alice commits, naming dev as the author
    approve_last(repo, "alice", "legal")
    repo.commit("approval", author="alice")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "alice@acme.example committed commit " in message
    assert "nobody approves their own change" in message
    assert "1 more legal approver (for modified; legal: bob@acme.example, dave@acme.example)" \
        in message
    merge_into_main(repo)
    assert "SLA/globex-public-api v2 tightened (2025-03-10)" in verify(repo)  # the audit agrees


def test_a_commit_message_cannot_forge_the_log_git_prints(repo: GitProject) -> None:
    """A subject holding the bytes that part fields and commits in git's output, and after
    them another author: the commit is still alice's, so she may not approve it."""
    parent = repo.git("rev-parse", "HEAD").strip()
    forged = "\x1f".join((parent, parent, "Bob", "bob@acme.example", "bob@acme.example",
                          CHANGE_DATE, CHANGE_DATE, "tighten"))
    repo.write("slas/globex.yaml", TIGHTENED)
    head = repo.commit("tighten\x1e" + forged, author="alice")
    approve_last(repo, "alice", "legal")
    repo.commit("approval", author="bob")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert f"alice@acme.example authored commit {head[:7]}, which changed it" in message
    merge_into_main(repo)
    assert "SLA/globex-public-api v2 tightened (2025-03-10): 1 more legal approver" in \
        verify(repo)


@pytest.mark.parametrize("stamp", ["1741608000 +9999", "99999999999999 +0000", "-5 +0000"])
def test_a_commit_dated_beyond_reading_is_named_not_a_crash(repo: GitProject,
                                                             stamp: str) -> None:
    """A commit object written by hand can carry any date; git prints what it can."""
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten", author="alice")
    raw = repo.git("cat-file", "commit", "HEAD")
    odd = "\n".join(line.rsplit(" ", 2)[0] + " " + stamp if line.startswith("committer ")
                    else line for line in raw.split("\n"))
    path = repo.root.parent / "commit"
    path.write_text(odd)
    sha = repo.git("hash-object", "-t", "commit", "-w", "--literally", str(path)).strip()
    repo.git("reset", "-q", "--hard", sha)
    run = repo.gate()
    assert run.code == 2, run.err
    assert run.err.startswith(f"slopolicy: error: commit {sha[:7]}: its committer date ")
    assert "cannot be read as a date" in run.err
    merge_into_main(repo)
    assert repo.run("audit").err == run.err


@pytest.mark.parametrize(("stamp", "shown"), [("@0 -1200", "1969-12-31T12:00:00-12:00"),
                                             ("@1 -0100", "1969-12-31T23:00:01-01:00")])
def test_a_commit_dated_at_the_epoch_west_of_utc_is_read(repo: GitProject, stamp: str,
                                                         shown: str) -> None:
    """A valid git date that git itself cannot print as a calendar date ("Timestamp before
    Unix epoch"): read as the date it is, by the gate and by the audit, never a crash."""
    from slopolicy.gitops.git import open_repo

    repo.write("slas/globex.yaml", TIGHTENED)
    head = repo.commit("tighten", author="alice", date=stamp)
    assert open_repo(repo.root).commit_date(head).isoformat() == shown
    run = repo.gate()
    assert run.code == 1, run.err
    assert messages(run, "sla-change-approval")
    merge_into_main(repo)
    audit = repo.run("audit")
    assert audit.code in (0, 1), audit.err
    assert "internal error" not in audit.err
    assert f"commit {head[:7]} is dated 1969-12-31" in audit.err


def test_a_head_commit_dated_before_the_base_does_not_date_the_change(repo: GitProject) -> None:
    """The head commit's date is typed: one dated in the past (before today, or before main's
    last commit), when the change can only land after both, would make terms that start in
    January look new rather than rewriting a period already past."""
    repo.write("slas/globex.yaml", TIGHTENED.replace(f"from: {days_hence(22)}", "from: 2025-01-01"))
    repo.commit("tighten", date="2024-12-01T12:00:00+00:00")
    approve(repo, "alice", "legal")
    repo.commit("approval", date="2024-12-01T12:00:00+00:00")
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert message.startswith(f"SLA/globex-public-api: the terms changed on {TODAY} but the "
                              "new version takes effect on 2025-01-01")
    repo.commit("approval", date=f"{days_hence(20)}T12:00:00+00:00")  # dated later: its own date
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert f"the terms changed on {days_hence(20)}" in message
    repo.git("checkout", "-q", "main")  # main's last commit, dated later still
    repo.write("NOTES.md", "notes\n")
    repo.commit("notes", date=f"{days_hence(40)}T12:00:00+00:00")
    repo.git("checkout", "-q", "change")
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert f"the terms changed on {days_hence(40)}" in message


def signed_policy(repo: GitProject, users: tuple[str, ...] = ("alice", "bob", "carol", "dave")
                  ) -> None:
    """main requires signed commits, and lets its approvers' keys sign for git too (an
    edit of the policy that sre approved, so the audit judges what follows by it)."""
    lines = "".join(repo.keys.signer_line(u).replace('namespaces="slopolicy"',
                                                     'namespaces="slopolicy,git"') for u in users)
    repo.write(".slopolicy.yaml", POLICY.replace("approvals:\n",
                                                 "approvals:\n  signedCommits: required\n"))
    repo.write(".slopolicy/allowed_signers", lines)
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    on_main(repo, {})


def commit_signed(repo: GitProject, key: str | None, message: str = "tighten",
                  author: str = "dev", amend: bool = False) -> str:
    """A commit signed with ``key``'s SSH key (None: unsigned)."""
    repo.git("add", "-A", author=author)
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={repo.keys.private(key)}"] \
        if key else []
    repo.git(*sign, "commit", "-q", *(["-S"] if key else []), *(["--amend", "--no-edit"] if amend
             else ["-m", message]), author=author)
    return repo.git("rev-parse", "HEAD").strip()


def test_signed_commits_required(repo: GitProject) -> None:
    signed_policy(repo)
    repo.write("slas/globex.yaml", TIGHTENED)
    unsigned = commit_signed(repo, None)
    approve(repo, "alice", "legal")  # uncommitted: only the commit that changed it is judged
    [message] = messages(repo.gate(), "sla-change-approval")
    assert (f"needs every commit signed (approvals.signedCommits: required), and commit "
            f"{unsigned[:7]} is not signed; to fix, sign commits with your SSH key (`git config "
            "gpg.format ssh`") in message
    assert 'with its line in main:.slopolicy/allowed_signers allowing namespaces="git"' in message
    stranger = commit_signed(repo, "mallory", amend=True)
    [message] = messages(repo.gate(), "sla-change-approval")
    assert (f"commit {stranger[:7]} has a signature that does not verify by "
            "main:.slopolicy/allowed_signers (its key is not in that file)") in message
    commit_signed(repo, "dave", amend=True)
    assert repo.gate().code == 0  # signed by dave, approved by alice


def test_the_signer_is_the_author_of_record(repo: GitProject) -> None:
    signed_policy(repo)
    repo.write("slas/globex.yaml", TIGHTENED)
    head = commit_signed(repo, "alice", author="dev")  # git says dev; alice's key signed it
    approve(repo, "alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert f"alice@acme.example signed commit {head[:7]}, which changed it" in message
    approve(repo, "bob", "legal")
    assert repo.gate().code == 0


def test_a_key_not_allowed_for_git_does_not_sign_commits(repo: GitProject) -> None:
    signed_policy(repo)
    repo.write(".slopolicy/allowed_signers", repo.keys.allowed_signers("alice", "bob", "carol",
                                                                          "dave"))
    repo.commit("approval keys only")  # a policy change: still judged by main's file
    repo.git("checkout", "-q", "main")
    repo.git("reset", "-q", "--hard", "change")  # now main's too
    repo.git("checkout", "-q", "change")
    repo.write("slas/globex.yaml", TIGHTENED)
    head = commit_signed(repo, "dave")
    approve(repo, "alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert (f"commit {head[:7]} has a signature that does not verify by main:.slopolicy/"
            "allowed_signers (its key's line there does not allow namespaces=\"git\"") in message


def test_the_audit_requires_signed_commits_as_the_gate_does(repo: GitProject) -> None:
    signed_policy(repo)
    repo.write("slas/globex.yaml", TIGHTENED)
    unsigned = commit_signed(repo, None, "tighten, unsigned")
    approve(repo, "alice", "legal")
    commit_signed(repo, "alice", "approval", author="alice")
    repo.write("slas/globex.yaml", sla(version=3, start=days_hence(22), target="99.99"))
    by_alice = commit_signed(repo, "alice", "tighten again", author="dev")
    assert repo.approve("alice", "legal").code == 0  # the last commit's change
    commit_signed(repo, "bob", "approval", author="bob")
    err = verify(repo)
    assert (f"  {unsigned[:7]} SLA/globex-public-api v2 tightened (2025-03-10): every commit "
            f"signed (approvals.signedCommits: required), and commit {unsigned[:7]} is not "
            "signed") in err
    assert f"  {by_alice[:7]} SLA/globex-public-api v3 tightened" in err
    data = repo.run("audit", "--format", "json").json
    [agreement] = data["agreements"]
    third = agreement["versions"][-1]
    assert third["commit"] == by_alice and third["compliant"] is False
    [alice] = third["approvals"]
    assert alice["reason"].startswith(f"alice@acme.example signed commit {by_alice[:7]}")


# -- 9. an approval authorises one change ------------------------------------------------

def test_a_removal_record_does_not_authorise_a_second_removal(repo: GitProject) -> None:
    (repo.root / "slas/globex.yaml").unlink()
    repo.commit("remove")
    approve(repo, "bob", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.commit("approval", author="bob")
    assert repo.gate().code == 0
    merge_into_main(repo)
    repo.write("slas/globex.yaml", sla())  # the same content back
    repo.commit("restore")
    approve_last(repo, "bob", "legal")
    repo.commit("approval", author="bob")
    assert repo.gate().code == 0
    merge_into_main(repo)
    (repo.root / "slas/globex.yaml").unlink()  # and removed again: the first record stays
    repo.commit("remove again")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "is deleted and lacks approval" in message
    assert ("it already authorised an earlier change (main held approvals/" in message
            and "a record authorises one change, so this one must be approved anew") in message
    err = verify(repo)  # the audit: the second removal only is unapproved
    assert err.count("SLA/globex-public-api") == 1 and "v1 removed" in err.splitlines()[-1]


def test_an_addition_record_does_not_authorise_a_second_addition(repo: GitProject) -> None:
    initech = sla().replace("globex-public-api", "initech-api").replace("customer: globex",
                                                                        "customer: initech")
    repo.write("slas/initech.yaml", initech)
    repo.commit("add")
    approve_last(repo, "bob", "legal", "slas/initech.yaml")
    repo.commit("approval", author="bob")
    merge_into_main(repo)
    (repo.root / "slas/initech.yaml").unlink()
    repo.commit("remove")
    approve(repo, "bob", "legal", "slas/initech.yaml", "--removed-from", "main")
    repo.commit("approval", author="bob")
    merge_into_main(repo)
    repo.write("slas/initech.yaml", initech)  # the same content again, the old record in place
    repo.commit("add again")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert message.startswith("SLA/initech-api is added back with the terms of the version "
                              "removed in ")  # as main held it before the removal
    assert "and lacks approval" in message
    assert "it already authorised an earlier change" in message
    err = verify(repo)
    assert "SLA/initech-api v1 added" in err.splitlines()[-1]
    assert err.count("SLA/initech-api") == 1  # the first addition and the removal were approved


def test_a_change_back_and_forth_needs_new_approvals(repo: GitProject) -> None:
    original = sla(version=1)
    tighter = sla(version=2, start=days_hence(22), target="99.95")
    for text, rule_out in ((tighter, None), (original, "A→B's record does not approve B→A")):
        repo.write("slas/globex.yaml", text)
        repo.commit("change")
        if rule_out:
            [message] = messages(repo.gate(), "sla-change-approval")
            assert "it approves sha256:" in message, rule_out
        approve_last(repo, "bob", "legal")
        approve_last(repo, "carol", "sre")  # undoing a tightening loosens
        repo.commit("approval", author="bob")
        # (going back to version 1 is sla-version-bump's problem, not this one)
        assert messages(repo.gate(), "sla-change-approval") == []
        merge_into_main(repo)
    repo.write("slas/globex.yaml", tighter)  # A→B again: its first record matches it exactly
    repo.commit("change again")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "it already authorised an earlier change" in message
    assert "tightened (2025-03-10)" in verify(repo).splitlines()[-1]


def test_an_old_record_of_the_same_content_does_not_approve_a_change_back(
        repo: GitProject) -> None:
    """A→B→A: the record that approved A when it was added does not approve B→A."""
    def initech(target: str, version: int) -> str:
        return sla(version=version, start=days_hence(22), target=target).replace(
            "globex-public-api", "initech-api").replace("customer: globex", "customer: initech")

    repo.write("slas/initech.yaml", initech("99.5", 1))
    repo.commit("add")
    approve_last(repo, "bob", "legal", "slas/initech.yaml")  # absent → A
    repo.commit("approval", author="bob")
    merge_into_main(repo)
    repo.write("slas/initech.yaml", initech("99.0", 2))
    repo.commit("loosen")
    approve_last(repo, "bob", "legal", "slas/initech.yaml")
    approve_last(repo, "carol", "sre", "slas/initech.yaml")
    repo.commit("approvals", author="bob")
    merge_into_main(repo)
    repo.write("slas/initech.yaml", initech("99.5", 1))  # A again (a tightening)
    repo.commit("back to 99.5")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "SLA/initech-api is tightened" in message
    assert "it approves the change from absent, but this change is from sha256:" in message
    approve_last(repo, "dave", "legal", "slas/initech.yaml")
    assert messages(repo.gate(), "sla-change-approval") == []


def test_a_record_copied_back_is_the_same_record(repo: GitProject) -> None:
    """The audit knows a record by what was signed, wherever it is put."""
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten")
    approve(repo, "bob", "legal")
    repo.commit("approval", author="bob")
    [record] = (repo.root / "approvals").iterdir()
    text = record.read_text()
    repo.write("slas/globex.yaml", sla())
    record.unlink()  # the record goes, with the change undone (approved anew)
    assert repo.approve("dave", "legal").code == 0  # the change from HEAD
    assert repo.approve("carol", "sre").code == 0  # (undoing a tightening loosens)
    repo.commit("undo")
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.write("approvals/copy.yaml", "# a copy\n" + text)
    last = repo.commit("tighten again, with the old record")
    err = verify(repo)
    assert err.splitlines()[1:] == [
        f"  {last[:7]} SLA/globex-public-api v2 tightened (2025-03-10): 1 more legal approver "
        "(for modified; legal: alice@acme.example, bob@acme.example, dave@acme.example)"]
    data = repo.run("audit", "--format", "json").json
    copy = [a for a in data["agreements"][0]["versions"][-1]["approvals"]
            if a["source"] == "approvals/copy.yaml"]
    assert copy[0]["reason"].startswith("it already authorised an earlier change")


def test_a_record_of_the_old_shape(repo: GitProject) -> None:
    """It names content, not a change: the gate does not count it, and says why; the audit
    counts it where the history shows it was made for the change it follows."""
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten")
    from slopolicy.load.files import load_text

    [doc] = load_text("slas/globex.yaml", TIGHTENED).documents
    digest = approvals.digest(doc.data)
    subject = approvals.Subject("SLA", doc.name, "", digest, 2, legacy=digest)
    stamp = "2025-03-10T13:00:00Z"
    statement = approvals.statement(subject, "bob@acme.example", "legal", "approved", stamp)
    signature = evidence.sign(statement, repo.keys.private("bob"))
    lines = [f"      {line}" for line in signature.strip().splitlines()]
    repo.write("approvals/old.yaml", "\n".join([
        "apiVersion: slopolicy/v1", "kind: Approval", "metadata: {name: old}", "spec:",
        "  subject:", "    kind: SLA", f"    name: {doc.name}", "    version: 2",
        f'    digest: "{digest}"', "  approver: bob@acme.example", "  role: legal",
        "  decision: approved", f'  timestamp: "{stamp}"', "  signature: |", *[
            ln[2:] for ln in lines]]) + "\n")
    repo.commit("old-shape approval", author="bob")
    run = repo.gate()
    [message] = messages(run, "sla-change-approval")
    assert ("approvals/old.yaml (signed, bob@acme.example): it is a record of the old shape, "
            "bound to content only (sha256:") in message
    assert "approve this change again (`slopolicy approve --base main ...`)" in message
    assert [p["rule"] for p in run.json["problems"]] == ["sla-change-approval"]  # schema-valid
    merge_into_main(repo)
    assert repo.run("audit", "--verify").code == 0


def test_approve_names_the_change(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten")
    run = repo.approve("alice", "legal")  # by default: the document's last change
    assert run.code == 0, run.err
    [path] = (repo.root / "approvals").iterdir()
    text = path.read_text()
    from slopolicy.load.files import load_text

    [before] = load_text("a.yaml", sla()).documents
    [after] = load_text("b.yaml", TIGHTENED).documents
    assert f'    before: "{approvals.digest(before.data)}"\n' in text
    assert f'    after: "{approvals.digest(after.data)}"\n' in text
    assert "digest:" not in text
    head = repo.git("rev-parse", "HEAD~1").strip()[:7]
    assert f"the change since {head})" in run.out
    assert repo.gate().code == 0
    path.unlink()
    repo.write("slas/globex.yaml", TIGHTENED.replace("500ms", "400ms"))
    repo.commit("and latency")
    assert repo.approve("alice", "legal").code == 0  # the last commit's change: not the gate's
    [message] = messages(repo.gate(), "sla-change-approval")
    assert ("it was made for another change, so this one must be approved again (`slopolicy "
            "approve --base main ...`)") in message
    for record in (repo.root / "approvals").iterdir():
        record.unlink()
    approve(repo, "alice", "legal")  # with --base main: the change the gate judges
    assert repo.gate().code == 0
    unchanged = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "HEAD")
    assert unchanged.code == 2
    assert "SLA/globex-public-api did not change since" in unchanged.err


def test_approve_says_an_agreement_without_a_name_cannot_be_approved(repo: GitProject) -> None:
    """It said "SLA/? did not change since ...", which sends the approver looking for a
    change that is there."""
    repo.write("slas/nameless.yaml", "apiVersion: slopolicy/v1\nkind: SLA\nspec: {}\n")
    repo.commit("a nameless agreement")
    run = repo.approve("alice", "legal", "slas/nameless.yaml", "--base", "HEAD~1")
    assert run.code == 2
    assert run.err.startswith("slopolicy: error: slas/nameless.yaml:1:1: SLA/? has no "
                              "metadata.name, so no change of it can be approved"), run.err


def test_a_signature_copied_beside_its_record_signs_nothing_else(repo: GitProject) -> None:
    """One file, two records, one signature: the copy names another approver and role."""
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit("loosen", author="mallory")
    approve(repo, "alice", "legal")
    [path] = (repo.root / "approvals").iterdir()
    genuine = path.read_text()
    forged = genuine.replace('approver: "alice@acme.example"', 'approver: "carol@acme.example"')
    forged = forged.replace('role: "legal"', 'role: "sre"').replace("metadata:\n  name: ",
                                                                  "metadata:\n  name: x-")
    assert forged != genuine
    path.write_text(genuine + "---\n" + forged)
    repo.commit("approvals", author="mallory")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "1 more sre approver (for loosened" in message
    assert "its signature does not verify for carol@acme.example" in message
    merge_into_main(repo)
    assert "SLA/globex-public-api v2 loosened (2025-03-10): 1 more sre approver" in verify(repo)


# -- 10. renaming an agreement ---------------------------------------------------------------

def test_a_renamed_agreement_is_judged_as_its_edit(repo: GitProject) -> None:
    renamed = LOOSENED.replace("name: globex-public-api", "name: globex-api")
    repo.write("slas/globex.yaml", renamed)
    repo.commit("rename and loosen")
    approve(repo, "alice", "legal")
    run = repo.gate()
    [change] = [d for d in run.json["changes"]["documents"] if d["document"].startswith("SLA/")]
    assert (change["document"], change["status"], change["renamedFrom"]) == (
        "SLA/globex-api", "loosened", "globex-public-api")
    assert change["classes"] == ["loosened", "modified"]
    [message] = messages(run, "sla-change-approval")
    assert message.startswith("SLA/globex-api is loosened (spec.objectives[availability]."
                              "targetPercent 99.9 → 99.5")
    assert "renamed from globex-public-api) and lacks approval" in message
    assert "1 more sre approver (for loosened" in message
    approve(repo, "carol", "sre")
    assert repo.gate().code == 0


def test_a_rename_to_another_file_for_the_same_customer_and_service(repo: GitProject) -> None:
    (repo.root / "slas/globex.yaml").unlink()
    repo.write("agreements/globex-2025.yaml",
               LOOSENED.replace("name: globex-public-api", "name: globex-2025"))
    repo.commit("new file, new name, lower target")
    run = repo.gate()
    [change] = run.json["changes"]["documents"]
    assert (change["document"], change["status"], change["previousFile"]) == (
        "SLA/globex-2025", "loosened", "slas/globex.yaml")
    merge_into_main(repo)  # the audit follows it under its new name
    err = verify(repo)
    assert "SLA/globex-2025 v2 loosened (2025-03-10): 1 more legal approver" in err
    assert "1 more sre approver (for loosened" in err


def test_a_rename_alone_needs_the_approvals_of_a_modification(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla().replace("name: globex-public-api", "name: globex-api"))
    repo.commit("rename")
    run = repo.gate()
    assert [p["rule"] for p in run.json["problems"]] == ["sla-change-approval"]  # no version bump
    [message] = messages(run, "sla-change-approval")
    assert message.startswith("SLA/globex-api is renamed from globex-public-api and lacks "
                              "approval: it needs 1 more legal approver (for modified")
    approve(repo, "alice", "legal")
    assert repo.gate().code == 0


# -- 15. a changed SLI changes every SLO that references it -------------------------------

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: public-api-ok
spec:
  ratioMetric:
    counter: true
    good: {{metricSource: {{type: Prometheus, spec: {{query: '{good}'}}}}}}
    total: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(requests)'}}}}}}
"""
SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: public-api-availability
spec:
  service: public-api
  indicatorRef: public-api-ok
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: 0.9995
"""


def test_an_sli_change_is_a_change_of_the_slos_that_reference_it(repo: GitProject) -> None:
    on_main(repo, {"slos/sli.yaml": SLI.format(good="sum(requests{code!~\"5..\"})"),
                   "slos/slo.yaml": SLO})
    repo.write("slos/sli.yaml", SLI.format(good="sum(requests)"))  # good is now total
    repo.commit("simplify the SLI")
    run = repo.gate()
    [warning] = [p for p in run.json["problems"] if p["rule"] == "slo-loosened"]
    assert (warning["file"], warning["severity"], warning["path"]) == (
        "slos/slo.yaml", "warning", "spec.indicatorRef")
    assert warning["message"] == (
        "SLO/public-api-availability: its indicator SLI/public-api-ok (slos/sli.yaml) changed "
        "(spec.ratioMetric.good.metricSource.spec.query sum(requests{code!~\"5..\"}) → "
        "sum(requests)), so the SLO now measures something else; slopolicy cannot judge whether "
        "that loosens it (a query's meaning is beyond it): check that it still measures what "
        "the SLAs it backs promise")
    changed = {d["document"]: d for d in run.json["changes"]["documents"]}
    slo = changed["SLO/public-api-availability"]
    assert (slo["status"], slo["indicator"]["document"]) == ("modified", "SLI/public-api-ok")
    assert changed["SLI/public-api-ok"]["status"] == "modified"


def test_an_inline_indicator_change_is_shown_too(repo: GitProject) -> None:
    inline = SLO.replace("  indicatorRef: public-api-ok\n", "  indicator:\n" + "\n".join(
        "    " + line for line in SLI.format(good="good").splitlines()[2:]) + "\n")
    on_main(repo, {"slos/slo.yaml": inline})
    repo.write("slos/slo.yaml", inline.replace("query: 'good'", "query: 'sum(requests)'"))
    repo.commit("inline change")
    [message] = [p["message"] for p in repo.gate().json["problems"]
                 if p["rule"] == "slo-loosened"]
    assert message.startswith("SLO/public-api-availability: its indicator changed (spec.indicator."
                              "spec.ratioMetric.good.metricSource.spec.query good → sum(requests))")


# -- 16. a wildcard in the allowed signers -----------------------------------------------

def test_a_wildcard_signer_is_named(repo: GitProject) -> None:
    mallory = repo.keys.signer_line("mallory", identity="*@acme.example")
    on_main(repo, {".slopolicy/allowed_signers":
                   repo.keys.allowed_signers("alice", "bob") + mallory})
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten")
    signed = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main", key="mallory")
    assert signed.code == 0, signed.err
    run = repo.gate()
    assert run.code == 0  # mallory's key signs as alice: the wildcard lets it
    [warning] = [p for p in run.json["problems"] if p["rule"] == "wildcard-signer"]
    assert (warning["file"], warning["line"], warning["severity"]) == (
        ".slopolicy/allowed_signers", 3, "warning")
    assert warning["message"].startswith(
        "main:.slopolicy/allowed_signers:3: the principal '*@acme.example' is a wildcard: it "
        "lets one key sign approvals (and commits) as every identity it matches")


def test_a_wildcard_added_by_the_change_is_named_too(repo: GitProject) -> None:
    with (repo.root / ".slopolicy/allowed_signers").open("a") as f:
        f.write(repo.keys.signer_line("mallory", identity='"dev?@acme.example"'))
    repo.commit("a signer for the developers")
    run = repo.gate()
    [warning] = [p for p in run.json["problems"] if p["rule"] == "wildcard-signer"]
    assert warning["line"] == 5
    assert "'dev?@acme.example' is a wildcard: it would let one key" in warning["message"]
    assert {p["rule"] for p in run.json["problems"]} == {"wildcard-signer", "policy-changed"}


@pytest.mark.parametrize(("line", "found"), [
    ('alice@acme.example ssh-ed25519 AAAA', []),
    ('*@acme.example ssh-ed25519 AAAA', [(1, "*@acme.example")]),
    ('alice@acme.example,b?b@acme.example namespaces="git" ssh-ed25519 AAAA',
     [(1, "alice@acme.example,b?b@acme.example")]),
    ('"* x" ssh-ed25519 AAAA', [(1, "* x")]),
    ('# *@acme.example ssh-ed25519 AAAA', []),
])
def test_wildcards_in_allowed_signers_lines(line: str, found: list[tuple[int, str]]) -> None:
    from slopolicy.rules.wildcard_signer import wildcards

    assert wildcards(line.encode()) == found


# -- the threat model: the gate's CI recipe ---------------------------------------------

def test_the_gate_recipe_runs_from_the_base_and_reads_the_head_as_data() -> None:
    """The README's threat model, as examples/ci/github-actions-gate.yml does it."""
    from conftest import REPO
    from ruamel.yaml import YAML

    text = (REPO / "examples/ci/github-actions-gate.yml").read_text()
    workflow = YAML(typ="safe").load(text)
    assert list(workflow["on"]) == ["pull_request_target"]
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    [checkout] = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout")]
    assert "ref" not in checkout["with"] and checkout["with"]["fetch-depth"] == 0
    runs = " ".join(str(s.get("run", "")) for s in steps)
    assert "pip install slopolicy==" in runs and "pip install ." not in runs
    assert 'slopolicy check --base "origin/$BASE_REF" --head "$HEAD_SHA"' in runs
    assert "--cache-dir \"$RUNNER_TEMP/" in runs
    assert not any("cache" in str(s.get("uses", "")) for s in steps)
    readme = (REPO / "README.md").read_text()
    model = readme[readme.index("## Threat model"):readme.index("## Audit: `slopolicy audit`")]
    for words in ("pull_request_target", "cannot know", "signedCommits: required",
                  "github-actions-gate.yml", "--cache-dir"):
        assert words in model, words
