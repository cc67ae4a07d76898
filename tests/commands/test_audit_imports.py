"""``slopolicy audit`` imports what it uses: a real run, in a real ``python -X importtime``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import git
from gitrepos import POLICY, sla

import slopolicy

# Modules the audit of a repository with the default document globs has no use for: pathspec
# (and asyncio, which it brings before Python 3.13) matches only other globs, and jsonschema
# only explains a document that jsonschema_rs refused.
UNUSED = ("pathspec", "asyncio", "jsonschema")


def commit(root: Path, message: str, date: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, env={
        "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@acme.example",
        "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@acme.example",
        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


def audit_imports(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    # the slopolicy under test, whatever the folder it runs in
    source = str(Path(slopolicy.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "slopolicy", "audit", *args],
                          cwd=root, env=env, capture_output=True, text=True)
    return done, {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                  if line.startswith("import time:") and "[us]" not in line}


def test_an_audit_imports_only_what_it_uses(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / ".slopolicy.yaml").write_text(POLICY)
    (tmp_path / "slas").mkdir()
    (tmp_path / "slas" / "globex.yaml").write_text(sla(1, "2025-01-01", "99.9"))
    commit(tmp_path, "globex v1", "2025-03-01T12:00:00+00:00")
    (tmp_path / "slas" / "globex.yaml").write_text(sla(2, "2025-04-01", "99.95"))
    commit(tmp_path, "globex v2", "2025-03-10T12:00:00+00:00")
    done, modules = audit_imports(tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    versions = json.loads(done.stdout)["agreements"][0]["versions"]
    assert [v["version"] for v in versions] == [1, 2]  # it did walk the history
    assert "slopolicy.gitops.audit" in modules
    assert sorted(m for m in modules if m.split(".")[0] in UNUSED) == []
    # a glob of the project's own is matched as before, by pathspec
    (tmp_path / ".slopolicy.yaml").write_text(POLICY + "documents:\n  include: [slas/]\n")
    commit(tmp_path, "only slas/", "2025-03-11T12:00:00+00:00")
    done, modules = audit_imports(tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pathspec" in modules
