"""Editors: the README's yaml-language-server setup, tried on the examples with check-jsonschema.

The schemas are written as the README says (``slopolicy schema``), associated
with files by the globs of its VS Code settings, and every document of every
file they match is validated as an editor validates it: one document at a
time. The examples pass, their CI workflows are left alone, and the broken
example's errors are found in whichever document of a file they are.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pathspec
import pytest
from conftest import REPO
from ruamel.yaml import YAML

README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLES = REPO / "examples"


def section(heading: str) -> str:
    start = README.index(f"## {heading}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else None]


def block(text: str, language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert found is not None, language
    return found.group(1)


def vscode_schemas() -> dict[str, list[str]]:
    """The README's VS Code settings: schema file -> globs."""
    settings = json.loads(block(section("Editors"), "json"))
    schemas: dict[str, list[str]] = settings["yaml.schemas"]
    return schemas


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's console commands, run in a workspace of its own."""
    workspace = tmp_path_factory.mktemp("workspace")
    for command in re.findall(r"^\$ (.*)$", block(section("Editors"), "console"), re.M):
        done = subprocess.run(command.replace("slopolicy ", f"{sys.executable} -m slopolicy ", 1),
                              shell=True, cwd=workspace, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    return workspace


def documents(path: Path) -> list[Any]:
    """Every document of a YAML file, as an editor sees them one by one."""
    yaml = YAML(typ="rt")
    return [doc for doc in yaml.load_all(path.read_text(encoding="utf-8")) if doc is not None]


def split(files: list[Path], root: Path, into: Path) -> dict[Path, str]:
    """One file per document (``NAME.yaml#2`` -> ``into/N.yaml``): written file -> its origin."""
    yaml = YAML(typ="rt")
    origins: dict[Path, str] = {}
    for path in files:
        for number, doc in enumerate(documents(path), start=1):
            target = into / f"{len(origins)}.yaml"
            with target.open("w", encoding="utf-8") as out:
                yaml.dump(doc, out)
            origins[target] = f"{path.relative_to(root).as_posix()}#{number}"
    return origins


def matched(globs: list[str], root: Path) -> list[Path]:
    spec = pathspec.GitIgnoreSpec.from_lines(globs)
    return sorted(p for p in root.rglob("*") if p.is_file()
                  and spec.match_file(p.relative_to(root).as_posix()))


def check_jsonschema(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["check-jsonschema", "--schemafile", str(schema), *map(str, files)],
                          capture_output=True, text=True, timeout=300)


def test_the_settings_name_the_files_the_commands_write(written: Path) -> None:
    schemas = vscode_schemas()
    assert set(schemas) == {"./.vscode/slopolicy.schema.json",
                            "./.vscode/slopolicy-config.schema.json"}
    for name in schemas:
        assert json.loads((written / name).read_text())["$schema"].startswith("https://json-schema")


def test_the_neovim_snippet_says_what_the_vscode_settings_say() -> None:
    lua = block(section("Editors"), "lua")
    entries = re.findall(r'\[root \.\. "/([^"]+)"\] = \{ ([^}]*) \}', lua)
    assert {f"./{name}": [g.strip().strip('"') for g in globs.split(",")]
            for name, globs in entries} == vscode_schemas()


def test_every_document_of_the_examples_passes_and_other_yaml_is_left_alone(
        written: Path, tmp_path: Path) -> None:
    (schema_globs,) = [g for name, g in vscode_schemas().items() if "config" not in name]
    files = [p for p in matched(schema_globs, EXAMPLES) if "acme-broken" not in p.parts]
    names = {p.relative_to(EXAMPLES).as_posix() for p in files}
    assert {"ci/github-actions.yml", "ci/gitlab-ci.yml", "acme/services/services.yaml",
            "acme/slas/globex.yaml", "policies/policy-tests/sla-without-owner/expected.yaml"
            } <= names  # CI files and test fixtures are matched too: nothing may flag them
    origins = split(files, EXAMPLES, tmp_path)
    assert len(origins) > len(files)  # multi-document files: every document is checked
    done = check_jsonschema(written / ".vscode/slopolicy.schema.json", list(origins))
    assert done.returncode == 0, done.stdout + done.stderr


def test_errors_are_found_in_every_document_of_a_file(written: Path, tmp_path: Path) -> None:
    """The broken example's typo is in the second document of services.yaml: a modeline
    would not reach it; the settings association does."""
    (schema_globs,) = [g for name, g in vscode_schemas().items() if "config" not in name]
    broken = EXAMPLES / "acme-broken"
    origins = split(matched(schema_globs, broken), broken, tmp_path)
    done = check_jsonschema(written / ".vscode/slopolicy.schema.json", list(origins))
    assert done.returncode == 1
    flagged = {origins[Path(m)] for m in re.findall(r"^\s*(\S+\.yaml)::", done.stdout, re.M)}
    assert "services/services.yaml#2" in flagged
    assert all(not origin.startswith(".slopolicy") for origin in flagged)


def test_every_configuration_of_the_examples_passes_its_schema(written: Path) -> None:
    (config_globs,) = [g for name, g in vscode_schemas().items() if "config" in name]
    files = matched(config_globs, EXAMPLES)
    assert len(files) >= 10 and all(p.name == ".slopolicy.yaml" for p in files)
    done = check_jsonschema(written / ".vscode/slopolicy-config.schema.json", files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_error_messages_stand_alone_in_an_editor() -> None:
    """yaml-language-server shows errorMessage as written: no placeholder may be in one."""
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("errorMessage"), str):
                found.append(node["errorMessage"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("slopolicy.schema.json", "config.schema.json"):
        walk(json.loads((REPO / "schemas" / name).read_text(encoding="utf-8")))
    assert len(found) > 50
    assert [m for m in found if re.search(r"\{\w+\}", m)] == []  # such as {instance}


def test_the_schemastore_catalogue_entries(written: Path, tmp_path: Path) -> None:
    catalog = json.loads((REPO / "schemas" / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["version"] == 1
    entries = {e["url"]: e for e in catalog["schemas"]}
    ids = {json.loads((REPO / "schemas" / n).read_text())["$id"]: n
           for n in ("slopolicy.schema.json", "config.schema.json")}
    assert set(entries) == set(ids)
    for entry in entries.values():
        assert set(entry) == {"name", "description", "fileMatch", "url"}
        assert entry["fileMatch"] and all(isinstance(g, str) for g in entry["fileMatch"])
    documents_entry = entries["https://slopolicy.dev/schemas/slopolicy.schema.json"]
    files = matched(documents_entry["fileMatch"], EXAMPLES / "acme")
    assert {p.parent.name for p in files} == {"slos", "slas"}
    origins = split(files, EXAMPLES / "acme", tmp_path)
    done = check_jsonschema(written / ".vscode/slopolicy.schema.json", list(origins))
    assert done.returncode == 0, done.stdout
