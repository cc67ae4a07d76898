#!/usr/bin/env python3
"""Build, as a real git repository, the agreement history that README.md's audit section shows.

    python examples/audit/build.py /tmp/acme-slas
    cd /tmp/acme-slas && slopolicy audit

The repository starts from ``examples/acme`` (its services, SLOs and the
Globex agreement) with an approvals policy, and then lives through 2025:

    2025-03-01  Acme's repository: the policy, the signers, SLA globex-public-api v3
    2025-03-10  globex v4 tightened (latency-p95 within 400ms from 2025-04-01)
    2025-03-11  alice's signed legal approval of v4, committed a day later
    2025-04-01  globex v5 loosened (99.5% from 2025-07-01), without the approvals it needed
    2025-06-01  slas/globex.yaml moved to slas/globex-public-api.yaml
    2025-08-01  globex v6 loosened (99% from 2025-07-01: retroactive), with bob's (legal) and
                carol's (sre) approvals and one claiming alice that mallory's key signed
    2025-09-01  SLA initech-checkout added, without approval
    2025-10-01  dave leaves the legal roster (a policy change carol approves)
    2025-11-15  initech-checkout removed, without approval
    2025-12-15  loosenings no longer need an sre approver: a policy change nobody approved

Every commit has fixed author, committer and dates, and every Approval
record is written by ``slopolicy approve`` with the example keys in
``keys/`` (ed25519 signatures are deterministic) and ``SOURCE_DATE_EPOCH``
as its timestamp, so two builds are the same repository, commit hashes
included. Needs git, ssh-keygen and slopolicy (run with this interpreter as
``python -m slopolicy``).
"""
from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACME = HERE.parent / "acme"
KEYS = HERE / "keys"
USERS = ("alice", "bob", "carol", "dave", "mallory")
SIGNERS = ("alice", "bob", "carol", "dave")  # mallory's key is in no allowed_signers file

APPROVALS = """\
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example, dave@acme.example]
    sre: [carol@acme.example, dave@acme.example]
  require:
    added: [{role: legal, count: 1}]
    modified: [{role: legal, count: 1}]
    loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
    removed: [{role: legal, count: 1}]
    policy: [{role: sre, count: 1}]
"""


class BuildError(Exception):
    """A step of the build failed; the message says which and why."""


class Builder:
    """Writes files into a repository and commits them at fixed dates."""

    def __init__(self, root: Path, keys: Path) -> None:
        self.root = root
        self.keys = keys
        # The user's own git configuration (signing, line endings, hooks) must not reach
        # the commits, or their hashes would differ from machine to machine.
        self.env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                    "TZ": "UTC", "LC_ALL": "C"}

    def run(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(args, cwd=self.root, env=env or self.env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise BuildError(f"`{' '.join(args)}` failed ({done.returncode}):\n"
                             f"{done.stderr.strip()}")
        return done.stdout

    def read(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")

    def edit(self, name: str, *replacements: tuple[str, str]) -> None:
        """Replace each text once; a text examples/acme no longer holds stops the build."""
        text = self.read(name)
        for old, new in replacements:
            if text.count(old) != 1:
                raise BuildError(f"{name}: expected {old!r} exactly once")
            text = text.replace(old, new)
        self.write(name, text)

    def commit(self, date: str, message: str, author: str = "dev") -> None:
        who = {"GIT_AUTHOR_NAME": author.title(), "GIT_AUTHOR_EMAIL": f"{author}@acme.example",
               "GIT_COMMITTER_NAME": author.title(),
               "GIT_COMMITTER_EMAIL": f"{author}@acme.example",
               "GIT_AUTHOR_DATE": f"{date}T12:00:00+00:00",
               "GIT_COMMITTER_DATE": f"{date}T12:00:00+00:00"}
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "--no-verify", "-m", message, env={**self.env, **who})

    def approve(self, date: str, path: str, user: str, role: str, key: str | None = None) -> None:
        """``slopolicy approve`` as ``user``, at noon UTC of ``date``, with ``key``'s key."""
        noon = datetime.datetime.fromisoformat(f"{date}T12:00:00+00:00")
        env = {**self.env, "SOURCE_DATE_EPOCH": str(int(noon.timestamp()))}
        self.run(sys.executable, "-m", "slopolicy", "approve", path, "--role", role,
                 "--identity", f"{user}@acme.example", "--key", str(self.keys / (key or user)),
                 env=env)


def allowed_signers(users: tuple[str, ...]) -> str:
    lines = []
    for user in users:
        kind, key = (KEYS / f"{user}.pub").read_text(encoding="ascii").split()[:2]
        lines.append(f'{user}@acme.example namespaces="slopolicy" {kind} {key}\n')
    return "".join(lines)


def start(b: Builder) -> None:
    """Acme's repository without the Initech agreement, and a policy that asks for approvals."""
    for path in sorted(ACME.rglob("*")):
        rel = path.relative_to(ACME).as_posix()
        if path.is_file() and rel != "slas/initech.yaml":
            b.write(rel, path.read_text(encoding="utf-8"))
    b.write(".slopolicy.yaml", b.read(".slopolicy.yaml") + APPROVALS)
    b.write(".slopolicy/allowed_signers", allowed_signers(SIGNERS))
    b.run("git", "init", "-q", "-b", "main")
    b.commit("2025-03-01", "Acme's reliability repository: services, SLOs, the Globex agreement")


def globex(b: Builder) -> None:
    """Globex: tightened and approved, loosened without approval, moved, loosened in the past."""
    sla = "slas/globex.yaml"
    b.edit(sla, ("version: 3\n  supersedes: 2\n", "version: 4\n  supersedes: 3\n"),
           ("from: 2025-01-01\n", "from: 2025-04-01\n"),
           ("threshold: 500ms\n", "threshold: 400ms\n"))
    b.commit("2025-03-10", "Globex v4: 95% of requests within 400ms from April")
    b.approve("2025-03-11", sla, "alice", "legal")
    b.commit("2025-03-11", "Legal approval of Globex v4", author="alice")
    b.edit(sla, ("version: 4\n  supersedes: 3\n", "version: 5\n  supersedes: 4\n"),
           ("from: 2025-04-01\n", "from: 2025-07-01\n"),
           ("targetPercent: 99.9\n", "targetPercent: 99.5\n"),
           ("{below: 99.9, atLeast: 99.0,", "{below: 99.5, atLeast: 99.0,"))
    b.commit("2025-04-01", "Globex v5: 99.5% availability from July")
    b.run("git", "mv", sla, "slas/globex-public-api.yaml")
    b.commit("2025-06-01", "Name agreement files after the agreement")
    sla = "slas/globex-public-api.yaml"
    b.edit(sla, ("version: 5\n  supersedes: 4\n", "version: 6\n  supersedes: 5\n"),
           ("targetPercent: 99.5\n", "targetPercent: 99\n"),
           ("{below: 99.5, atLeast: 99.0, creditPercent: 10}",
            "{below: 99.0, atLeast: 98.0, creditPercent: 10}"),
           ("{below: 99.0, atLeast: 95.0,", "{below: 98.0, atLeast: 95.0,"))
    b.approve("2025-08-01", sla, "bob", "legal")
    b.approve("2025-08-01", sla, "carol", "sre")
    b.approve("2025-08-01", sla, "alice", "legal", key="mallory")  # not alice's key
    b.commit("2025-08-01", "Globex v6: 99% availability, from July as agreed")


def initech(b: Builder) -> None:
    """Initech: added and removed without approval, with a roster change between."""
    text = (ACME / "slas/initech.yaml").read_text(encoding="utf-8")
    b.write("slas/initech.yaml", text)
    b.edit("slas/initech.yaml", ("from: 2025-03-01\n", "from: 2025-10-01\n"),
           ("until: 2027-03-01\n", "until: 2027-10-01\n"))
    b.commit("2025-09-01", "The Initech checkout agreement")
    b.edit(".slopolicy.yaml", ("legal: [alice@acme.example, bob@acme.example, dave@acme.example]",
                               "legal: [alice@acme.example, bob@acme.example]"))
    b.approve("2025-10-01", ".slopolicy.yaml", "carol", "sre")
    b.commit("2025-10-01", "Dave leaves legal")
    (b.root / "slas/initech.yaml").unlink()
    b.commit("2025-11-15", "Initech cancelled")


def policy(b: Builder) -> None:
    """A policy change that weakens the gate, without the approval it needed."""
    b.edit(".slopolicy.yaml", ("loosened: [{role: legal, count: 1}, {role: sre, count: 1}]",
                               "loosened: [{role: legal, count: 1}]"))
    b.commit("2025-12-15", "Loosenings need legal only")


def build(root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="slopolicy-example-keys-") as tmp:
        keys = Path(tmp)
        for user in USERS:  # ssh-keygen refuses a private key others can read
            shutil.copyfile(KEYS / user, keys / user)
            os.chmod(keys / user, 0o600)
        b = Builder(root, keys)
        start(b)
        globex(b)
        initech(b)
        policy(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to build it (new or empty)")
    folder = parser.parse_args(argv).folder
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        print(f"build.py: {folder} exists and is not an empty folder", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    try:
        build(folder)
    except BuildError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    head = subprocess.run(["git", "-C", str(folder), "log", "--format=%h %ad %s", "--date=short"],
                          capture_output=True, text=True, check=True).stdout
    print(f"built {folder}:\n{head}", end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
