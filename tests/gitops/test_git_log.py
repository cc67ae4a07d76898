"""The history is read from ``git log`` as it streams: the same commits at any block size."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from conftest import git

from slopolicy.gitops import git as gitops


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real repository whose commits have short, long and non-ASCII subjects."""
    root = tmp_path_factory.mktemp("logged")
    git(root, "init", "-q", "-b", "main")
    subjects = ["first", "Ünïcödé subject ✓", "x" * 5000, "Approved\n\nApproved-by: a@b.example"]
    for number, subject in enumerate(subjects * 3):
        (root / f"sla-{number % 4}.yaml").write_text(f"version: {number}\n")
        git(root, "add", "-A")
        git(root, "-c", "user.name=Ünï", "-c", "user.email=u@example.com", "commit", "-q",
            "-m", subject, env={"GIT_COMMITTER_DATE": f"2025-01-{number + 1:02d}T12:00:00Z",
                                "GIT_AUTHOR_DATE": f"2025-01-{number + 1:02d}T12:00:00Z"})
    return root


def _log(root: Path) -> bytes:
    return subprocess.run(
        ["git", "log", "--raw", "-z", "--no-abbrev", f"--format={gitops._LOG_FORMAT}"],
        cwd=root, capture_output=True, check=True).stdout


@pytest.mark.parametrize("chunk", [1, 2, 7, len(gitops._RECORD_SEP) - 1,
                                   len(gitops._RECORD_SEP), 1000, 1 << 20])
def test_records_are_the_same_whatever_the_blocks(logged: Path, chunk: int) -> None:
    """A separator split between two blocks, or a record longer than a block, changes nothing."""
    out = _log(logged)
    whole = out.decode("utf-8", "replace").split(gitops._RECORD_SEP)
    assert len(whole) == 13
    assert list(gitops._records(io.BytesIO(out), chunk)) == whole


def test_history_streams_every_commit_oldest_first(logged: Path) -> None:
    repo = gitops.open_repo(logged)
    found = repo.history("HEAD", ["*.yaml"])
    assert [c.subject for c in found] == ["first", "Ünïcödé subject ✓", "x" * 5000,
                                          "Approved"] * 3
    assert [c.approved_by for c in found][3] == ("a@b.example",)
    assert [c.author_name for c in found] == ["Ünï"] * 12
    assert [c.changes[0].new_path for c in found] == [f"sla-{n % 4}.yaml" for n in range(12)]
    assert [sha for sha, _ in repo.chain("HEAD")] == [c.sha for c in found]
    assert [date.day for _, date in repo.chain("HEAD")] == list(range(1, 13))


def test_a_log_git_refuses_is_an_error_not_an_empty_history(logged: Path) -> None:
    repo = gitops.open_repo(logged)
    with pytest.raises(repo._error):
        repo.history("no-such-ref", ["*.yaml"])
    with pytest.raises(repo._error):
        repo.chain("no-such-ref")
