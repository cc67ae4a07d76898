"""The terminal: colour where the report lands on one, --color/NO_COLOR/FORCE_COLOR, -q and -v.

slopolicy runs as a process with its stdout on a real pseudo-terminal (or a
pipe, or a file), as a person's shell or a CI log would give it.
"""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

ESC = "\x1b["
BAD = 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: "Check Out"\n'
GOOD = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: checkout}\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "PRE_COMMIT", "TERM")}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def on_terminal(cwd: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run slopolicy with stdout and stderr on a pseudo-terminal; (exit code, screen text)."""
    main, child = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "slopolicy", *args], cwd=cwd, stdin=child,
                          stdout=child, stderr=child, env=_env(**env)) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=60)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def piped(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slopolicy", *args], cwd=cwd,
                          capture_output=True, text=True, env=_env(**env), timeout=60)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "bad.yaml").write_text(BAD)
    (root / "good.yaml").write_text(GOOD)
    return root


def test_a_terminal_gets_colour(broken: Path) -> None:
    code, screen = on_terminal(broken, "check")
    assert code == 1
    assert f"bad.yaml:4:9: {ESC}31merror{ESC}0m [schema]" in screen
    assert f"{ESC}31mslopolicy: 1 error, 0 warnings" in screen


@pytest.mark.parametrize(("args", "env"), [
    (("check",), {"NO_COLOR": "1"}),
    (("check", "--color", "never"), {}),
    (("check", "--color", "never"), {"FORCE_COLOR": "1"}),
    (("check",), {"FORCE_COLOR": "0"}),
    (("check",), {"TERM": "dumb"}),
    (("check",), {"NO_COLOR": "1", "FORCE_COLOR": "1"}),  # NO_COLOR wins
])
def test_a_terminal_gets_no_colour_when_asked(broken: Path, args: tuple[str, ...],
                                              env: dict[str, str]) -> None:
    code, screen = on_terminal(broken, *args, **env)
    assert code == 1 and "bad.yaml:4:9: error [schema]" in screen
    assert ESC not in screen


def test_an_empty_no_color_does_not_turn_colour_off(broken: Path) -> None:
    """no-color.org: NO_COLOR counts when it is present and not empty."""
    _, screen = on_terminal(broken, "check", NO_COLOR="")
    assert f"{ESC}31merror" in screen


def test_a_pipe_gets_colour_only_when_forced(broken: Path) -> None:
    assert ESC not in piped(broken, "check").stdout
    assert f"{ESC}31merror" in piped(broken, "check", FORCE_COLOR="1").stdout
    assert f"{ESC}31merror" in piped(broken, "check", "--color", "always").stdout
    assert f"{ESC}31merror" in piped(broken, "check", "--color", "always", NO_COLOR="1").stdout


def test_a_report_file_gets_no_colour_from_a_terminal(broken: Path) -> None:
    code, screen = on_terminal(broken, "check", "--output", "report.txt", FORCE_COLOR="1")
    assert code == 1 and screen == ""
    written = (broken / "report.txt").read_text()
    assert "bad.yaml:4:9: error [schema]" in written and ESC not in written


def test_machine_formats_never_get_colour(broken: Path) -> None:
    _, screen = on_terminal(broken, "check", "--format", "json", "--color", "always")
    assert '"rule": "schema"' in screen and ESC not in screen


def test_quiet_prints_only_the_problems(broken: Path) -> None:
    done = piped(broken, "check", "-q")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bad.yaml:4:9: error [schema]")
    (broken / "bad.yaml").unlink()
    clean = piped(broken, "check", "--quiet")
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")


def test_verbose_says_where_and_what_was_read(broken: Path) -> None:
    done = piped(broken, "check", "-v")
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == "    in document Service/Check Out, path metadata.name"
    assert "slopolicy: configuration none (the default preset)" in done.stderr
    assert "2 file(s) read" in done.stderr and " s\n" in done.stderr


def test_quiet_and_verbose_exclude_each_other(broken: Path) -> None:
    done = piped(broken, "check", "-q", "-v")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
