"""The documentation stands alone and says what CI does."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, Project

# Built in two parts so that this file does not match itself.
UNSHIPPED = "DES" + "IGN"
CITATION = re.compile(rf"(?i:{UNSHIPPED}\.md)|(?i:{UNSHIPPED}\s*§)|\b{UNSHIPPED}\b")

# What a user or a maintainer gets: the package, its data, the docs, the examples,
# and the tests, scripts and CI that ship in the source distribution.
SHIPPED = ["slopolicy", "schemas", "policies", "presets", "examples", "docs", "bench", "scripts",
           "tests", ".ci", "README.md", "CONTRIBUTING.md", "RELEASING.md", "action.yml",
           "pyproject.toml",
           ".pre-commit-hooks.yaml"]
NOT_SHIPPED = {"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}


def shipped_files() -> list[Path]:
    found = []
    for name in SHIPPED:
        top = REPO / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        found += [p for p in candidates
                  if p.is_file() and not NOT_SHIPPED & set(p.relative_to(REPO).parts)]
    return found


def test_no_shipped_file_cites_a_design_document() -> None:
    files = shipped_files()
    assert REPO / "README.md" in files and REPO / "slopolicy" / "slo" / "dominance.py" in files
    cited = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in files
             for number, line in enumerate(path.read_bytes().decode("utf-8", "replace")
                                           .splitlines(), 1)
             if CITATION.search(line)]
    assert cited == []


def test_the_citation_pattern_catches_what_it_must() -> None:
    for text in (f"see {UNSHIPPED}.md", f"({UNSHIPPED.lower()} §2)", f"as {UNSHIPPED} says",
                 f"{UNSHIPPED}'s k*b*W"):
        assert CITATION.search(text), text
    for text in ("a design choice", "designed to be safe", "SARIF §3.11.6"):
        assert not CITATION.search(text), text


def test_rules_explain_stands_alone_for_every_built_in_rule(project: Project) -> None:
    listed = project.run("rules", "--format", "json")
    assert listed.code == 0
    ids = [rule["id"] for rule in listed.json]
    assert len(ids) >= 20
    for rule in ids:
        explained = project.run("rules", "explain", rule)
        assert explained.code == 0, rule
        assert not CITATION.search(explained.out), (rule, explained.out)
        assert "Passing example" in explained.out and "Failing example" in explained.out, rule


def console_commands(markdown: str, heading: str) -> list[str]:
    """The ``$ `` lines of the first console block under ``heading``."""
    section = markdown[markdown.index(heading):]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None, heading
    return [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]


def test_ci_runs_exactly_the_readme_test_commands() -> None:
    readme = console_commands((REPO / "README.md").read_text(encoding="utf-8"),
                              "## Run the tests\n")
    assert readme[0] == 'pip install -e ".[test]"'
    assert {"ruff check .", "mypy"} <= set(readme) and readme[1].startswith("pytest")
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    ran = [line.split(" || ")[0].strip() for line in script.splitlines()
           if re.match(r"\s*(pip|python -m pip|pytest|python -m pytest|ruff|mypy)\b", line)]
    assert ran == readme


def test_contributing_gives_the_same_commands_as_the_readme() -> None:
    readme = console_commands((REPO / "README.md").read_text(encoding="utf-8"),
                              "## Run the tests\n")
    contributing = console_commands((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8"),
                                    "## Running the checks\n")
    assert contributing == readme


def test_ci_fails_when_pytest_runs_no_test() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'if \[ "\$status" -eq 5 \]; then\n(.*\n){1,2}\s*failed\+=\(pytest\)', script)


def test_contributing_names_modules_that_exist() -> None:
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    package = REPO / "slopolicy"
    named = set(re.findall(r"`(?:slopolicy/)?([\w/]+\.py)`", text))
    assert len(named) > 20
    missing = [name for name in sorted(named)
               if not (package / name).exists() and not list(package.rglob(name))
               and not (REPO / name).exists() and not (REPO / "tests" / name).exists()]
    assert missing == []


def test_the_readme_links_contributing() -> None:
    assert "[CONTRIBUTING.md](CONTRIBUTING.md)" in (REPO / "README.md").read_text(encoding="utf-8")
