"""The command registry: every command module owns its arguments and work, the CLI lists them.

``slopolicy --help`` shows exactly the registry's commands, each module has
the shape the CLI builds its parser from, and building the parser stays
cheap: no engine, git, schema or YAML code is loaded to parse arguments.
"""
from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import RATIO_SLI, Project

from slopolicy.commands import COMMANDS, load

# Loaded only to run a command, never to build the parser.
HEAVY = ("jsonschema", "jsonschema_rs", "celpy", "ruamel", "pathspec", "referencing",
         "argcomplete")
PARSER_MODULES = re.compile(
    r"slopolicy(\.cli|\.commands(\.\w+)?|\.model|\.model\.errors"
    r"|\.report|\.report\.output|\.report\.(check|changes|audit|fixtures))?"
)


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from slopolicy.cli import main

    with pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def listed_commands(text: str) -> list[tuple[str, str]]:
    """(name, help) of each command the program's --help lists."""
    listing = text.split("  COMMAND\n", 1)[1].split("\noptions:", 1)[0]
    found: list[tuple[str, str]] = []
    for line in listing.splitlines():
        first = re.match(r"^    (\S+)(?:\s+(.*))?$", line)  # a long name: help on the next line
        if first:
            found.append((first.group(1), first.group(2) or ""))
        elif found and line.strip():  # a help line wrapped by argparse
            found[-1] = (found[-1][0], f"{found[-1][1]} {line.strip()}".strip())
    return found


def test_help_lists_exactly_the_registry_commands(capsys: pytest.CaptureFixture[str]) -> None:
    listed = listed_commands(help_of(capsys))
    assert [name for name, _ in listed] == list(COMMANDS)
    assert [text for _, text in listed] == [load(name).HELP for name in COMMANDS]


def test_help_before_a_command_still_lists_them_all(capsys: pytest.CaptureFixture[str]) -> None:
    from slopolicy.cli import main

    with pytest.raises(SystemExit):
        main(["--help", "check"])
    assert [name for name, _ in listed_commands(capsys.readouterr().out)] == list(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_module_has_the_command_shape(name: str) -> None:
    command = load(name)
    assert command.NAME == name
    assert command.HELP and "\n" not in command.HELP
    assert command.DESCRIPTION.strip() and command.EPILOG.strip()
    assert [p.kind for p in inspect.signature(command.add_arguments).parameters.values()] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert len(inspect.signature(command.run).parameters) == 1


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_help_shows_its_own_description_and_epilog(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = help_of(capsys, name)
    command = load(name)
    assert text.startswith(f"usage: slopolicy {name} ")
    assert command.DESCRIPTION in text and command.EPILOG in text
    assert "exit codes:" in text
    assert max(len(line) for line in text.splitlines()) <= 100  # no unwrapped paragraph


def loaded_after(code: str, cwd: Path) -> list[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"import sys, io, contextlib\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True,
                          text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_building_the_parser_loads_no_command_work(tmp_path: Path) -> None:
    loaded = loaded_after("from slopolicy.cli import build_parser\nbuild_parser([])", tmp_path)
    assert {f"slopolicy.commands.{name}" for name in COMMANDS} <= set(loaded)
    ours = [m for m in loaded if m.startswith("slopolicy") and not PARSER_MODULES.fullmatch(m)]
    assert ours == []
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def test_a_command_help_loads_only_that_command(tmp_path: Path) -> None:
    loaded = loaded_after(
        "from slopolicy.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--debug', 'check', '--help'])\n"
        "    except SystemExit:\n        pass",
        tmp_path)
    assert [m for m in loaded if m.startswith("slopolicy.commands.")] == ["slopolicy.commands.check"]
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []
    assert not [m for m in loaded if m.startswith("slopolicy") and not PARSER_MODULES.fullmatch(m)]


def test_a_run_dispatches_to_its_command_only(project: Project) -> None:
    run = project.run("--debug", "schema", "config")
    assert run.code == 0 and run.json["$id"].endswith("config.schema.json")
    assert project.run("schema", "Nope").code == 2  # its UsageError maps to exit 2
    assert "slopolicy.commands.init" not in loaded_after(
        "from slopolicy.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['schema', 'SLA'])",
        project.root)


SLI_DOC = RATIO_SLI
# What a check of one valid file never needs: the full validator (only a refused
# document is explained), git, CEL, worker processes, the change rules, the CI reports,
# dataclasses (values are structs: a dataclass costs a millisecond to define).
NOT_FOR_A_VALID_FILE = ("jsonschema", "referencing", "git", "celpy", "multiprocessing",
                        "slopolicy.gitops", "slopolicy.changes", "slopolicy.report.sarif",
                        "slopolicy.report.junit", "dataclasses")


def imported_by_check(folder: Path, *args: str) -> tuple[int, set[str]]:
    """A real ``python -X importtime -m slopolicy check ARGS``: its exit code and every module
    it imported (its stderr lists them, as the process ends without tearing down)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "slopolicy", "check",
                           "--no-cache", *args], cwd=folder, capture_output=True, text=True)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and "[us]" not in line}
    return done.returncode, modules


def warm_hook_imports(root: Path, path: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """pre-commit's ``check --changed FILE`` in a real ``python -X importtime``: the run, and
    every module it imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "slopolicy", "check",
                           "--changed", path], cwd=root, capture_output=True, text=True)
    return done, {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                  if line.startswith("import time:") and "[us]" not in line}


def test_the_warm_hook_matches_no_glob_for_a_file_the_index_lists(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm hook run whose file the project index lists matches no glob: pathspec (and
    asyncio with it, before Python 3.13) is not loaded."""
    project.write("slis/checkout.yaml", SLI_DOC)
    project.write("slis/search.yaml", SLI_DOC.replace("api-success", "search-success"))
    project.write(".slopolicy.yaml", "documents:\n  include: [slis/]\n")
    monkeypatch.setenv("PRE_COMMIT", "1")
    time.sleep(2.2)  # settled files and folders: the index keeps the list of files
    assert project.check().code == 0  # the full check writes the project index
    project.write("slis/search.yaml", SLI_DOC.replace("api-success", "search-ok"))
    done, modules = warm_hook_imports(project.root, "slis/search.yaml")
    assert done.returncode == 0 and "no problems in 1 document in 1 file" in done.stdout
    assert "slopolicy.check.incremental" in modules
    assert "pathspec" not in modules and "asyncio" not in modules
    assert "dataclasses" not in modules
    # a file the index does not list is matched against the globs, as before: skipped here
    project.write("notes.yaml", "just: notes\n")
    done, modules = warm_hook_imports(project.root, "notes.yaml")
    assert done.returncode == 0 and "pathspec" in modules
    assert "no problems in 0 documents in 0 files" in done.stdout


def test_a_one_file_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sli.yaml").write_text(SLI_DOC)
    code, modules = imported_by_check(tmp_path, "sli.yaml")
    assert code == 0
    assert {"slopolicy.check.engine", "jsonschema_rs"} <= modules  # it did check the file
    heavy = sorted(m for m in modules if any(m == n or m.startswith(n + ".")
                                            for n in NOT_FOR_A_VALID_FILE))
    assert heavy == []
    # a refused document is explained: then, and only then, jsonschema loads
    (tmp_path / "sli.yaml").write_text(SLI_DOC.replace("counter: true", "counter: maybe"))
    code, modules = imported_by_check(tmp_path, "sli.yaml")
    assert code == 1 and "jsonschema" in modules

