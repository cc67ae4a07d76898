"""Forge approvals as evidence: GitHub pull request reviews and GitLab merge request approvals.

Real repositories (tests/gitops.py): ``main`` holds the policy, the change is
committed on a branch, and the exports are the JSON the forges' APIs return.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitrepos import POLICY, GitProject, days_hence, sla

from slopolicy.changes.approvals import Authors
from slopolicy.gitops import evidence
from slopolicy.model.errors import UsageError

TIGHTENED = sla(version=2, start=days_hence(22), target="99.95")


@pytest.fixture
def forge_repo(repo: GitProject) -> GitProject:
    """The ``repo`` fixture whose base roster also names a GitLab and a GitHub legal approver."""
    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", POLICY.replace(
        "legal: [alice@acme.example,", 'legal: ["gitlab:alice-gl", "github:bob-gh", alice@acme.example,'))
    repo.commit("forge approvers", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change")
    repo.write("slas/globex.yaml", TIGHTENED)
    return repo


def export(repo: GitProject, data: object, name: str = "reviews.json") -> str:
    path = repo.root.parent / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def gitlab(sha: str, *users: str) -> dict[str, object]:
    """What GitLab's approvals API returns, with the merge request's head commit added."""
    return {"id": 5, "iid": 5, "project_id": 1, "state": "opened", "approved": bool(users),
            "approved_by": [{"user": {"username": u, "name": u.title(), "id": i}}
                            for i, u in enumerate(users)], "sha": sha}


def approval_messages(run: object) -> list[str]:
    return [p["message"] for p in run.json["problems"]  # type: ignore[attr-defined]
            if p["rule"] == "sla-change-approval"]


def test_a_gitlab_approval_of_the_head_commit_counts(forge_repo: GitProject) -> None:
    head = forge_repo.commit("tighten")
    run = forge_repo.gate("--reviews", export(forge_repo, gitlab(head, "alice-gl")))
    assert run.code == 0, run.out
    unapproved = forge_repo.gate("--reviews", export(forge_repo, gitlab(head)))
    [message] = approval_messages(unapproved)
    assert "gitlab:alice-gl" in message and "merge request (counted with --reviews)" in message


def test_a_gitlab_approval_read_for_another_commit_does_not_count(forge_repo: GitProject) -> None:
    first = forge_repo.commit("tighten")
    forge_repo.write("slas/globex.yaml", TIGHTENED.replace("99.95", "99.99"))
    head = forge_repo.commit("tighten more")
    run = forge_repo.gate("--reviews", export(forge_repo, gitlab(first, "alice-gl")))
    [message] = approval_messages(run)
    assert f"approved {first[:7]}, not the head commit {head[:7]}" in message


def test_a_forge_login_fills_only_its_own_forge_entry(forge_repo: GitProject) -> None:
    head = forge_repo.commit("tighten")
    # alice-gl approving on GitHub is someone else: github:alice-gl holds no role
    github = [{"user": {"login": "alice-gl"}, "state": "APPROVED", "commit_id": head,
               "submitted_at": "2025-03-10T12:00:00Z"}]
    [message] = approval_messages(forge_repo.gate("--reviews", export(forge_repo, github)))
    assert "github:alice-gl holds no role in the base policy" in message
    # and bob-gh approving on GitLab is not github:bob-gh
    [message] = approval_messages(forge_repo.gate("--reviews",
                                                  export(forge_repo, gitlab(head, "bob-gh"))))
    assert "gitlab:bob-gh holds no role in the base policy" in message


def test_a_gitlab_export_without_the_head_commit_is_refused(forge_repo: GitProject) -> None:
    forge_repo.commit("tighten")
    data = gitlab("x", "alice-gl")
    del data["sha"]
    run = forge_repo.gate("--reviews", export(forge_repo, data))
    assert run.code == 2
    assert 'needs "sha", the merge request\'s head commit' in run.err


def test_pages_of_github_reviews_are_read_as_one_list(tmp_path: Path) -> None:
    """``gh api --paginate`` writes one JSON list per page, one after the other."""
    pages = [[{"user": {"login": "carol"}, "state": "APPROVED", "commit_id": "a",
               "submitted_at": "2025-03-10T10:00:00Z"}],
             [{"user": {"login": "carol"}, "state": "CHANGES_REQUESTED", "commit_id": "a",
               "submitted_at": "2025-03-10T11:00:00Z"},
              {"user": {"login": "dave"}, "state": "APPROVED", "commit_id": "a",
               "submitted_at": "2025-03-10T12:00:00Z"}]]
    path = tmp_path / "reviews.json"
    path.write_text("\n".join(json.dumps(p) for p in pages))
    found = [(r.identity, r.state) for r in evidence.load_reviews(path)]
    assert found == [("github:carol", "CHANGES_REQUESTED"), ("github:dave", "APPROVED")]
    path.write_text(json.dumps(pages[0]) + "\n{}")
    with pytest.raises(UsageError, match="expected the JSON list GitHub returns"):
        evidence.load_reviews(path)


def test_gitlab_private_commit_emails_name_their_author() -> None:
    authors = Authors()
    authors.add("1234-Alice-GL@users.noreply.gitlab.com", "commit abc1234")
    assert authors.of("gitlab:alice-gl") == "authored commit abc1234"
    assert authors.of("github:alice-gl") is None
