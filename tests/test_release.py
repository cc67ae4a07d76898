"""Releases: every pin names the version being released, and pre-commit finds the tag.

The autoupdate test runs the real ``pre-commit autoupdate`` against a
repository holding this checkout's hook manifest, tagged with the command
RELEASING.md gives.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from conftest import REPO, git

from slopolicy import __version__

TAG = f"v{__version__}"
PINS = {
    "README.md": [r"^\s*rev: (\S+)", r"slopolicy/slopolicy@(\S+)"],
    "examples/ci/github-actions.yml": [r"slopolicy/slopolicy@(\S+)"],
    "examples/ci/gitlab-ci.yml": [r"github\.com/slopolicy/slopolicy@([^\"\s]+)"],
    "examples/ci/README.md": [r"slopolicy/slopolicy@(\S+?)`", r"^\s*rev: (\S+)"],
}


def test_every_pin_names_the_version_being_released() -> None:
    found: dict[str, list[str]] = {}
    for name, patterns in PINS.items():
        text = (REPO / name).read_text(encoding="utf-8")
        found[name] = [m.group(1) for p in patterns for m in re.finditer(p, text, re.M)]
    assert found["README.md"] and found["examples/ci/github-actions.yml"]
    assert found["examples/ci/gitlab-ci.yml"]
    assert {pin for pins in found.values() for pin in pins} == {TAG}
    gate = (REPO / "examples/ci/github-actions-gate.yml").read_text(encoding="utf-8")
    assert re.findall(r"slopolicy==(\S+)", gate) == [__version__]  # the release on PyPI


def tag_commands() -> list[list[str]]:
    """The ``git tag`` command lines of RELEASING.md, for this version."""
    text = (REPO / "RELEASING.md").read_text(encoding="utf-8")
    lines = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("$ git tag")]
    assert lines, "RELEASING.md shows no git tag command"
    return [shlex.split(line.replace("v0.1.0", TAG).replace("0.1.0", __version__))
            for line in lines]


def autoupdate(repo: Path, home: Path, *args: str) -> str:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(["pre-commit", "autoupdate", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return (repo / ".pre-commit-config.yaml").read_text()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Maintainer", "-c", "user.email=m@slopolicy.invalid",
        "-c", "commit.gpgsign=false", "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_pre_commit_autoupdate_moves_a_pinned_commit_to_the_release_tag(tmp_path: Path) -> None:
    upstream = tmp_path / "slopolicy"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    shutil.copy(REPO / ".pre-commit-hooks.yaml", upstream)
    first = commit(upstream, "hooks")
    (upstream / "README.md").write_text("slopolicy\n")
    second = commit(upstream, "the commit to release")

    user = tmp_path / "user"
    user.mkdir()
    git(user, "init", "-q", "-b", "main")
    # what RELEASING.md says to pin before the first release
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {upstream}\n    rev: {first}  # frozen: main\n"
        "    hooks:\n      - id: slopolicy\n")
    home = tmp_path / "home"
    assert f"rev: {second}\n" in autoupdate(user, home)  # no tag yet: the newest commit

    for command in tag_commands():
        git(upstream, "-c", "user.name=Maintainer", "-c", "user.email=m@slopolicy.invalid",
            *command[1:])
    assert git(upstream, "describe", "--tags", "--abbrev=0").strip() == TAG
    assert f"rev: {TAG}\n" in autoupdate(user, home)
    tag_object = git(upstream, "rev-parse", TAG).strip()  # an annotated tag: the tag object
    assert git(upstream, "rev-parse", f"{TAG}^{{commit}}").strip() == second
    assert f"rev: {tag_object}  # frozen: {TAG}\n" in autoupdate(user, home, "--freeze")


def test_the_msgspec_asked_for_works_out_a_replaced_value_again() -> None:
    """The value classes are msgspec structs whose ``__post_init__`` works out what they
    keep (a change's classes, a version's date, a roster's people): ``structs.replace``
    calls it from msgspec 0.21 on, and before that copies what the original had worked
    out (a customer's page then called an agreement given back "loosened", not "added")."""
    declared = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    floors = re.findall(r'"msgspec>=([0-9.]+)"', declared)
    assert len(floors) == 1
    assert tuple(int(part) for part in floors[0].split(".")) >= (0, 21)
