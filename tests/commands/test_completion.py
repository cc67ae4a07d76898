"""Shell completion: the scripts ``slopolicy completion SHELL`` prints, sourced in real shells.

bash runs its completion function as readline would call it; zsh is typed
at, TAB included, on a pseudo-terminal; fish answers ``complete -C``. Each
completion runs the installed ``slopolicy`` command, as a user's shell would.
"""
from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Project

from slopolicy.cli import main

BASH_DRIVER = r"""
source <(slopolicy completion bash)
complete_line() {
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
    read -ra COMP_WORDS <<<"$1"
    [[ "$1" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _python_argcomplete slopolicy
    printf '%s\n' "${COMPREPLY[@]}" "--"
}
for line in "$@"; do complete_line "$line"; done
"""


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's shell: slopolicy on the PATH, no start-up files of ours."""
    assert shutil.which("slopolicy"), "the slopolicy command is installed (pip install -e .)"
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_ARC", "COMP_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), TERM="xterm")
    return env


def answers(output: str, end: str = "--") -> list[list[str]]:
    """The completions of each line, as the driver prints them (each list ends with ``end``)."""
    found: list[list[str]] = [[]]
    for line in output.splitlines():
        if line == end:
            found.append([])
        else:
            found[-1].append(line.strip())
    return found[:-1]


def test_bash_completes_commands_options_choices_kinds_and_rules(
        tmp_path: Path, shell_env: dict[str, str]) -> None:
    lines = ["slopolicy ch", "slopolicy check --fo", "slopolicy check --format ",
             "slopolicy schema S", "slopolicy rules explain slo-st", "slopolicy test --format j"]
    done = subprocess.run(["bash", "-c", BASH_DRIVER, "bash", *lines], cwd=tmp_path,
                          env=shell_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    check, option, formats, kinds, rules, junit = answers(done.stdout)
    assert check == ["check"]
    assert option == ["--format"]
    assert formats == ["text", "json", "github", "sarif", "junit", "markdown",
                       "codeclimate"]
    assert kinds == ["SLO", "SLI", "Service", "SLA", "ServiceLevelObjective"]  # Pyrra's too
    assert rules == ["slo-stricter-than-sla"]
    assert junit == ["junit"]


def test_bash_completes_file_names_for_paths(tmp_path: Path, shell_env: dict[str, str]) -> None:
    (tmp_path / "slas").mkdir()
    (tmp_path / "slas" / "globex.yaml").write_text("")
    done = subprocess.run(["bash", "-c", BASH_DRIVER, "bash", "slopolicy check sl",
                           "slopolicy check slas/g"], cwd=tmp_path, env=shell_env,
                          capture_output=True, text=True, timeout=120)
    assert answers(done.stdout) == [["slas/"], ["slas/globex.yaml"]]


def test_fish_completes_from_its_script(tmp_path: Path, shell_env: dict[str, str]) -> None:
    script = ("slopolicy completion fish | source\n"
              "complete -C 'slopolicy ch'; echo @@\n"
              "complete -C 'slopolicy audit --format '; echo @@\n"
              "complete -C 'slopolicy completion '; echo @@\n")
    done = subprocess.run(["fish", "--no-config", "-c", script], cwd=tmp_path, env=shell_env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    check, formats, shells = ([line.split("\t")[0] for line in answer]  # name, tab, help
                              for answer in answers(done.stdout, end="@@"))
    assert check == ["check"]
    assert formats == ["csv", "html", "json", "markdown", "text"]  # fish sorts them
    assert [name for name in shells if not name.startswith("-")] == ["bash", "fish", "zsh"]


class Terminal:
    """An interactive shell on a pseudo-terminal: type at it, read what it shows."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        self.process = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, cwd=cwd,
                                        env=env, start_new_session=True)
        os.close(child)
        self.screen = b""

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_for(self, pattern: str, seconds: float = 60) -> str:
        """The text shown since the last wait, once it matches ``pattern``."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    break
            text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.screen.decode("utf-8", "replace"))
            if re.search(pattern, text):
                self.screen = b""
                return text
        raise AssertionError(f"{pattern!r} never shown; the screen: {self.screen!r}")

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        os.close(self.fd)


def test_zsh_completes_at_the_prompt(tmp_path: Path, shell_env: dict[str, str]) -> None:
    (tmp_path / ".git").mkdir()  # an empty repository: `slopolicy check` finds no documents
    zsh = Terminal(["zsh", "-f", "-i"], tmp_path, shell_env)
    try:
        # The prompt is written in two parts so that the echoed command line never matches it.
        zsh.type("autoload -U compinit && compinit -u && eval \"$(slopolicy completion zsh)\""
                 " && PS1='RE''ADY> '\n")
        zsh.wait_for("READY> ")
        zsh.type("slopolicy ch\t")
        assert "slopolicy check" in zsh.wait_for("check")
        zsh.type("--format \t")
        # the whole listing: a loaded machine may show it in pieces, and zsh sorts it
        names = ("text", "json", "github", "sarif", "junit", "markdown", "codeclimate")
        listing = zsh.wait_for("(?s)" + "".join(f"(?=.*{name})" for name in names))
        assert all(name in listing for name in names)
        zsh.type("\x15slopolicy sch\t")  # a new line: ^U clears the old one
        zsh.wait_for("slopolicy schema")
        zsh.type("\n")  # run what TAB completed
        zsh.wait_for(r'"\$schema": "https://json-schema.org/draft/2020-12/schema"')
    finally:
        zsh.close()


def test_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["completion", "tcshh"])
    assert done.value.code == 2
    assert "invalid choice: 'tcshh'" in capsys.readouterr().err


def test_an_ordinary_run_never_imports_argcomplete(project: Project) -> None:
    script = ("import sys\nfrom slopolicy.cli import main\nmain(['schema', 'SLA'])\n"
              "print('argcomplete' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True,
                          text=True, check=True)
    assert done.stderr == "False\n"
