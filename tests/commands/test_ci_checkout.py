"""``slopolicy check --base`` in the checkouts CI makes, run as a process.

The repository is Acme's (``examples/acme``) with an approvals policy, pushed
to a bare ``origin``; its pull request branch loosens Globex's availability and
carries alice's legal approval, signed by ``slopolicy approve`` with
``ssh-keygen`` and the example key. Each test checks it out as
``actions/checkout`` does: a fresh repository that fetches the branches as
``origin/*`` (``fetch-depth: 0``) or the one commit (``fetch-depth: 1``), and
detaches HEAD at the pull request's head.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, git

ACME = REPO / "examples" / "acme"
KEYS = REPO / "examples" / "audit" / "keys"
POLICY = """\
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example]
    sre: [carol@acme.example, "github:carol-gh"]
  require:
    loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
    modified: [{role: legal, count: 1}]
"""


def slopolicy(cwd: Path, *args: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT"))}
    full.update({"GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(cwd.parent / "cache"),
                 **(env or {})})
    return subprocess.run([sys.executable, "-m", "slopolicy", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The bare ``origin`` (main, and the pull request branch ``loosen``) and the head's SHA."""
    top = tmp_path_factory.mktemp("ci")
    work = top / "work"
    shutil.copytree(ACME, work)
    key = top / "alice"
    shutil.copyfile(KEYS / "alice", key)
    key.chmod(0o600)
    signers = "".join(
        f'{user}@acme.example namespaces="slopolicy" '
        f'{" ".join((KEYS / f"{user}.pub").read_text().split()[:2])}\n'
        for user in ("alice", "bob", "carol"))
    (work / ".slopolicy").mkdir()
    (work / ".slopolicy" / "allowed_signers").write_text(signers)
    with (work / ".slopolicy.yaml").open("a") as config:
        config.write(POLICY)
    git(work, "init", "-q", "-b", "main")
    for name, value in (("user.name", "Dev"), ("user.email", "dev@acme.example")):
        git(work, "config", name, value)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Acme's agreements")
    git(top, "init", "-q", "--bare", "-b", "main", "origin.git")
    git(work, "remote", "add", "origin", str(top / "origin.git"))
    git(work, "push", "-q", "origin", "main")
    git(work, "checkout", "-q", "-b", "loosen")
    sla = work / "slas" / "globex.yaml"
    sla.write_text(sla.read_text().replace("targetPercent: 99.9", "targetPercent: 99.5")
                   .replace("version: 3", "version: 4").replace("below: 99.9", "below: 99.5")
                   .replace("from: 2025-01-01", "from: 2099-01-01"))
    git(work, "commit", "-q", "-am", "globex: availability 99.5%")
    signed = slopolicy(work, "approve", "slas/globex.yaml", "--base", "origin/main", "--role",
                       "legal", "--identity", "alice@acme.example", "--key", str(key))
    assert signed.returncode == 0, signed.stderr
    git(work, "add", "approvals")
    git(work, "-c", "user.name=Alice", "-c", "user.email=alice@acme.example",
        "commit", "-q", "-m", "legal approval")
    git(work, "push", "-q", "origin", "loosen")
    return top / "origin.git", git(work, "rev-parse", "HEAD").strip()


def checkout(origin: tuple[Path, str], where: Path, depth: int = 0) -> Path:
    """What actions/checkout does for a pull request's head commit."""
    bare, head = origin
    where.mkdir()
    git(where, "init", "-q")
    git(where, "remote", "add", "origin", f"file://{bare}")
    if depth:
        git(where, "fetch", "-q", "--no-tags", f"--depth={depth}", "origin",
            f"+{head}:refs/remotes/origin/loosen")
    else:
        git(where, "fetch", "-q", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*")
    git(where, "checkout", "-q", "--detach", head)
    return where


def json_of(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_the_target_branch_by_its_name_points_to_the_remotes(
    origin: tuple[Path, str], tmp_path: Path
) -> None:
    """GITHUB_BASE_REF is `main`; a CI checkout has only `origin/main`: the error names it
    (it said `git fetch origin main`, which makes no `main`, so the advice went round)."""
    clone = checkout(origin, tmp_path / "clone")
    done = slopolicy(clone, "check", "--base", "main")
    assert done.returncode == 2
    assert done.stderr == (
        "slopolicy: error: base ref 'main' is not in this repository, but 'origin/main' is (a "
        "CI checkout holds the target branch as the remote's): name that, `origin/main`\n")
    gated = slopolicy(clone, "check", "--base", "origin/main", "--format", "json")
    assert gated.returncode == 1, gated.stderr
    [missing] = [p for p in json_of(gated)["problems"] if p["rule"] == "sla-change-approval"]
    assert "1 more sre approver" in missing["message"]


def test_a_shallow_checkout_is_exit_2_with_the_fix_and_no_report(
    origin: tuple[Path, str], tmp_path: Path
) -> None:
    """fetch-depth: 1 (actions/checkout's default): no base, no history; never a pass."""
    clone = checkout(origin, tmp_path / "clone", depth=1)
    done = slopolicy(clone, "check", "--base", "origin/main", "--format", "json",
                     "--report", f"sarif:{tmp_path / 'r.sarif'}")
    assert (done.returncode, done.stdout) == (2, "")
    assert "shallow clone" in done.stderr and "`fetch-depth: 0`" in done.stderr
    assert not (tmp_path / "r.sarif").exists()
    git(clone, "fetch", "-q", "--depth=1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    again = slopolicy(clone, "check", "--base", "origin/main")
    assert again.returncode == 2 and "this is a shallow clone" in again.stderr


def test_check_help_says_what_base_needs_in_ci(tmp_path: Path) -> None:
    shown = " ".join(slopolicy(tmp_path, "check", "--help").stdout.split())
    assert ("--base REF check changes against git REF, judged by its policy; needs the whole "
            "history (a shallow clone is exit 2); in CI, the target branch as the remote's: "
            "origin/main") in shown
    assert ("github annotations, sarif for code scanning, junit for test report views, "
            "codeclimate for GitLab Code Quality, markdown for a job summary") in shown
    assert "1 problems at or above --fail-on" in shown and "(a shallow clone, a base" in shown


@pytest.mark.parametrize("args", [("check", "--base", "origin/main"), ("check", "--changed"),
                                  ("diff", "origin/main"), ("audit", "--verify")])
def test_a_checkout_git_will_not_read_is_exit_2_with_gits_fix(
    origin: tuple[Path, str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    """A container job's checkout belongs to another user, and git refuses it ("dubious
    ownership"; git's own switch makes it take this one as another's): it was an internal
    error (exit 3), or for --changed "not inside a git repository"."""
    clone = checkout(origin, tmp_path / "clone")
    done = slopolicy(clone, *args, env={"GIT_TEST_ASSUME_DIFFERENT_OWNER": "1"})
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"slopolicy: error: {clone}: git cannot read this "
                                  "repository: detected dubious ownership")
    assert done.stderr.endswith(f"git config --global --add safe.directory {clone}\n")


def test_a_sparse_checkout_is_refused_as_the_changed_side(
    origin: tuple[Path, str], tmp_path: Path
) -> None:
    """actions/checkout's sparse-checkout leaves files out of the working tree: read as
    the change, every SLA outside it was "removed and lacks approval" (exit 1, a wrong
    verdict). It is exit 2 with the fix; the commit itself (--head HEAD) is judged."""
    clone = checkout(origin, tmp_path / "clone")
    git(clone, "sparse-checkout", "set", "--no-cone", "slos/", "slis/")
    assert not (clone / "slas").exists()
    for args in (("check", "--base", "origin/main"), ("diff", "origin/main")):
        done = slopolicy(clone, *args)
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.startswith("slopolicy: error: this checkout is sparse: ")
        assert done.stderr.endswith("or compare the commit: --head HEAD\n")
    judged = slopolicy(clone, "check", "--base", "origin/main", "--head", "HEAD",
                       "--format", "json")
    assert judged.returncode == 1, judged.stderr
    found = {(p["rule"], p["file"]) for p in json_of(judged)["problems"]}
    assert found == {("sla-change-approval", "slas/globex.yaml")}
    assert [c["status"] for c in json_of(judged)["changes"]["documents"]
            if c["document"].startswith("SLA/")] == ["loosened"]
