"""slopolicy completion: print the shell completion script for bash, zsh or fish.

The scripts come from argcomplete, a maintained library: on TAB the shell
runs slopolicy with argcomplete's variables set, and the command line
answers from the same parser it runs with, so completion always knows every
command, option and ``--format`` choice of the installed version. argcomplete
is imported only then, never on an ordinary run.
"""
from __future__ import annotations

import argparse
import sys

from slopolicy.model.errors import UsageError

NAME = "completion"
HELP = "print the shell completion script (bash, zsh or fish)"
SHELLS = ("bash", "zsh", "fish")
DESCRIPTION = """\
Print the script that completes slopolicy's commands, options, --format
choices, kinds, rule ids and file names when you press TAB in bash, zsh or
fish. Load it from your shell's start-up file, or save it where the shell
looks for completions.
"""
EPILOG = """\
exit codes:
  0  printed
  2  unknown shell

examples:
  bash:  slopolicy completion bash > ~/.local/share/bash-completion/completions/slopolicy
         (or add `eval "$(slopolicy completion bash)"` to ~/.bashrc)
  zsh:   eval "$(slopolicy completion zsh)"        in ~/.zshrc, after `compinit`
  fish:  slopolicy completion fish > ~/.config/fish/completions/slopolicy.fish
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL",
                        help=f"the shell: {', '.join(SHELLS)}")


def script(shell: str) -> str:
    """The completion script of ``shell``, as argcomplete writes it for slopolicy."""
    try:
        from argcomplete import shell_integration
    except ImportError:  # a dependency: only a broken install lacks it
        raise UsageError("shell completion needs argcomplete: pip install argcomplete") from None
    code: str = shell_integration.shellcode(["slopolicy"], shell=shell)
    return code


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return 0
