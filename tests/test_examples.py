"""The shipped examples behave as examples/README.md says."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import REPO

from slopolicy.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(REPO / "examples")
    try:
        code = main(list(args))
    finally:
        os.chdir(old)
    return code, capsys.readouterr().out


def test_acme_passes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code, out = run(capsys, "check", "acme")
    assert (code, out) == (0, "slopolicy: no problems in 14 documents in 9 files\n")


def test_acme_broken_output_is_what_the_readme_shows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code, out = run(capsys, "check", "acme-broken")
    readme = (REPO / "examples" / "README.md").read_text()
    shown = re.search(r"\$ slopolicy check examples/acme-broken\n(.*?)```", readme, re.S)
    assert shown is not None
    assert code == 1
    assert out == shown.group(1)


def test_readme_try_it_output_is_true(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    readme = (REPO / "README.md").read_text()
    shown = re.search(r"\$ pip install \. && slopolicy check examples/acme\n(.*?)```", readme, re.S)
    assert shown is not None
    code, out = run(capsys, "check", "acme")
    assert (code, out) == (0, shown.group(1))


def test_each_verdict_case_shows_what_its_readme_says(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    readme = (REPO / "examples" / "verdicts" / "README.md").read_text()
    shown = re.findall(r"\$ slopolicy check examples/(verdicts/[\w-]+)\n(.*?)```", readme, re.S)
    assert len(shown) == 14
    for folder, expected in shown:
        code, out = run(capsys, "check", folder)
        assert out == expected, folder
        errors = re.search(r"(\d+) errors?,", expected.splitlines()[-1])
        assert code == (1 if errors and errors.group(1) != "0" else 0), folder


def test_readme_audit_transcripts_are_what_the_built_history_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex
    import subprocess
    import sys

    for name in ("GITHUB_ACTIONS", "PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built = tmp_path / "acme-slas"  # the README's folder name shows in the audit's first line
    done = subprocess.run([sys.executable, str(REPO / "examples" / "audit" / "build.py"),
                           str(built)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    readme = (REPO / "README.md").read_text()
    start = readme.index("## Audit: `slopolicy audit`")
    section = readme[start:readme.index("\n## ", start)]
    assert "`python examples/audit/build.py /tmp/acme-slas && cd /tmp/acme-slas && " \
           "slopolicy audit ...`" in section
    shown = re.findall(r"```console\n\$ slopolicy (audit[^\n]*)\n(.*?)```", section, re.S)
    assert [command for command, _ in shown] == [
        "audit slas/globex.yaml --since 2025-03-10 --until 2025-08-31",
        "audit --as-of 2025-07-15", "audit --verify --format html --output audit.html",
        'audit slas/globex-public-api.yaml --format html --audience customer --title "Globex: '
        'your service levels" --output globex.html']
    monkeypatch.chdir(built)
    for command, expected in shown:
        code = main(shlex.split(command))
        captured = capsys.readouterr()
        assert captured.out + captured.err == expected, command
        assert code == (1 if "--verify" in command else 0), command
    assert (built / "audit.html").read_text().startswith("<!DOCTYPE html>")
    sent = (built / "globex.html").read_text()
    assert "<h1>Globex: your service levels</h1>" in sent and "e3a1836" not in sent
