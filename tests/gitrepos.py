"""Real git repositories and real SSH keys for the change-gate tests.

The fixtures ``keys`` (one key pair per user, made once per module) and
``repo`` are in conftest.py.

``GitProject`` is a ``conftest.Project`` whose root is a real repository
with a ``main`` branch (an approvals policy and one SLA, committed on
2025-03-01) and a ``change`` branch checked out, where tests commit their
changes and run ``slopolicy`` in-process.
"""
from __future__ import annotations

import datetime
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import Project, Run, git

USERS = ("alice", "bob", "carol", "dave", "mallory")
BASE_DATE = "2025-03-01T12:00:00+00:00"
CHANGE_DATE = "2025-03-10T12:00:00+00:00"

# The gate dates a change no earlier than the time it runs (a commit's date is typed), so terms
# a test means to start after the change start after today, whatever the commits' dates.
TODAY = datetime.datetime.now(datetime.timezone.utc).date()


def days_hence(days: int) -> str:
    """The date ``days`` after today (UTC), as an SLA writes it."""
    return (TODAY + datetime.timedelta(days=days)).isoformat()


POLICY = """\
extends: default
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example, dave@acme.example]
    sre: [carol@acme.example, dave@acme.example, "github:carol-gh"]
  require:
    added: [{role: legal, count: 1}]
    modified: [{role: legal, count: 1}]
    loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
    removed: [{role: legal, count: 1}]
    policy: [{role: sre, count: 1}]
rules:
  sla-backed-by-slo: "off"
"""

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: globex-public-api
  owner: accounts@acme.example
spec:
  customer: globex
  service: public-api
  version: {version}
  effective:
    from: {start}
  changeNoticeDays: 30
  window:
    calendar: month
    timeZone: UTC
  budgetingMethod: Timeslices
  timeSlice: {{window: 1m, target: 0.95}}
  objectives:
    - name: availability
      indicator: availability
      targetPercent: {target}
    - name: latency-p95
      indicator: latency
      threshold: {threshold}
      targetPercent: 95
"""


def sla(version: int = 1, start: str = "2025-01-01", target: str = "99.9",
        threshold: str = "500ms") -> str:
    return SLA.format(version=version, start=start, target=target, threshold=threshold)


SMALL_SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {{name: globex}}
spec:
  customer: globex
  service: api
  version: {version}
  effective: {{from: {start}}}
  window: {{calendar: month, timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives: [{{name: availability, indicator: availability, targetPercent: {target}}}]
"""


def small_sla(version: int, start: str, target: str) -> str:
    """A one-objective SLA with no SLO behind it (for recipes run by a forge)."""
    return SMALL_SLA.format(version=version, start=start, target=target)


class Keys:
    """One ed25519 key pair per user, made once per test module."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for user in USERS:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user,
                            "-f", str(folder / user)], check=True)

    def private(self, user: str) -> Path:
        return self.folder / user

    def signer_line(self, user: str, identity: str | None = None) -> str:
        public = (self.folder / f"{user}.pub").read_text().strip()
        return f'{identity or user + "@acme.example"} namespaces="slopolicy" {public}\n'

    def allowed_signers(self, *users: str) -> str:
        return "".join(self.signer_line(u) for u in users)


class GitProject(Project):
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str], keys: Keys) -> None:
        super().__init__(root, capsys)
        self.keys = keys

    def git(self, *args: str, author: str = "dev", date: str = CHANGE_DATE) -> str:
        env = {
            "GIT_AUTHOR_NAME": author.title(), "GIT_AUTHOR_EMAIL": f"{author}@acme.example",
            "GIT_COMMITTER_NAME": author.title(), "GIT_COMMITTER_EMAIL": f"{author}@acme.example",
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
        }
        return git(self.root, *args, env=env)

    def commit(self, message: str = "change", author: str = "dev", date: str = CHANGE_DATE) -> str:
        self.git("add", "-A", author=author, date=date)
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author, date=date)
        return self.git("rev-parse", "HEAD").strip()

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def approve(self, user: str, role: str, path: str = "slas/globex.yaml", *extra: str,
                key: str | None = None, identity: str | None = None) -> Run:
        return self.run("approve", path, "--role", role,
                        "--identity", identity or f"{user}@acme.example",
                        "--key", str(self.keys.private(key or user)), *extra)

    def gate(self, *extra: str) -> Run:
        return self.check("--base", "main", *extra)

    def rules(self, run: Run) -> list[str]:
        return sorted(p["rule"] for p in run.json["problems"] if p["severity"] == "error")


def make_repo(root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              keys: Keys) -> GitProject:
    """The ``repo`` fixture (in conftest.py)."""
    for name in ("GITHUB_ACTIONS", "PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    root.mkdir()
    project = GitProject(root, capsys, keys)
    project.git("init", "-q", "-b", "main")
    project.git("config", "user.email", "dev@acme.example")
    project.git("config", "user.name", "Dev")
    project.write(".slopolicy.yaml", POLICY)
    project.write(".slopolicy/allowed_signers", keys.allowed_signers("alice", "bob", "carol", "dave"))
    project.write("slas/globex.yaml", sla())
    project.commit("the agreement", date=BASE_DATE)
    project.git("checkout", "-q", "-b", "change")
    return project


def on_main(repo: GitProject, text: str, path: str = "slas/globex.yaml") -> None:
    """Make ``text`` the file at ``path`` on the base (main), before the change."""
    repo.write(path, text)
    repo.commit("base", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")


def problems(run: Run, rule: str) -> list[dict[str, object]]:
    """The problems of ``rule`` in a ``--format json`` run."""
    return [p for p in run.json["problems"] if p["rule"] == rule]


def document(run: Run, label: str) -> dict[str, object]:
    """The one change of ``label`` in a gate's ``--format json`` run."""
    [item] = [d for d in run.json["changes"]["documents"] if d["document"] == label]
    return item  # type: ignore[no-any-return]


def gate_in_partial_clone(repo: GitProject, tmp_path: Path, fetched: str | None = None) -> Run:
    """The gate (``--base origin/main``) in a blob-less clone of ``repo``'s branch ``change``
    whose remote is out of reach, so that past versions cannot be fetched; ``fetched``: a
    file of the base fetched before the remote goes."""
    repo.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-single-branch", "--branch",
        "change", f"file://{repo.root}", str(clone))
    if fetched is not None:
        git(clone, "cat-file", "-p", f"origin/main:{fetched}")  # the base's side, fetched
    git(clone, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")  # out of reach
    repo.root, original = clone, repo.root
    try:
        return repo.check("--base", "origin/main")
    finally:
        repo.root = original
