"""The gate against an adversary who picks paths: where the policy lives, merges, pathspec
magic, symbolic links, submodules, and the audit's date ranges.

Every test builds a real repository with real commits and real signatures
(``repo`` in conftest.py: the approvals roster of tests/gitops.py, where a
loosening needs one legal and one sre approval) and runs ``slopolicy``
in-process.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Run, git
from gitrepos import GitProject, days_hence, sla

TIGHTENED = sla(version=2, start=days_hence(22), target="99.95")
LOOSENED = sla(version=2, start=days_hence(52), target="99.5")
# A team's own configuration that asks for nothing: it must not replace the base's policy.
LAX = "extends: default\nrules:\n  sla-backed-by-slo: \"off\"\n"


def messages(run: Run, rule: str) -> list[str]:
    return [p["message"] for p in run.json["problems"] if p["rule"] == rule]


def run_in(repo: GitProject, folder: str, *args: str) -> Run:
    """``slopolicy check --format json ARGS`` run from ``folder`` of the repository."""
    root = repo.root
    repo.root = root / folder
    try:
        return repo.check(*args)
    finally:
        repo.root = root


# -- the base says where the policy is ----------------------------------------------------

@pytest.mark.parametrize("where", ["named", "cwd", "head"])
def test_a_config_added_in_a_subfolder_does_not_replace_the_base_policy(
        repo: GitProject, where: str) -> None:
    repo.write("slas/.slopolicy.yaml", LAX)
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit()
    run = {"named": lambda: repo.gate("slas/"),
           "cwd": lambda: run_in(repo, "slas", "--base", "main"),
           "head": lambda: repo.gate("--head", "HEAD", "slas/")}[where]()
    assert run.code == 1, run.out
    assert repo.rules(run) == ["policy-changed", "sla-change-approval"]
    [approval] = messages(run, "sla-change-approval")
    assert "1 more legal approver" in approval and "1 more sre approver" in approval
    [policy] = messages(run, "policy-changed")
    assert policy.startswith("the policy changed (slas/.slopolicy.yaml added); this check used "
                             "main's policy")
    assert ("this change edits the policy (slas/.slopolicy.yaml); it was judged by main's "
            "policy (main:.slopolicy.yaml)") in run.err


def test_a_config_file_edited_anywhere_is_a_policy_change(repo: GitProject) -> None:
    repo.write("tools/.slopolicy.yaml", LAX)
    repo.write(".gitignore", "build/\n")
    repo.write("build/.slopolicy.yaml", LAX)  # ignored: no commit can hold it
    repo.commit()
    run = repo.gate()
    assert repo.rules(run) == ["policy-changed"]
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    assert repo.gate().code == 0
    # the approval binds to every configuration file: a later edit of the team's voids it
    repo.write("tools/.slopolicy.yaml", LAX.replace('"off"', "warning"))
    run = repo.gate()
    assert repo.rules(run) == ["policy-changed"]
    [message] = messages(run, "policy-changed")
    assert message.startswith("the policy changed (tools/.slopolicy.yaml added)")
    assert "build/" not in message
    assert "the policy changed after approval, so it must be approved again" in message


def test_the_audit_judges_a_configuration_added_anywhere_as_a_policy_change(
        repo: GitProject) -> None:
    repo.write("tools/.slopolicy.yaml", LAX)
    added = repo.commit("a team's own policy")
    run = repo.run("audit", "--verify")
    assert run.code == 1, run.err
    assert (f"  {added[:7]} policy .slopolicy.yaml (2025-03-10): 1 more sre approver "
            "(for policy;") in run.err


def test_a_subfolder_configuration_of_the_base_judges_from_there(repo: GitProject) -> None:
    """Where the base has a configuration in the subfolder, that one is the policy."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/.slopolicy.yaml", LAX)
    repo.commit("the team's own policy", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--ff-only", "main")
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit()
    run = repo.gate("slas/")
    assert (run.code, repo.rules(run)) == (0, []), run.out
    assert run.err == ""


# -- an edit made in a merge has an author -----------------------------------------------

def evil_merge(repo: GitProject, conflict: bool) -> str:
    """alice merges a side branch into the change and writes the SLA's new terms in the merge."""
    repo.git("checkout", "-q", "-b", "side", "main")
    if conflict:
        repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.91"))
    else:
        repo.write("README.md", "side work\n")
    repo.commit("side work")
    repo.git("checkout", "-q", "change")
    repo.write("slas/globex.yaml" if conflict else "NOTES.md",
               sla(version=2, start=days_hence(22), target="99.92") if conflict else "notes\n")
    repo.commit("work")
    try:
        repo.git("merge", "-q", "--no-ff", "--no-commit", "side", author="alice")
    except subprocess.CalledProcessError:  # the conflict is the point: alice resolves it
        assert conflict
    repo.write("slas/globex.yaml", TIGHTENED)
    return repo.commit("merge side", author="alice")


@pytest.mark.parametrize("conflict", [False, True], ids=["evil-merge", "conflict-resolution"])
def test_an_edit_made_in_a_merge_is_its_authors(repo: GitProject, conflict: bool) -> None:
    merge = evil_merge(repo, conflict)
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approval", author="alice")
    run = repo.gate()
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert f"alice@acme.example authored commit {merge[:7]}" in message
    assert "nobody approves their own change" in message
    # the audit of the same history says the same
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "change", "-m", "land the change")
    audit = repo.run("audit", "--verify")
    assert audit.code == 1, audit.err
    assert "SLA/globex-public-api v2 tightened" in audit.err


# -- every path reaches git literally ------------------------------------------------------

@pytest.mark.parametrize("name", [":(glob)globex.yaml", ":!globex.yaml", "*.yaml"])
def test_a_file_name_that_is_pathspec_magic_is_taken_literally(repo: GitProject,
                                                               name: str) -> None:
    repo.write("globex.yaml", "note: the real file a magic pathspec would name\n")
    repo.commit("a decoy", author="bob")
    repo.write(name, sla().replace("globex-public-api", "globex-eu"))
    repo.commit("a new agreement", author="alice")
    assert repo.approve("alice", "legal", name, "--base", "main").code == 0
    run = repo.gate()
    assert run.code == 1, run.out
    [message] = messages(run, "sla-change-approval")
    assert "alice@acme.example authored commit " in message
    # uncommitted, the same file is still the working tree's, held by the user
    repo.write(name, sla(version=2).replace("globex-public-api", "globex-eu"))
    run = repo.gate()
    [message] = messages(run, "sla-change-approval")
    assert "the document changed after approval" in message


# -- a symbolic link is no document, in every mode -----------------------------------------

def test_a_symlinked_document_is_refused_in_every_mode(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("contracts/globex.sla", sla())
    (repo.root / "slas/globex.yaml").unlink()
    (repo.root / "slas/globex.yaml").symlink_to("../contracts/globex.sla")
    repo.commit("the agreement is a link", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "change")
    repo.git("reset", "-q", "--hard", "main")
    repo.write("contracts/globex.sla", LOOSENED)  # alice edits the link's target
    repo.commit(author="alice")
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    repo.commit("approvals", author="carol")
    runs = [repo.check(), repo.gate(), repo.gate("--head", "HEAD")]
    for run in runs:
        assert run.code == 1, run.out
        [problem] = [p for p in run.json["problems"] if p["rule"] == "yaml-syntax"]
        assert (problem["file"], problem["line"]) == ("slas/globex.yaml", 1)
        assert problem["message"].startswith("a symbolic link (to ../contracts/globex.sla)")
    assert runs[1].json["problems"] == runs[2].json["problems"]


# -- a submodule is another repository, in every mode --------------------------------------

def test_a_submodule_gives_one_verdict_in_every_mode(repo: GitProject, tmp_path: Path) -> None:
    other = tmp_path / "vendor-slas"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    (other / "broken.yaml").write_text(sla().replace("targetPercent: 99.9", "targetPercent: high"))
    git(other, "add", "-A")
    git(other, "-c", "user.name=V", "-c", "user.email=v@example.com", "commit", "-qm", "v")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "vendor")
    repo.commit("vendor the slas")
    assert (repo.root / "vendor/broken.yaml").is_file()
    runs = [repo.check(), repo.gate(), repo.gate("--head", "HEAD")]
    assert [(r.code, r.json["problems"]) for r in runs] == [(0, [])] * 3, runs[0].out
    assert runs[0].json["summary"]["files"] == runs[2].json["summary"]["files"]


# -- --since and --until cut the first-parent chain by position ---------------------------

def test_a_backdated_commit_stays_in_the_range(repo: GitProject) -> None:
    repo.write("NOTES.md", "march\n")
    repo.commit("notes", date="2025-03-10T12:00:00+00:00")
    repo.write("slas/globex.yaml", LOOSENED)
    backdated = repo.commit("loosen", date="2024-06-01T12:00:00+00:00")
    run = repo.run("audit", "--verify", "--since", "2025-03-05")
    assert run.code == 1, run.err
    assert f"  {backdated[:7]} SLA/globex-public-api v2 loosened (2024-06-01)" in run.err
    assert (f"commit {backdated[:7]} is dated 2024-06-01, before its parent") in run.err
    # one of the two dates is wrong, and it may be the parent's (dated later than it was
    # made): a range that holds the commit's own date holds it too
    early = repo.run("audit", "--verify", "--until", "2024-12-31")
    assert early.code == 1, early.err
    assert f"  {backdated[:7]} SLA/globex-public-api v2 loosened (2024-06-01)" in early.err
    # and one that holds neither date, nor any between, does not
    between = repo.run("audit", "--verify", "--until", "2024-05-31")
    assert between.code == 0, between.err
    assert backdated[:7] + " SLA" not in between.err


# -- a copy of an agreement in front of it -------------------------------------------------

@pytest.mark.parametrize("copy", ["slas/a-copy.yaml", "slas/globex.yaml"])
def test_an_unchanged_copy_in_front_does_not_hide_the_change_behind_it(
        repo: GitProject, copy: str) -> None:
    """A change adds the agreement as it was, in front of the edited one (a file earlier in
    scan order, or the first document of the same file), under a base policy that made
    duplicate names a warning. The copy is unchanged; the edited agreement behind it, for
    the customer spelled another way so no two periods overlap, is a change all the same."""
    from gitrepos import POLICY

    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", POLICY + "  duplicate-name: warning\n")
    repo.commit("duplicate names warn", date="2025-03-01T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change")
    edited = LOOSENED.replace("customer: globex", "customer: Globex")
    if copy == "slas/globex.yaml":
        repo.write(copy, sla() + "---\n" + edited)
    else:
        repo.write(copy, sla())
        repo.write("slas/globex.yaml", edited)
    repo.commit()
    run = repo.gate()
    assert run.code == 1
    assert "sla-change-approval" in repo.rules(run)
    changed = [(d["file"], d["classes"]) for d in run.json["changes"]["documents"]]
    assert ("slas/globex.yaml", ["loosened", "modified"]) in changed
