"""The history is read from ``git log`` as it streams: the same commits at any block size."""
from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import git

from slopolicy.gitops import git as gitops
from slopolicy.model.errors import UsageError


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


# -- the history and the chain from one log --------------------------------------------------

AUDITED = ["*.yaml", "*.yml", "*.json", "*allowed_signers*"]
SIGNERS = [".slopolicy/allowed_signers"]
TEXT = "apiVersion: slopolicy/v1\nkind: SLA\nmetadata: {name: %s}\nspec: {version: %d}\n" + \
    "# padding so that a renamed file is still similar enough\n" * 8


@pytest.fixture(scope="module")
def tangled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Renames within the documents, into them, out of them and between two at once, a
    commit that adds one document and deletes another unlike it, commits that touch no
    document, a folder named like a pattern, odd names, the signers file, a merge."""
    root = tmp_path_factory.mktemp("tangled")
    git(root, "init", "-q", "-b", "main")
    steps: list[tuple[str, dict[str, str | None]]] = [
        ("start", {"a.yaml": TEXT % ("a", 1), "b.yaml": TEXT % ("b", 1), "notes.txt": "n\n" * 40,
                   "src/main.py": "print(1)\n", ".slopolicy/allowed_signers": "# none\n"}),
        ("code only", {"src/main.py": "print(2)\n"}),
        ("doc renamed", {"a.yaml": None, "docs/a.yaml": TEXT % ("a", 1)}),
        ("doc out", {"b.yaml": None, "b.txt": TEXT % ("b", 1)}),
        ("doc in", {"notes.txt": None, "notes.yml": "n\n" * 40}),
        ("add one, delete another", {"docs/a.yaml": None, "c.json": '{"other": true}\n'}),
        ("two at once", {"c.json": None, "notes.yml": None, "c2.json": '{"other": true}\n',
                         "n2.yml": "n\n" * 40, "d.yaml": TEXT % ("d", 1)}),
        ("folder like a pattern", {"*.yaml/inside.txt": "x\n", "odd name ✓.yaml": "a: 1\n",
                                   "sp ace/x-allowed_signers-y": "k\n"}),
        ("signers", {".slopolicy/allowed_signers": "# still none\n", "src/main.py": "print(3)\n"}),
    ]
    for number, (message, files) in enumerate(steps):
        for name, text in files.items():
            path = root / name
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        git(root, "add", "-A")
        date = f"2025-02-{number + 1:02d}T12:00:00Z"
        git(root, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q",
            "-m", message, env={"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date})
    git(root, "checkout", "-q", "-b", "side")
    (root / "d.yaml").rename(root / "e.yaml")
    (root / "src/main.py").write_text("print(4)\n")
    git(root, "add", "-A")
    git(root, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q",
        "-m", "side rename")
    git(root, "checkout", "-q", "main")
    git(root, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "merge", "-q",
        "--no-ff", "-m", "merge", "side")
    return root


@pytest.mark.parametrize(("patterns", "paths"), [
    (AUDITED, SIGNERS), (AUDITED, []), (["*.yaml"], []), (["*.y?ml"], SIGNERS),
    (AUDITED, ["sp ace"]), (AUDITED, ["./x"]),
])
def test_one_log_reads_what_the_two_logs_read(tangled: Path, patterns: list[str],
                                              paths: list[str]) -> None:
    """The history and the chain from one log without pathspecs (filtered here, renames
    read again), or from the two logs where a pattern is not one matched here: the same."""
    repo = gitops.open_repo(tangled)
    two = (repo.history("HEAD", patterns, paths), repo.chain("HEAD"))
    assert repo.history_and_chain("HEAD", patterns, paths) == two
    assert len(two[1]) == 10  # nine commits and the merge
    if patterns == AUDITED and paths == SIGNERS:
        assert {c.status for commit in two[0] for c in commit.changes} == {"A", "D", "M", "R"}
        assert "code only" not in {c.subject for c in two[0]}


def test_only_suffixes_and_parts_are_matched_here() -> None:
    matcher = gitops._path_matcher(AUDITED, SIGNERS)
    assert matcher is not None
    assert [p for p in ["a.yaml", "x/y.yml", "*.yaml/z.txt", "a.yaml.txt", "k/allowed_signers",
                        "my-allowed_signers.txt/k", ".slopolicy/allowed_signers/x", "a.yam"]
            if matcher(p)] == ["a.yaml", "x/y.yml", "*.yaml/z.txt", "k/allowed_signers",
                               "my-allowed_signers.txt/k", ".slopolicy/allowed_signers/x"]
    for patterns, paths in [(["*.y?ml"], []), (["*.[jy]son"], []), (["x*.yaml"], []),
                            (["*"], []), (["*.yaml"], ["a//b"]), (["*.yaml"], ["../a"])]:
        assert gitops._path_matcher(patterns, paths) is None


@pytest.mark.parametrize("changed", ["e.yaml", "src/main.py"])
def test_a_commit_git_cannot_date_fails_alike(tangled: Path, tmp_path: Path,
                                              changed: str) -> None:
    """A commit written by hand with a NUL in its author's name (git's own commands refuse
    one), so that git prints no author date: an error where it changes a document, as with
    the two logs; nothing where it changes none."""
    root = tmp_path / "repo"
    shutil.copytree(tangled, root)
    (root / changed).write_text("changed by hand\n")
    git(root, "add", "-A")
    tree = git(root, "write-tree").strip()
    head = git(root, "rev-parse", "HEAD").strip()
    raw = (f"tree {tree}\nparent {head}\nauthor Ev\0il <e@example.com> 1740000000 +0000\n"
           "committer Dev <dev@example.com> 1740000000 +0000\n\nby hand\n").encode()
    made = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
                          cwd=root, input=raw, capture_output=True, check=True)
    git(root, "update-ref", "HEAD", made.stdout.decode().strip())
    repo = gitops.open_repo(root)

    def outcome(read: Callable[[], object]) -> object:
        try:
            return read()
        except UsageError as exc:
            return str(exc)

    one = outcome(lambda: repo.history_and_chain("HEAD", AUDITED, SIGNERS))
    two = outcome(lambda: (repo.history("HEAD", AUDITED, SIGNERS), repo.chain("HEAD")))
    assert one == two
    assert isinstance(one, str) == (changed == "e.yaml")
