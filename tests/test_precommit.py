"""The real pre-commit, running this checkout's hook in a throwaway repository."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, git

GOOD = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n"
BAD = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: Check Out\n"


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        ["pre-commit", "try-repo", str(REPO), "slopolicy", "--files", *files, "--verbose"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@acme.example")
    git(path, "config", "user.name", "Dev")
    return path


def test_hook_fails_on_a_bad_document_and_passes_on_a_good_one(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "good.yaml").write_text(GOOD)
    (repo / "bad.yaml").write_text(BAD.replace("checkout", "x"))
    (repo / "ci.yml").write_text("on: push\njobs: {}\n")  # foreign YAML pre-commit also passes
    git(repo, "add", ".")

    passed = try_repo(repo, pre_commit_home, "good.yaml", "ci.yml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    failed = try_repo(repo, pre_commit_home, "bad.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.yaml:4:9: error [schema]" in failed.stdout


def test_hook_keeps_cross_file_rules_complete(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "a.yaml").write_text(GOOD)
    (repo / "b.yaml").write_text(GOOD)  # the same Service name again
    git(repo, "add", ".")
    only_b = try_repo(repo, pre_commit_home, "b.yaml")
    assert only_b.returncode == 1
    assert "b.yaml:4:9: error [duplicate-name]" in only_b.stdout


def test_pre_push_hook_gates_an_unapproved_sla_change(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ".slopolicy.yaml").write_text(
        "approvals:\n  roles: {legal: [alice@acme.example]}\n"
        "  require: {modified: [{role: legal, count: 1}]}\n"
        "rules: {sla-backed-by-slo: 'off'}\n"
    )
    sla = (
        "apiVersion: slopolicy/v1\nkind: SLA\nmetadata: {name: globex}\nspec:\n"
        "  customer: globex\n  service: api\n  version: 1\n  effective: {from: 2025-01-01}\n"
        "  window: {calendar: month, timeZone: UTC}\n  budgetingMethod: Occurrences\n"
        "  objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]\n"
    )
    (repo / "sla.yaml").write_text(sla)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "sla.yaml").write_text(
        sla.replace("version: 1", "version: 2").replace("2025-01-01", "2099-01-01")
        .replace("99.9}", "99.95}")
    )
    git(repo, "commit", "-qam", "tighten")
    head = git(repo, "rev-parse", "HEAD").strip()
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        ["pre-commit", "try-repo", str(REPO), "slopolicy-pre-push", "--hook-stage", "pre-push",
         "--from-ref", base, "--to-ref", head, "--verbose"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[sla-change-approval]" in done.stdout
    assert "needs 1 more legal approver" in done.stdout
