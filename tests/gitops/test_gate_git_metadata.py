"""The gate, approve and the audit against what a pull request, git metadata or a file
name can carry: replacement objects and grafts, criss-cross merge bases, a ref that shadows
the base, backdated commits, file names with line breaks or bytes that are not UTF-8, links
where approve writes, a namesake of the approved document, records replayed from the base
branch, drafts moved into place, one key signing as several people, mailmaps, and a
repository git refuses.

Every test runs on a real repository (``repo``: main holds the README's approvals
policy and one SLA, branch ``change`` is checked out), with real commits and real
``ssh-keygen`` keys and signatures.
"""
from __future__ import annotations

from typing import Any

import pytest
from conftest import git
from gitrepos import GitProject, days_hence, sla

TIGHTENED = sla(version=2, start=days_hence(22), target="99.95")


def messages(run: Any, rule: str) -> list[str]:
    return [p["message"] for p in run.json["problems"] if p["rule"] == rule]


def blob(repo: GitProject, text: str) -> str:
    path = repo.root.parent / "object.txt"
    path.write_text(text, encoding="utf-8")
    return repo.git("hash-object", "-w", str(path)).strip()


# -- replacement objects and grafts: git's view of other objects -------------------------

def test_a_replacement_object_does_not_change_the_bases_allowed_signers(
        repo: GitProject) -> None:
    # refs/replace/* travel with a mirror clone or a fetch of every ref: one replacing the
    # base's allowed signers blob would let mallory's key sign as alice
    signers = repo.git("rev-parse", "main:.slopolicy/allowed_signers").strip()
    forged = blob(repo, repo.keys.signer_line("mallory", "alice@acme.example")
                  + repo.keys.allowed_signers("bob", "carol", "dave"))
    repo.git("replace", signers, forged)
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten", author="bob")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main",
                        key="mallory").code == 0
    repo.commit("approval", author="bob")
    run = repo.gate("--head", "HEAD")  # as the CI recipe runs it
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "its signature does not verify for alice@acme.example" in message


@pytest.mark.parametrize("how", ["replace", "grafts"])
def test_a_rewritten_parent_does_not_hide_who_made_the_change(repo: GitProject,
                                                                how: str) -> None:
    base = repo.git("rev-parse", "main").strip()
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten", author="alice")  # alice made the change ...
    repo.write("slas/globex.yaml", TIGHTENED.replace("owner: accounts@", "owner: sla@"))
    last = repo.commit("reword", author="bob")
    if how == "replace":  # ... and a replacement makes bob's commit the branch's first
        repo.git("replace", "--graft", last, base)
    else:
        (repo.root / ".git/info/grafts").write_text(f"{last} {base}\n")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approval", author="bob")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "alice@acme.example authored commit " in message
    # the audit of the landed history reads the same commits
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "change", "-m", "land")
    audit = repo.run("audit", "--verify")
    assert audit.code == 1, audit.err
    assert "SLA/globex-public-api v2 tightened" in audit.err


# -- a criss-cross history: two merge bases ----------------------------------------------

def criss_cross(repo: GitProject) -> str:
    """main was loosened (Z) and tightened back (X); a branch from Z (Y) landed after X. A
    change that merges X into Y keeping Z's terms has two merge bases with main, X and Y:
    against Y it changes nothing, yet merged into main it brings Z's looser terms back."""
    day = "2025-03-0{}T12:00:00+00:00".format
    loose = sla(version=2, target="99.5")
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", loose)
    repo.commit("Z: loosen", date=day(2))
    repo.git("branch", "side")
    repo.write("slas/globex.yaml", sla(version=3))
    x = repo.commit("X: tighten back", date=day(3))
    repo.git("checkout", "-q", "side")
    repo.write("README.md", "notes\n")
    repo.commit("Y: notes", date=day(4))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "side", "-m", "land side", date=day(5))
    repo.git("checkout", "-q", "-B", "change", "side")
    repo.git("merge", "-q", "--no-ff", "--no-commit", x, date=day(6))
    repo.write("slas/globex.yaml", loose)
    return repo.commit("H: merge X, keep Z's terms", date=day(6))


def test_a_change_with_two_merge_bases_is_refused_not_passed(repo: GitProject) -> None:
    head = criss_cross(repo)
    bases = repo.git("merge-base", "--all", "main", head).split()
    assert len(bases) == 2
    run = repo.gate("--head", "HEAD")
    assert run.code == 2, run.out
    assert "two or more merge bases" in run.err and "git merge main" in run.err
    signing = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main")
    assert signing.code == 2 and "two or more merge bases" in signing.err
    # what the refusal protects: the merge brings the looser terms into main
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "change")
    assert "targetPercent: 99.5" in (repo.root / "slas/globex.yaml").read_text()
    # merging the base into the branch leaves one merge base: the change is then judged
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--no-edit", "main")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1 and "sla-change-approval" in repo.rules(run), run.out


# -- the audit: a commit dated before the history it follows -----------------------------

def test_a_backdated_commit_does_not_hide_a_retroactive_change_from_the_audit(
        repo: GitProject) -> None:
    repo.write("NOTES.md", "august\n")
    repo.commit("notes", date="2025-08-01T12:00:00+00:00")
    # made after August 1st (it follows that commit), dated June 15th: its terms from July 1st
    # would look like notice given, not a rewrite of July
    repo.write("slas/globex.yaml", sla(version=2, start="2025-07-01", target="99.5"))
    backdated = repo.commit("loosen", date="2025-06-15T12:00:00+00:00")
    data = repo.run("audit", "--format", "json").json
    [agreement] = data["agreements"]
    version = agreement["versions"][-1]
    assert version["commit"] == backdated
    assert version["retroactive"] is True
    # nor does it make the repository say on June 30th what it only said after August 1st
    known = repo.run("audit", "--as-of", "2025-07-15", "--known-at", "2025-06-30",
                     "--format", "json").json
    [answer] = known["agreements"]
    assert answer["version"] == 1, answer


# -- file names that begin or end with a line break ----------------------------------------

@pytest.mark.parametrize("name", ["\nglobex-eu.yaml", "slas/globex-eu.yaml\n"],
                         ids=["leading", "trailing"])
def test_a_line_break_at_either_end_of_a_file_name_does_not_hide_its_author(
        repo: GitProject, name: str) -> None:
    repo.write(name, sla().replace("globex-public-api", "initech-api").replace(
        "customer: globex", "customer: initech"))
    repo.commit("a new agreement", author="alice")
    assert repo.approve("alice", "legal", str(repo.root / name), "--base", "main").code == 0
    repo.commit("approval", author="bob")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "alice@acme.example authored commit " in message


# -- approve writes where the gate reads, nowhere else ---------------------------------------

@pytest.mark.parametrize("how", ["record-link", "folder-link", "folder-outside"])
def test_approve_never_writes_outside_the_repository(repo: GitProject, how: str) -> None:
    """The approver runs ``slopolicy approve`` on the pull request's checkout: a link the
    pull request put where the record goes, or a records folder its configuration moved
    out of the repository, must not make it overwrite a file of the approver's."""
    victim = repo.root.parent / "victim"
    victim.mkdir()
    (victim / "precious").write_text("keep me\n")
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten", author="bob")
    first = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main")
    assert first.code == 0, first.err
    [record] = (repo.root / "approvals").iterdir()  # its name is known before it is signed
    record.unlink()
    if how == "record-link":
        record.symlink_to(victim / "precious")
    elif how == "folder-link":
        record.parent.rmdir()
        record.parent.symlink_to(victim)
    else:
        repo.write(".slopolicy.yaml", (repo.root / ".slopolicy.yaml").read_text().replace(
            "records: approvals/", "records: ../victim"))
    repo.commit("the pull request's trap", author="mallory")
    run = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main")
    assert run.code == 2, run.err
    assert "no check reads" in run.err
    assert sorted(p.name for p in victim.iterdir()) == ["precious"]
    assert (victim / "precious").read_text() == "keep me\n"


@pytest.mark.parametrize(("records", "said"), [
    (".git/hooks/", "names the folder .git, which git keeps for itself"),
    ("approvals/../.git/", "names the folder .git, which git keeps for itself"),
    (".GIT/hooks", "names the folder .GIT, which git keeps for itself"),
    ("linked/", "names the folder .git, which git keeps for itself"),  # the link resolved
    ("vendor/", "is inside vendor, a repository of its own (a submodule)"),
    ("ignored/", "is ignored by git (.gitignore:1:ignored/)"),
], ids=["dot-git-hooks", "dot-dot-dot-git", "case", "link-to-dot-git", "nested", "ignored"])
def test_approve_never_writes_where_git_never_commits(repo: GitProject, records: str,
                                                      said: str) -> None:
    """A records folder the pull request's configuration points into git's own folder (the
    hooks git runs), into a repository of its own, or where git ignores what is written:
    no commit could ever hold the record, so no check reads it; exit 2, nothing written."""
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.write(".gitignore", "ignored/\n")
    (repo.root / "linked").symlink_to(".git")
    repo.write(".slopolicy.yaml", (repo.root / ".slopolicy.yaml").read_text().replace(
        "records: approvals/", f"records: {records}"))
    repo.commit("tighten; records elsewhere", author="mallory")
    (repo.root / "vendor").mkdir()
    git(repo.root / "vendor", "init", "-q")  # as a submodule's checkout holds one
    before = {p for p in repo.root.rglob("*")}
    run = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main")
    assert run.code == 2, run.err
    assert said in run.err and "no check reads it" in run.err and "nothing was written" in run.err
    assert {p for p in repo.root.rglob("*")} == before
    assert not [p for p in (repo.root / ".git" / "hooks").iterdir()
                if not p.name.endswith(".sample")]


# -- a base ref that names two things ---------------------------------------------------------

LAX = "extends: default\nrules:\n  sla-backed-by-slo: \"off\"\n"


@pytest.mark.parametrize("shadow", ["tag", "branch", "tag-of-a-tree"])
def test_a_ref_that_shadows_the_base_is_refused(repo: GitProject, shadow: str) -> None:
    """git resolves a name as refs/NAME, then a tag, then a branch, then a remote-tracking
    branch: a tag ``origin/main`` (which a clone of every tag brings along, and which
    anyone allowed to push a tag can make) would take the place of the base branch, and
    with it the policy that judges."""
    repo.git("update-ref", "refs/remotes/origin/main", "main")
    repo.write(".slopolicy.yaml", LAX)  # a commit of the pull request's, without approvals
    lax = repo.commit("no approvals needed", author="mallory")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(52), target="99.5"))
    repo.commit("loosen", author="mallory")
    if shadow == "tag-of-a-tree":  # peels to no commit: named, not an internal error
        repo.git("tag", "origin/main", f"{lax}^{{tree}}")
    else:
        repo.git(*(("tag",) if shadow == "tag" else ("branch",)), "origin/main", lax)
    run = repo.check("--base", "origin/main", "--head", "HEAD")
    assert run.code == 2, run.out
    assert "base ref 'origin/main' names two commits" in run.err
    assert "refs/remotes/origin/main" in run.err
    assert repo.check("--base", "refs/remotes/origin/main", "--head", "HEAD").code == 1


# -- a repository git refuses to read ---------------------------------------------------------

@pytest.mark.parametrize("refusal", ["owner", "format"])
@pytest.mark.parametrize("command", [("audit",), ("check", "--base", "main"), ("diff", "main")])
def test_a_repository_git_refuses_is_named_with_the_fix_not_a_crash(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch, refusal: str,
        command: tuple[str, ...]) -> None:
    """A checkout owned by another user (a CI container running as root on the runner's
    checkout), or a repository format git does not know: git refuses, and slopolicy says
    what git said (its hint names the fix), exit 2."""
    if refusal == "owner":
        monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")  # git's own switch for it
    else:
        repo.git("config", "core.repositoryformatversion", "99")
    run = repo.run(*command)
    assert run.code == 2, run.err
    assert "git cannot read this repository: " in run.err
    assert ("detected dubious ownership" in run.err and "safe.directory" in run.err
            if refusal == "owner" else "Expected git repo version <= 1, found 99" in run.err)


# -- an agreement written elsewhere and moved into place ---------------------------------------

def eu_agreement() -> str:
    return sla().replace("globex-public-api", "initech-api").replace("customer: globex",
                                                                      "customer: initech")


@pytest.mark.parametrize("how", ["rename", "rename-twice"])
def test_who_wrote_an_agreement_moved_into_place_made_the_change(repo: GitProject,
                                                                  how: str) -> None:
    """alice drafts the agreement outside the documents' globs; bob moves it into place
    (git sees a rename): alice wrote it, so her approval is her own change's."""
    repo.write("drafts/initech.txt", eu_agreement())
    draft = repo.commit("draft", author="alice")
    if how == "rename-twice":
        repo.git("mv", "drafts/initech.txt", "drafts/initech-v2.txt")
        repo.commit("file the draft", author="carol")
        repo.git("mv", "drafts/initech-v2.txt", "slas/initech.yaml")
    else:
        repo.git("mv", "drafts/initech.txt", "slas/initech.yaml")
    repo.commit("into place", author="bob")
    assert repo.approve("alice", "legal", "slas/initech.yaml", "--base", "main").code == 0
    repo.commit("approval", author="bob")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert f"alice@acme.example authored commit {draft[:7]}, which changed it" in message
    assert repo.approve("dave", "legal", "slas/initech.yaml", "--base", "main").code == 0
    repo.commit("dave's approval", author="bob")
    assert repo.gate("--head", "HEAD").code == 0


# -- approve signs the document in the file it is given ---------------------------------------

def test_approve_signs_the_change_of_the_file_named_not_a_namesake(repo: GitProject) -> None:
    """Under a policy where duplicate names only warn, a pull request puts a loosened copy of
    the agreement in a file scanned first and tightens the real one: the approver who names
    the real file signs its change, never the copy's."""
    from gitrepos import POLICY

    from slopolicy.changes import approvals
    from slopolicy.load.files import load_bytes

    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", POLICY + "  duplicate-name: warning\n")
    repo.commit("duplicate names warn", date="2025-03-01T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change")
    repo.write("slas/a-copy.yaml", sla(version=2, start=days_hence(52), target="99.5").replace(
        "customer: globex", "customer: Globex"))
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit("tighten", author="bob")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    [record] = (repo.root / "approvals").iterdir()
    [signed] = load_bytes(record.name, record.read_bytes()).documents
    [named] = load_bytes("slas/globex.yaml", TIGHTENED.encode()).documents
    assert signed.spec["subject"]["after"] == approvals.digest(named.data)
    repo.commit("approval", author="bob")
    [message] = messages(repo.gate("--head", "HEAD"), "sla-change-approval")
    assert "slas/a-copy.yaml" in message  # the copy's loosening stays unapproved


# -- a record the base branch already holds ------------------------------------------------

def test_a_record_the_base_gained_after_the_branch_point_authorised_an_earlier_change(
        repo: GitProject) -> None:
    """The change A→B landed with alice's record and was taken back on main since; a
    branch cut before it all makes A→B again with a copy of that record. The merge base
    never held the record, yet main does: merged, the branch would bring B back."""
    point = repo.git("rev-parse", "HEAD").strip()
    repo.write("slas/globex.yaml", TIGHTENED)
    tighten = repo.commit("tighten", author="bob")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approval", author="bob")
    assert repo.gate().code == 0
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("revert", "--no-edit", tighten, author="carol")  # taken back, the record stays
    [record] = (repo.root / "approvals").iterdir()
    copied = record.read_text()
    repo.git("checkout", "-q", "-b", "replay", point)
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.write(f"approvals/{record.name}", copied)
    repo.commit("tighten again, with the old record", author="bob",
                date="2025-03-12T12:00:00+00:00")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "it already authorised an earlier change (main holds approvals/" in message
    # what the gate stops: merged, the branch brings B back
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "replay")
    assert (repo.root / "slas/globex.yaml").read_text() == TIGHTENED


# -- one key is one approver ------------------------------------------------------------------

@pytest.mark.parametrize("line", ["alice@acme.example,carol@acme.example", "*@acme.example"],
                         ids=["two-principals", "wildcard"])
def test_one_key_fills_one_slot_whatever_identities_it_may_sign_as(repo: GitProject,
                                                                    line: str) -> None:
    """A loosening needs a legal and an sre approver, two people. A key the allowed signers
    let sign as both alice (legal) and carol (sre) is one key holder, however the roster
    names them: its two records are one approver, and so are the identities it signed as."""
    from test_gate_adversary import on_main

    on_main(repo, {".slopolicy/allowed_signers": repo.keys.signer_line("alice", line)
                   + repo.keys.allowed_signers("bob", "carol", "dave")})
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(52), target="99.5"))
    repo.commit("loosen", author="bob")
    for identity, role in (("alice@acme.example", "legal"), ("carol@acme.example", "sre")):
        signed = repo.approve("alice", role, "slas/globex.yaml", "--base", "main",
                              identity=identity)
        assert signed.code == 0, signed.err
    repo.commit("approvals", author="bob")
    run = repo.gate("--head", "HEAD")
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "1 more sre approver" in message or "1 more legal approver" in message
    assert repo.approve("dave", "sre", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("dave's approval", author="bob")
    assert repo.gate("--head", "HEAD").code == 0


# -- a file name that is not UTF-8 ----------------------------------------------------------

def test_a_file_name_that_is_not_utf8_keeps_its_author_in_the_audit(repo: GitProject) -> None:
    """git names files in bytes: an agreement at a name that is not UTF-8, landed by a merge,
    is still its writer's change, in the audit as in the gate."""
    name = "slas/initech-\udcff.yaml"  # the byte 0xff, as Python names it
    repo.write(name, eu_agreement())
    repo.commit("a new agreement", author="alice")
    assert repo.approve("alice", "legal", str(repo.root / name), "--base", "main").code == 0
    repo.commit("approval", author="bob")
    run = repo.run("check", "--base", "main", "--head", "HEAD")  # text: names shown escaped
    assert run.code == 1, run.err
    assert "alice@acme.example authored commit " in run.out
    [message] = messages(repo.gate("--head", "HEAD"), "sla-change-approval")  # JSON too
    assert "alice@acme.example authored commit " in message
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "change", "-m", "land")
    audit = repo.run("audit", "--verify")
    assert audit.code == 1, audit.err
    assert "SLA/initech-api v1 added" in audit.err
    [agreement] = [a for a in repo.run("audit", "--format", "json").json["agreements"]
                   if a["document"] == "SLA/initech-api"]
    assert agreement["file"] == name  # the escape reads back as the name git holds


# -- a mailmap the pull request adds --------------------------------------------------------

def test_a_mailmap_does_not_rename_who_made_the_change(repo: GitProject) -> None:
    """``.mailmap`` (and log.mailmap, on by default in newer git) rewrites names in git's
    own log formats: the gate reads the addresses the commits hold."""
    repo.git("config", "log.mailmap", "true")
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.write(".mailmap", "Nobody <nobody@acme.example> <alice@acme.example>\n")
    repo.commit("tighten", author="alice")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approval", author="bob")
    [message] = messages(repo.gate("--head", "HEAD"), "sla-change-approval")
    assert "alice@acme.example authored commit " in message
