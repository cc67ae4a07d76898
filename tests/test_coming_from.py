"""The README's "Coming from Sloth, Pyrra or Nobl9" runs as written."""
from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from slopolicy.cli import main


def section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## Coming from Sloth, Pyrra or Nobl9"):
                  readme.index("## Configuration")]


def test_the_readme_section_runs_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_ACTIONS", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "clone"  # a clone of the repository: the example, at its place
    shutil.copytree(REPO / "examples" / "coming-from", root / "examples" / "coming-from")
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    shown = re.findall(r"```console\n\$ (slopolicy [^\n]*)\n(.*?)```", section(), re.S)
    assert [command.split()[1] for command, _ in shown] == ["check", "convert", "fmt"]
    for command, expected in shown:
        capsys.readouterr()
        code = main(shlex.split(command)[1:])
        captured = capsys.readouterr()
        assert captured.out + captured.err == expected, command
        assert code == (0 if command.split()[1] == "convert" else 1), command
    written = re.search(r"`caddy.yaml`:\n\n```yaml\n(.*?)```", section(), re.S)
    assert written is not None
    assert (root / "caddy.yaml").read_text(encoding="utf-8") == written.group(1)
    assert os.path.exists(root / "examples" / "coming-from" / "slos" / "home-wifi.yml")


def test_the_example_keeps_the_projects_files_unchanged() -> None:
    example = REPO / "examples" / "coming-from" / "slos"
    formats = REPO / "tests" / "formats"
    assert (example / "home-wifi.yml").read_bytes() == (formats / "sloth" / "home-wifi.yml").read_bytes()
    assert (example / "caddy-response-latency.yaml").read_bytes() == (
        formats / "pyrra" / "caddy-response-latency.yaml").read_bytes()
