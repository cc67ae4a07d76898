"""The cache folder is bound to a release's version, and to the files of code under development.

Real installs into a virtual environment made here: a regular install of
this tree (as pip installs a release) and an editable one, each asked what
it binds its results to, and a regular install installed again (every file
rewritten) still finds the cache of its version.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TREE = Path(__file__).resolve().parents[2]
ASK = ("import json, slopolicy; from slopolicy.cache import store; "
       "print(json.dumps([slopolicy.__file__, store.code_binding()]))")

pytestmark = pytest.mark.xdist_group("install-binding")  # pip installs one at a time


def venv(tmp_path: Path) -> Path:
    """A virtual environment that sees the installed dependencies, without pip of its own."""
    folder = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(folder)], check=True)
    return folder / "bin" / "python"


def install(python: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
                    *args], check=True, capture_output=True)


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the install, not the tree
    return {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "XDG_CONFIG_HOME": str(tmp_path / "config")}


def binding(python: Path, env: dict[str, str]) -> tuple[str, str]:
    done = subprocess.run([str(python), "-c", ASK], env=env, cwd=python.parent,
                          capture_output=True, text=True, check=True)
    module, bound = json.loads(done.stdout)
    return module, bound


def test_a_regular_install_binds_to_its_version_and_finds_its_cache_again(
        tmp_path: Path) -> None:
    python = venv(tmp_path)
    env = environment(tmp_path)
    install(python, str(TREE))
    module, bound = binding(python, env)
    site = python.parent.parent / "lib"
    assert Path(module).is_relative_to(site)  # the installed copy answers, not this tree
    assert bound.startswith("release 0.1.0 ")
    direct = next(site.rglob("slopolicy-*.dist-info/direct_url.json"))
    assert json.loads(direct.read_text())["dir_info"].get("editable", False) is False
    project = tmp_path / "project"
    (project / "slos").mkdir(parents=True)
    (project / ".slopolicy.yaml").write_text("extends: default\n")
    (project / "slos" / "a.yaml").write_text(
        "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: a}\nspec: {}\n")
    check = [str(python), "-m", "slopolicy", "check"]
    subprocess.run(check, cwd=project, env=env, check=True, capture_output=True)
    folders = sorted(p.name for p in (tmp_path / "cache" / "slopolicy").iterdir())
    install(python, "--force-reinstall", str(TREE))  # every module written anew
    assert binding(python, env)[1] == bound
    subprocess.run(check, cwd=project, env=env, check=True, capture_output=True)
    assert sorted(p.name for p in (tmp_path / "cache" / "slopolicy").iterdir()) == folders


def checkout(tmp_path: Path) -> Path:
    """A copy of this tree, whose files a test may change."""
    tree = tmp_path / "tree"
    for name in ("slopolicy", "schemas", "presets"):
        shutil.copytree(TREE / name, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(TREE / name, tree / name)
    return tree


def test_an_editable_install_binds_to_the_state_of_its_files(tmp_path: Path) -> None:
    python = venv(tmp_path)
    env = environment(tmp_path)
    tree = checkout(tmp_path)  # a checkout of its own: its files are touched below
    install(python, "-e", str(tree))
    module, bound = binding(python, env)
    assert Path(module).is_relative_to(tree)
    assert not bound.startswith("release") and str(tree / "slopolicy") in bound
    rules = tree / "slopolicy" / "rules" / "credit_tiers.py"
    rules.write_text(rules.read_text() + "\n# an edit under development\n")
    assert binding(python, env)[1] != bound


def test_other_code_installed_under_the_same_version_never_reads_its_answers(
        tmp_path: Path) -> None:
    """pre-commit pins a commit of main by its SHA until the first release, and every
    commit of main is version 0.1.0: moving the pin installs other code under the same
    version. Its answers must be its own, not the cached ones of the code it replaced."""
    python = venv(tmp_path)
    env = environment(tmp_path)
    project = tmp_path / "project"
    (project / "slos").mkdir(parents=True)
    (project / ".slopolicy.yaml").write_text("extends: default\n")
    (project / "slos" / "a.yaml").write_text(
        "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: a}\nspec: {}\n")
    check = [str(python), "-m", "slopolicy", "check", "--format", "json"]

    def problems(*extra: str) -> list[str]:
        done = subprocess.run([*check, *extra], cwd=project, env=env, capture_output=True,
                              text=True)
        return [p["message"] for p in json.loads(done.stdout)["problems"]]

    install(python, str(TREE))
    first = binding(python, env)[1]
    assert problems() == []  # and the cache now holds the answer of this code
    tree = checkout(tmp_path)
    rule = tree / "slopolicy" / "rules" / "ambiguous_duration.py"
    text = rule.read_text()
    edited = text.replace(
        "    if doc.kind == \"SLO\":\n",
        "    yield Finding(\"the new code's finding\", document=doc, path=(\"metadata\",))\n"
        "    if doc.kind == \"SLO\":\n", 1)
    assert edited != text
    rule.write_text(edited)
    install(python, "--force-reinstall", str(tree))  # a regular install, version 0.1.0
    second = binding(python, env)[1]
    assert second.startswith("release 0.1.0") and second != first
    assert problems() == problems("--no-cache") == ["the new code's finding"]
    install(python, "--force-reinstall", str(TREE))  # the first code again: its cache
    assert binding(python, env)[1] == first
    assert problems() == []


def test_only_the_metadata_beside_the_package_makes_it_a_release(tmp_path: Path) -> None:
    """The release is told from the ``dist-info`` folder pip wrote beside the package.
    Two installs' metadata side by side, or a RECORD that does not list the package,
    cannot say which code runs: the results bind to its files instead."""
    python = venv(tmp_path)
    env = environment(tmp_path)
    install(python, str(TREE))
    module, bound = binding(python, env)
    assert bound.startswith("release 0.1.0 ")
    site = Path(module).parent.parent
    info = next(site.glob("slopolicy-*.dist-info"))
    stale = site / "slopolicy-0.0.9.dist-info"
    shutil.copytree(info, stale)  # an older install's metadata left behind
    _, two = binding(python, env)
    assert not two.startswith("release") and str(site / "slopolicy") in two
    shutil.rmtree(stale)
    assert binding(python, env)[1] == bound
    record = info / "RECORD"
    rows = record.read_text().splitlines()
    record.write_text("\n".join(r for r in rows if not r.startswith("slopolicy/__init__.py,")))
    assert not binding(python, env)[1].startswith("release")
