"""The real pre-commit, running this checkout's hooks in throwaway repositories.

pre-commit installs a hook repository into a virtualenv of its own, which is
most of a run's time. ``pre-commit try-repo`` does that again on every call
(it keeps a store in a temporary folder), so these tests do what a user's
``.pre-commit-config.yaml`` does instead: they name a repository and a rev.
The repository is this checkout's files (committed, changed or staged, as
``try-repo`` takes them) committed once per module, and the hook environment
is built once into a ``PRE_COMMIT_HOME`` every test shares.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, git

from slopolicy import __version__

TAG = f"v{__version__}"
GOOD = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n"
BAD = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: Check Out\n"

# With pytest-xdist, every test of this module runs in one worker, which builds
# the hook environment once (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("pre-commit")


@dataclass(frozen=True)
class PreCommit:
    """pre-commit with a config naming this checkout's hooks, and a home shared by the tests."""

    config: Path
    home: Path
    hooks: Path  # the hook repository: this checkout, committed and tagged as a release

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PRE_COMMIT_HOME": str(self.home), "GIT_CONFIG_NOSYSTEM": "1"}
        for name in ("GITHUB_ACTIONS", "PYTHONPATH"):  # the hook runs the installed package
            env.pop(name, None)
        return env

    def run(self, repo: Path, *args: str, config: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pre-commit", *args, "--config", str(config or self.config)],
            cwd=repo, env=self.env(), capture_output=True, text=True, timeout=600,
        )

    def commit(self, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """``git commit`` with the hook installed, as a user commits."""
        if not (repo / ".git" / "hooks" / "pre-commit").exists():
            installed = self.run(repo, "install")
            assert installed.returncode == 0, installed.stdout + installed.stderr
        return subprocess.run(["git", "commit", "-q", *args], cwd=repo, env=self.env(),
                              capture_output=True, text=True, timeout=600)


def snapshot(dest: Path) -> str:
    """Commit this checkout's tracked and staged files, as they are on disk, into ``dest``."""
    dest.mkdir()
    for name in git(REPO, "ls-files", "-z").split("\0"):
        source = REPO / name
        if name and source.is_file():  # a tracked file deleted on disk is left out
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=Snapshot", "-c", "user.email=snapshot@slopolicy.invalid",
        "-c", "commit.gpgsign=false", "commit", "-qm", "snapshot")
    return git(dest, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> PreCommit:
    """The hook repository and its environment, made once for the module's tests."""
    root = tmp_path_factory.mktemp("pre-commit")
    hooks = root / "hooks"
    snapshot(hooks)
    # tagged as RELEASING.md tags a release, so the README's `rev:` names it
    git(hooks, "-c", "user.name=Snapshot", "-c", "user.email=snapshot@slopolicy.invalid",
        "tag", "-a", TAG, "-m", f"slopolicy {__version__}")
    config = root / "pre-commit-config.yaml"  # outside every test repository: never "unstaged"
    config.write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {TAG}\n"
        "    hooks: [{id: slopolicy}, {id: slopolicy-pre-push}, {id: slopolicy-fmt}]\n"
    )
    tool = PreCommit(config, root / "home", hooks)
    built = tool.run(hooks, "install-hooks")
    assert built.returncode == 0, built.stdout + built.stderr
    return tool


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@acme.example")
    git(path, "config", "user.name", "Dev")
    return path


def test_hook_fails_on_a_bad_document_and_passes_on_a_good_one(
    tmp_path: Path, pre_commit: PreCommit
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "good.yaml").write_text(GOOD)
    (repo / "bad.yaml").write_text(BAD.replace("checkout", "x"))
    (repo / "ci.yml").write_text("on: push\njobs: {}\n")  # foreign YAML pre-commit also passes
    git(repo, "add", ".")

    passed = pre_commit.run(repo, "run", "slopolicy", "--files", "good.yaml", "ci.yml", "--verbose")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

    failed = pre_commit.run(repo, "run", "slopolicy", "--files", "bad.yaml", "--verbose")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "bad.yaml:4:9: error [schema]" in failed.stdout


def test_the_readme_snippet_works_as_written(tmp_path: Path, pre_commit: PreCommit) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## pre-commit\n"):]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None and f"rev: {TAG}" in block.group(1)
    url = "https://github.com/slopolicy/slopolicy"
    assert url in block.group(1)
    config = tmp_path / "readme-config.yaml"
    config.write_text(block.group(1).replace(url, str(pre_commit.hooks)))
    repo = make_repo(tmp_path / "repo")
    (repo / "good.yaml").write_text(GOOD)
    (repo / "bad.yaml").write_text(BAD.replace("checkout", "x"))
    git(repo, "add", ".")
    passed = pre_commit.run(repo, "run", "--files", "good.yaml", config=config)
    assert passed.returncode == 0 and "slopolicy" in passed.stdout, passed.stdout + passed.stderr
    failed = pre_commit.run(repo, "run", "--files", "bad.yaml", config=config)
    assert failed.returncode == 1 and "bad.yaml:4:9: error [schema]" in failed.stdout


def test_hook_keeps_cross_file_rules_complete(tmp_path: Path, pre_commit: PreCommit) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "a.yaml").write_text(GOOD)
    (repo / "b.yaml").write_text(GOOD)  # the same Service name again
    git(repo, "add", ".")
    only_b = pre_commit.run(repo, "run", "slopolicy", "--files", "b.yaml", "--verbose")
    assert only_b.returncode == 1, only_b.stdout + only_b.stderr
    assert "b.yaml:4:9: error [duplicate-name]" in only_b.stdout


def test_pre_push_hook_gates_an_unapproved_sla_change(tmp_path: Path, pre_commit: PreCommit) -> None:
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
    done = pre_commit.run(repo, "run", "slopolicy-pre-push", "--hook-stage", "pre-push",
                          "--from-ref", base, "--to-ref", head, "--verbose")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[sla-change-approval]" in done.stdout
    assert "needs 1 more legal approver" in done.stdout


def test_fmt_hook_fails_on_a_file_out_of_layout_and_passes_once_formatted(
    tmp_path: Path, pre_commit: PreCommit
) -> None:
    repo = make_repo(tmp_path / "repo")
    laid_out = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout  # the shop\n"
    (repo / "svc.yaml").write_text(
        "kind: Service\napiVersion: openslo/v1\nmetadata: {name: checkout}  # the shop\n")
    (repo / "ci.yml").write_text("on:   push\njobs: {  }\n")  # other YAML: never ours to lay out
    git(repo, "add", ".")

    failed = pre_commit.run(repo, "run", "slopolicy-fmt", "--all-files", "--verbose")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "would reformat svc.yaml" in failed.stdout
    assert "ci.yml" not in failed.stdout
    assert (repo / "svc.yaml").read_text().startswith("kind: Service")  # --check writes nothing

    (repo / "svc.yaml").write_text(laid_out)
    git(repo, "add", ".")
    passed = pre_commit.run(repo, "run", "slopolicy-fmt", "--all-files", "--verbose")
    assert passed.returncode == 0, passed.stdout + passed.stderr


# -- pre-push to a remote this clone knows no branch of -------------------------------------

POLICY = (
    "approvals:\n  roles: {legal: [alice@acme.example]}\n"
    "  require: {modified: [{role: legal, count: 1}], added: [{role: legal, count: 1}]}\n"
    "rules: {sla-backed-by-slo: 'off'}\n"
)
SLA = (
    "apiVersion: slopolicy/v1\nkind: SLA\nmetadata: {name: globex}\nspec:\n"
    "  customer: globex\n  service: api\n  version: 1\n  effective: {from: 2025-01-01}\n"
    "  window: {calendar: month, timeZone: UTC}\n  budgetingMethod: Occurrences\n"
    "  objectives: [{name: availability, indicator: availability, targetPercent: 99.9}]\n"
)
TIGHTENED = (SLA.replace("version: 1", "version: 2").replace("2025-01-01", "2099-01-01")
             .replace("99.9}", "99.95}"))


def push(pre_commit: PreCommit, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git push ARGS``, running the pre-push hook pre-commit installed."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit.home), "GIT_CONFIG_NOSYSTEM": "1"}
    for name in ("GITHUB_ACTIONS", "PYTHONPATH", "PRE_COMMIT", "SKIP"):
        env.pop(name, None)
    return subprocess.run(["git", "push", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=600)


def gated_repo(tmp_path: Path, pre_commit: PreCommit) -> tuple[Path, Path]:
    """A repository with a policy and an SLA on main, a bare remote ``origin`` that holds
    nothing yet, and pre-commit's pre-push hook installed."""
    repo = make_repo(tmp_path / "repo")
    (repo / ".slopolicy.yaml").write_text(POLICY)
    (repo / "sla.yaml").write_text(SLA)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    installed = pre_commit.run(repo, "install", "--hook-type", "pre-push")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo, remote


def test_pre_push_to_a_remote_with_no_branch_known_refuses_with_the_fix(
        tmp_path: Path, pre_commit: PreCommit) -> None:
    repo, remote = gated_repo(tmp_path, pre_commit)
    git(repo, "checkout", "-q", "-b", "change")
    (repo / "sla.yaml").write_text(TIGHTENED)
    git(repo, "commit", "-qam", "tighten, unapproved")
    done = push(pre_commit, repo, "origin", "change")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "exit code: 2" in output
    assert "pushing to 'origin', but this clone knows no branch of it" in output
    assert "`git fetch origin && git remote set-head origin --auto`" in output
    assert git(remote, "for-each-ref") == ""  # nothing was pushed


def test_pre_push_without_a_base_compares_with_the_remote_default_branch(
        tmp_path: Path, pre_commit: PreCommit) -> None:
    repo, remote = gated_repo(tmp_path, pre_commit)
    first = push(pre_commit, repo, "-q", "--no-verify", "origin", "main")
    assert first.returncode == 0, first.stderr
    git(repo, "remote", "set-head", "origin", "--auto")
    # a rewritten history shares no commit with the remote: pre-commit passes no base
    git(repo, "checkout", "-q", "--orphan", "rewrite")
    (repo / "sla.yaml").write_text(TIGHTENED)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "rewritten, unapproved")
    done = push(pre_commit, repo, "origin", "rewrite")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "[sla-change-approval]" in output
    assert "needs 1 more legal approver" in output
    assert "refs/heads/rewrite" not in git(remote, "for-each-ref")


# -- what a commit breaks elsewhere ------------------------------------------------


def acme(path: Path) -> Path:
    """examples/acme as a repository with one commit: clean, every SLA backed."""
    shutil.copytree(REPO / "examples" / "acme", path)
    make_repo_in(path)
    git(path, "add", "-A")
    git(path, "commit", "-qm", "acme")
    return path


def make_repo_in(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "dev@acme.example")
    git(path, "config", "user.name", "Dev")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def blocked(repo: Path, done: subprocess.CompletedProcess[str], head: str) -> str:
    """The hook's output, having checked that the commit did not happen."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head
    return done.stdout + done.stderr


def test_a_commit_renaming_an_slo_an_sla_names_is_blocked(
    tmp_path: Path, pre_commit: PreCommit
) -> None:
    repo = acme(tmp_path / "acme")
    head = git(repo, "rev-parse", "HEAD").strip()
    edit(repo / "slos" / "public-api.yaml", "name: public-api-availability",
         "name: public-api-uptime")
    out = blocked(repo, pre_commit.commit(repo, "-am", "rename the SLO"), head)
    # pre-commit passed only slos/public-api.yaml; the break is in the SLA
    assert "slas/globex.yaml:25:12: error [unresolved-reference]" in out


def test_a_commit_moving_an_slo_to_another_service_is_blocked(
    tmp_path: Path, pre_commit: PreCommit
) -> None:
    repo = acme(tmp_path / "acme")
    head = git(repo, "rev-parse", "HEAD").strip()
    edit(repo / "slos" / "public-api.yaml", "service: public-api\n", "service: checkout\n")
    out = blocked(repo, pre_commit.commit(repo, "-am", "move the SLOs"), head)
    assert "slas/globex.yaml:29:22: error [sla-backed-by-slo]" in out


def test_a_commit_deleting_an_slo_file_is_blocked(tmp_path: Path, pre_commit: PreCommit) -> None:
    repo = acme(tmp_path / "acme")
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "slos/public-api.yaml")  # pre-commit passes no file at all
    out = blocked(repo, pre_commit.commit(repo, "-m", "drop the public API SLOs"), head)
    assert "slas/globex.yaml:25:12: error [unresolved-reference]" in out
    assert "slas/globex.yaml:29:22: error [sla-backed-by-slo]" in out


def test_a_problem_that_was_already_there_does_not_block_an_unrelated_commit(
    tmp_path: Path, pre_commit: PreCommit
) -> None:
    repo = acme(tmp_path / "acme")
    # committed without the hook: an SLA naming an SLO that does not exist
    edit(repo / "slas" / "initech.yaml", "service: checkout", "service: checkout-v2")
    git(repo, "commit", "-qam", "an old mistake")
    edit(repo / "slos" / "public-api.yaml", "target: 0.9995", "target: 0.9996")
    done = pre_commit.commit(repo, "-am", "tighten the public API SLO")
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == "tighten the public API SLO"
    # the old mistake is still there for a full check to find
    full = pre_commit.run(repo, "run", "slopolicy", "--all-files")
    assert full.returncode == 1 and "slas/initech.yaml" in full.stdout, full.stdout
