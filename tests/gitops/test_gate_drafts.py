"""A change written as a draft elsewhere and put in place is its writer's change.

alice (legal) writes the loosened agreement outside the documents; dev puts it over the
agreement's file. git records an overwrite as a modification of the file (no rename), and a
byte changed on the way makes it no copy: whoever wrote the draft still made the change,
so her own legal approval does not count, wherever and however she wrote it.
"""
from __future__ import annotations

import pytest
from gitrepos import GitProject, sla

from slopolicy.gitops import carried

LOOSER = sla(version=2, start="2025-06-01", target="99.5")


def tweak(text: str) -> str:
    return text.replace("owner: accounts@acme.example", "owner: legal@acme.example")


def messages(repo: GitProject) -> list[str]:
    run = repo.gate("--head", "HEAD")
    return [str(p["message"]) for p in run.json["problems"] if p["rule"] == "sla-change-approval"]


def put_in_place(repo: GitProject, how: str) -> str:
    """alice's draft, put over slas/globex.yaml by dev; the draft's commit."""
    draft_path = "notes/globex-terms.md" if how == "other-file-kept" else "drafts/globex.txt"
    repo.write(draft_path, LOOSER)
    draft = repo.commit("draft of the new terms", author="alice")
    if how in ("overwrite", "overwrite-and-tweak", "move-then-tweak"):
        repo.git("mv", "-f", draft_path, "slas/globex.yaml")
        if how == "overwrite-and-tweak":
            repo.write("slas/globex.yaml", tweak(LOOSER))
        repo.commit("the new terms in place")
        if how == "move-then-tweak":
            repo.write("slas/globex.yaml", tweak(LOOSER))
            repo.commit("owner")
    elif how == "deleted-then-typed":
        repo.git("rm", "-q", draft_path)
        repo.commit("no drafts in the repository", author="alice")
        repo.write("slas/globex.yaml", tweak(LOOSER))
        repo.commit("the new terms")
    else:  # the draft stays where it is; a copy with one line changed goes in place
        repo.write("slas/globex.yaml", tweak(LOOSER))
        repo.commit("the new terms")
    return draft


@pytest.mark.parametrize("how", ["overwrite", "overwrite-and-tweak", "move-then-tweak",
                                 "deleted-then-typed", "other-file-kept"])
def test_the_writer_of_a_draft_put_over_the_agreement_made_the_change(repo: GitProject,
                                                                       how: str) -> None:
    draft = put_in_place(repo, how)
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    assert repo.approve("carol", "sre", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approvals", author="carol")
    [message] = messages(repo)
    assert "it needs 1 more legal approver (for modified/loosened" in message
    assert (f"(signed, alice@acme.example): alice@acme.example authored commit {draft[:7]}, "
            "which changed it: nobody approves their own change") in message
    assert repo.approve("dave", "legal", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("dave's approval", author="carol")
    assert messages(repo) == []


def test_a_merged_draft_is_its_writers_change_in_the_audit(repo: GitProject) -> None:
    """The pull request lands as a merge: the audit reads its branch as the gate does."""
    draft = put_in_place(repo, "overwrite-and-tweak")
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main").code == 0
    assert repo.approve("carol", "sre", "slas/globex.yaml", "--base", "main").code == 0
    repo.commit("approvals", author="carol")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge the new terms", "change")
    run = repo.run("audit", "--verify", "--format", "json")
    assert run.code == 1, run.out
    assert f"alice@acme.example authored commit {draft[:7]}, which changed it" in run.out


# -- what carries a change: the pure rule ------------------------------------------------------

BEFORE = sla().encode()
AFTER = LOOSER.encode()


@pytest.mark.parametrize("written, carries", [
    (AFTER, True),  # the same bytes
    (tweak(LOOSER).encode(), True),  # a near copy
    (("  " + LOOSER.replace("\n", "\n  ")).encode(), True),  # indented into another file
    (BEFORE, False),  # the old agreement
    (sla().replace("globex", "initech").encode(), False),  # a sibling made from the old one
    (sla(version=2).replace("globex", "initech").encode(),
     False),  # a sibling edited on one line as this change edits it
    (b"def main() -> None:\n    pass\n", False),  # another file: it lacks the removed lines
], ids=["same", "near", "indented", "old", "sibling", "sibling-edited", "other"])
def test_a_file_carries_a_change_when_it_holds_most_of_its_edits(written: bytes,
                                                                 carries: bool) -> None:
    change = carried.Change([AFTER], [BEFORE])
    assert change.carried_by(written) is carries


def test_a_removal_of_lines_is_carried_by_a_draft_without_them() -> None:
    shorter = b"".join(line for line in BEFORE.splitlines(keepends=True)
                       if b"latency" not in line and b"threshold" not in line)
    change = carried.Change([shorter], [BEFORE])
    assert change.carried_by(shorter.replace(b"accounts@", b"legal@"))
    assert not change.carried_by(BEFORE)

