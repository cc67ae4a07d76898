from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from slopolicy.check import incremental
from slopolicy.cli import main

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# A request-ratio SLI that SLO fixtures reference as ``api-success``.
RATIO_SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-success
spec:
  ratioMetric:
    counter: true
    good:
      metricSource: {type: Prometheus, spec: {query: good}}
    total:
      metricSource: {type: Prometheus, spec: {query: total}}
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def problems(self) -> list[tuple[str, int, int, str]]:
        """(file, line, column, rule) of every problem, from a JSON report."""
        return [(p["file"], p["line"], p["column"], p["rule"]) for p in self.json["problems"]]


class Project:
    """A folder with files, where ``slopolicy`` runs in-process."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def run(self, *args: str) -> Run:
        self.capsys.readouterr()
        old = Path.cwd()
        os.chdir(self.root)
        try:
            code = main(list(args))
        finally:
            os.chdir(old)
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def check(self, *args: str) -> Run:
        return self.run("check", "--format", "json", *args)


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("PRE_COMMIT_FROM_REF", raising=False)
    monkeypatch.delenv("PRE_COMMIT_TO_REF", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a cache of its own
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # and a key to sign it
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()  # marks the repository root for config discovery
    return Project(root, capsys)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each check was answered from the project index (True) or in full."""
    found: list[bool] = []
    warm = incremental.warm

    def spy(*args: Any, **kwargs: Any) -> incremental.Warm | None:
        answer = warm(*args, **kwargs)
        found.append(answer is not None)
        return answer

    monkeypatch.setattr(incremental, "warm", spy)
    yield found


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=full_env, check=True, capture_output=True, text=True
    )
    return done.stdout


# -- real repositories and SSH keys for the change gate (tests/gitrepos.py) ----------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An ed25519 key pair per user (alice, bob, carol, dave, mallory), made once per module."""
    from gitrepos import Keys

    return Keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
         keys: Any) -> Any:
    """A real repository: main holds a policy and one SLA; branch ``change`` is checked out."""
    from gitrepos import make_repo

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a cache of its own
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # and a key to sign it
    return make_repo(tmp_path / "repo", capsys, monkeypatch, keys)
