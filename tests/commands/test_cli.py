"""The command line end to end, in-process: exit codes and whole outputs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Project

from slopolicy import __version__

SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {name}\n"


def test_text_output_and_summary(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="Check Out"))
    run = project.run("check")
    assert run.code == 1
    assert run.out.splitlines() == [
        "svc.yaml:4:9: error [schema] 'Check Out' is not a valid name: an RFC 1123 label "
        "(lower-case letters, digits and '-', starting and ending with a letter or digit, "
        "at most 63 characters, e.g. my-service)",
        "slopolicy: 1 error, 0 warnings in 1 document in 1 file",
    ]


def test_clean_run_exits_zero(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    run = project.run("check")
    assert (run.code, run.out) == (0, "slopolicy: no problems in 1 document in 1 file\n")


def test_json_contract(project: Project) -> None:
    project.write("b.yaml", SERVICE.format(name="B B"))
    project.write("a.yaml", SERVICE.format(name="A A") + "spec: {x: 1}\n")
    report = project.check().json
    assert report["version"] == 1
    assert report["tool"] == {"name": "slopolicy", "version": __version__}
    assert report["summary"] == {"files": 2, "documents": 2, "errors": 3, "warnings": 0, "waived": 0, "skipped": 0}
    keys = ["rule", "severity", "file", "line", "column", "document", "path", "message"]
    assert all(list(p) == keys for p in report["problems"])
    order = [(p["file"], p["line"], p["column"], p["rule"]) for p in report["problems"]]
    assert order == sorted(order)
    assert order[0][0] == "a.yaml"


def test_github_format_is_default_on_actions(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("svc.yaml", SERVICE.format(name="a,b"))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = project.run("check")
    first = run.out.splitlines()[0]
    assert first.startswith("::error file=svc.yaml,line=4,col=9,title=slopolicy [schema]::")
    assert run.code == 1


def test_output_file(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    run = project.run("check", "--format", "json", "--output", "out/report.json")
    assert run.code == 0 and run.out == ""
    assert json.loads((project.root / "out/report.json").read_text())["summary"]["documents"] == 1


@pytest.mark.parametrize(
    ("fail_on", "code"), [("error", 0), ("warning", 1), ("never", 0)]
)
def test_fail_on(project: Project, fail_on: str, code: int) -> None:
    project.write(".slopolicy.yaml", "rules:\n  schema: warning\n")
    project.write("svc.yaml", SERVICE.format(name="Bad Name"))
    assert project.run("check", "--fail-on", fail_on).code == code


def test_fail_on_never_with_errors(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="Bad Name"))
    assert project.run("check", "--fail-on", "never").code == 0


def test_missing_path_is_usage_error(project: Project) -> None:
    run = project.run("check", "nope.yaml")
    assert run.code == 2
    assert "nope.yaml: no such file or folder" in run.err


def test_unknown_select_id_is_usage_error(project: Project) -> None:
    run = project.run("check", "--select", "schema,nope")
    assert run.code == 2 and "unknown rule id nope" in run.err


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rules:\n  no-such-rule: error\n", "rules.no-such-rule: unknown rule id"),
        ("rules:\n  schema: loud\n", ".slopolicy.yaml:2:11: rules.schema:"),
        ("rulez: {}\n", '.slopolicy.yaml:1:1: rulez: unknown property "rulez"; did you mean "rules"?'),
        ("rules:\n  schema: {severity: error, depth: 3}\n", "rules.schema.depth: unknown option"),
        ("extends: nowhere.yaml\n", ".slopolicy.yaml:1:10: extends: 'nowhere.yaml' is neither a preset"),
        ("# mine\nextends: defualt\n", ".slopolicy.yaml:2:10: extends: 'defualt' is neither a preset "
                                       '(default, strict) nor a file; did you mean "default"?'),
        ("rules: [\n", ".slopolicy.yaml:2:1:"),
        ("policies:\n  - nowhere.yaml\n",
         ".slopolicy.yaml:2:5: policies: 'nowhere.yaml': no such file or folder"),
        ("plugins: [no-such-plugin]\n", ".slopolicy.yaml:1:11: plugins: 'no-such-plugin': "),
        ("waivers:\n  - {rule: schema, reason: x}\n", "waivers[0]"),
    ],
)
def test_configuration_errors_exit_2_naming_the_key(project: Project, config: str, message: str) -> None:
    project.write(".slopolicy.yaml", config)
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    run = project.run("check")
    assert run.code == 2, run.err
    assert message in run.err


def test_a_configuration_named_yml_is_an_error_not_ignored(project: Project) -> None:
    project.write(".slopolicy.yml", "rules:\n  schema: off\n")
    project.write("svc.yaml", SERVICE.format(name="Bad One"))
    run = project.run("check")
    assert run.code == 2
    assert run.err == ("slopolicy: error: .slopolicy.yml: slopolicy reads its configuration "
                       "from .slopolicy.yaml; rename the file\n")
    (project.root / ".slopolicy.yml").rename(project.root / ".slopolicy.yaml")
    assert project.run("check").code == 0  # schema: off, as the file says


def test_config_discovered_upward_and_globs(project: Project) -> None:
    project.write(".slopolicy.yaml", "documents:\n  include: ['slos/**']\n  exclude: ['slos/old/']\n")
    project.write("slos/svc.yaml", SERVICE.format(name="Bad One"))
    project.write("slos/old/svc.yaml", SERVICE.format(name="Bad Two"))
    project.write("other/svc.yaml", SERVICE.format(name="Bad Three"))
    (project.root / "slos" / "deep").mkdir()
    assert [p[0] for p in project.check().problems()] == ["slos/svc.yaml"]


def test_extends_strict_preset(project: Project) -> None:
    project.write(".slopolicy.yaml", "extends: strict\n")
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    assert project.run("check").code == 0


def test_the_starter_settings_read_when_uncommented(project: Project) -> None:
    project.run("init")
    path = project.root / ".slopolicy.yaml"
    lines = path.read_text().splitlines()
    # every commented setting, as an editor's "toggle comment" uncomments it
    settings = [line[2:] if line.startswith(("# rules:", "# waivers:", "#   ")) else line
                for line in lines]
    assert settings != lines
    path.write_text("\n".join(settings) + "\n")
    run = project.run("check")
    assert run.code == 0, run.err


def test_init_writes_a_config_that_passes_on_an_empty_repository(project: Project) -> None:
    run = project.run("init")
    assert run.code == 0
    assert (project.root / ".slopolicy.yaml").is_file()
    assert project.run("check").code == 0
    assert project.run("init").code == 2  # never overwrites silently


@pytest.mark.parametrize("force", [(), ("--force",)])
@pytest.mark.parametrize("dangling", [True, False])
def test_init_never_writes_through_a_symbolic_link(project: Project, tmp_path: Path,
                                                   force: tuple[str, ...], dangling: bool) -> None:
    """A ``.slopolicy.yaml`` that is a link (a clone can hold one) would have init write
    wherever it leads, outside the repository too: init refuses, and nothing is written."""
    elsewhere = tmp_path / "elsewhere.yaml"
    if not dangling:
        elsewhere.write_text("kept: as it was\n")
    (project.root / ".slopolicy.yaml").symlink_to(elsewhere)
    run = project.run("init", *force)
    assert run.code == 2
    assert "is a symbolic link" in run.err and "never through a link" in run.err
    assert (project.root / ".slopolicy.yaml").is_symlink()
    if dangling:
        assert not elsewhere.exists()
    else:
        assert elsewhere.read_text() == "kept: as it was\n"


def test_init_force_replaces_a_regular_file(project: Project) -> None:
    (project.root / ".slopolicy.yaml").write_text("extends: strict\n")
    assert project.run("init").code == 2
    assert project.run("init", "--force").code == 0
    assert "extends: default" in (project.root / ".slopolicy.yaml").read_text()


def test_schema_command(project: Project) -> None:
    bundle = project.run("schema").json
    assert bundle["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    sla = project.run("schema", "SLA").json
    assert sla["$ref"] == "#/$defs/slopolicy-v1-SLA"
    assert project.run("schema", "config").json["$id"].endswith("config.schema.json")
    assert project.run("schema", "Nope").code == 2


def test_rules_list_and_explain(project: Project) -> None:
    run = project.run("rules")
    ids = [line.split()[0] for line in run.out.splitlines() if line and not line.startswith("*")]
    assert {"yaml-syntax", "schema", "unresolved-reference"} <= set(ids)
    explained = project.run("rules", "explain", "duplicate-key")
    assert explained.code == 0
    assert "Passing example" in explained.out and "Failing example" in explained.out
    assert project.run("rules", "explain", "nope").code == 2


def test_version(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        project.run("--version")
    assert exit_info.value.code == 0


def test_internal_error_exit_3_without_traceback(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("svc.yaml", SERVICE.format(name="checkout"))

    def boom(*args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr("slopolicy.check.analysis.load_files", boom)
    run = project.run("check")
    assert run.code == 3
    assert "internal error: RuntimeError: kaboom" in run.err and "Traceback" not in run.err


def test_only_named_files_are_reported_but_all_are_context(project: Project) -> None:
    project.write("a.yaml", SERVICE.format(name="checkout"))
    project.write("b.yaml", SERVICE.format(name="checkout"))
    project.write("c.yaml", SERVICE.format(name="Bad Name"))
    # b duplicates a: reported when b is named, and when a is named (related)
    assert project.check("b.yaml").problems() == [("b.yaml", 4, 9, "duplicate-name")]
    assert project.check("a.yaml").problems() == [("b.yaml", 4, 9, "duplicate-name")]
    assert project.check("c.yaml").problems() == [("c.yaml", 4, 9, "schema")]


def test_closed_pipe_is_quiet(tmp_path: Path) -> None:
    done = subprocess.run(
        f"{sys.executable} -m slopolicy schema | head -1", shell=True, cwd=tmp_path,
        capture_output=True, text=True,
    )
    assert done.stdout == "{\n"
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_published_schema_works_in_check_jsonschema(project: Project) -> None:
    project.run("schema")
    bundle = project.root / "bundle.json"
    bundle.write_text(project.run("schema").out)
    project.write("good.yaml", SERVICE.format(name="checkout"))
    project.write("bad.yaml", SERVICE.format(name="Check Out"))
    good = subprocess.run(["check-jsonschema", "--schemafile", str(bundle), "good.yaml"],
                          cwd=project.root, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = subprocess.run(["check-jsonschema", "--schemafile", str(bundle), "bad.yaml"],
                         cwd=project.root, capture_output=True, text=True)
    assert bad.returncode == 1 and "metadata.name" in bad.stdout


def test_pre_commit_keeps_to_the_configured_documents(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write(".slopolicy.yaml", "documents:\n  exclude: ['fixtures/']\n")
    project.write("fixtures/dup.yaml", SERVICE.format(name="Bad Name"))
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    assert project.check("fixtures/dup.yaml").code == 1  # named by hand: checked
    monkeypatch.setenv("PRE_COMMIT", "1")
    run = project.check("fixtures/dup.yaml", "svc.yaml")
    assert (run.code, run.json["problems"]) == (0, [])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rules:\n  slo-headrom: error\n", '.slopolicy.yaml:2:3: rules.slo-headrom: unknown rule id; did you mean "slo-headroom"?'),
        ("rules:\n  slo-headroom: {max-budget-ration: 0.4}\n", '.slopolicy.yaml:2:18: rules.slo-headroom.max-budget-ration: unknown option (did you mean "max-budget-ratio"?'),
        ("rules:\n  slo-headroom: {max-budget-ratio: half}\n", ".slopolicy.yaml:2:18: rules.slo-headroom.max-budget-ratio: expected a number like 0.5, got 'half'"),
        ("waivers:\n  - {rule: schem, reason: x, expires: 2027-02-03}\n", '.slopolicy.yaml:2:6: waivers[0].rule: unknown rule id'),
        ("waivers:\n  - {rule: schema, reason: x, expires: 2027-02-30}\n", ".slopolicy.yaml:2:40: waivers[0].expires: '2027-02-30' is not a date on the calendar"),
        # document globs git cannot read were an internal error (exit 3) where they were matched
        ("documents:\n  include: ['!']\n", ".slopolicy.yaml:2:13: documents.include[0]: '!' is not a gitignore pattern: a lone '!' negates no pattern"),
        ("documents:\n  exclude:\n    - x/\n    - 'slos\\'\n", ".slopolicy.yaml:4:7: documents.exclude[1]: 'slos\\\\' is not a gitignore pattern: it ends in a backslash that escapes nothing"),
        ("documents: {include: ['[z-a].yaml']}\n", ".slopolicy.yaml:1:23: documents.include[0]: '[z-a].yaml' is not a gitignore pattern: a bracket expression in it is no range of characters"),
    ],
)
def test_configuration_errors_name_the_line(project: Project, config: str, message: str) -> None:
    project.write(".slopolicy.yaml", config)
    run = project.run("check")
    assert run.code == 2
    assert message in run.err


def test_a_glob_with_two_brackets_selects_without_a_python_warning(project: Project) -> None:
    """``[[]`` is git's literal ``[``; Python's regex compiler warned of a nested set
    (FutureWarning) on stderr, twice, from the glob matcher and its validation."""
    import warnings

    project.write(".slopolicy.yaml", "documents:\n  include: ['[[]warned-svc.yaml']\n")
    project.write("[warned-svc.yaml",
                  "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: x}\nspec: {}\n")
    project.write("other.yaml", "apiVersion: openslo/v1\nkind: Nonsense\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = project.run("check", "--no-cache")
    assert [str(w.message) for w in caught] == []
    assert run.code == 0 and "no problems in 1 document in 1 file" in run.out + run.err


WAIVER = "  - {{rule: {rule}, reason: x, expires: 2099-01-01}}\n"


@pytest.mark.parametrize(
    ("own", "shared", "message"),
    [
        # a mistake in the file extended is located there, not in the one that extends it
        ("", "rules:\n  slo-headrom: error\n",
         'team/shared.yaml:3:3: rules.slo-headrom: unknown rule id; did you mean "slo-headroom"?'),
        ("", "rules:\n  slo-headroom: {max-budget-ration: 0.4}\n",
         "team/shared.yaml:3:18: rules.slo-headroom.max-budget-ration: unknown option"),
        ("rules:\n  slo-headroom: error\n", "rules:\n  slo-headrom: error\n",
         "team/shared.yaml:3:3: rules.slo-headrom"),
        # waivers of both files are one list, the extended file's first: each named by its
        # place in its own file (the old message put the first at the own file's first)
        ("waivers:\n" + WAIVER.format(rule="slo-headroom"),
         "waivers:\n" + WAIVER.format(rule="schema") + WAIVER.format(rule="no-such"),
         "team/shared.yaml:4:6: waivers[1].rule: unknown rule id 'no-such'"),
        ("waivers:\n" + WAIVER.format(rule="slo-headrom"), "waivers:\n" + WAIVER.format(rule="schema"),
         ".slopolicy.yaml:3:6: waivers[0].rule: unknown rule id 'slo-headrom'"),
        # a house-rule file the extended file lists
        ("", "policies:\n  - nowhere.yaml\n",
         "team/shared.yaml:3:5: policies: 'nowhere.yaml': no such file or folder"),
        # an option key near "severity" is told so
        ("", "rules:\n  slo-stricter-than-sla: {severty: error}\n",
         'team/shared.yaml:3:27: rules.slo-stricter-than-sla.severty: unknown option (did you '
         'mean "severity"?'),
    ],
)
def test_errors_in_an_extended_file_name_its_line(project: Project, own: str, shared: str,
                                                  message: str) -> None:
    project.write(".slopolicy.yaml", "extends: team/shared.yaml\n" + own)
    project.write("team/shared.yaml", "extends: default\n" + shared)
    run = project.run("check")
    assert run.code == 2
    assert message in run.err, run.err


@pytest.mark.parametrize("command", ["check", "lsp"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_jobs_below_one_is_a_usage_error_not_a_crash(project: Project, command: str,
                                                     value: str) -> None:
    project.write("svc.yaml", SERVICE.format(name="checkout"))
    run = subprocess.run([sys.executable, "-m", "slopolicy", command, f"--jobs={value}"],
                         cwd=project.root, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                         timeout=60)
    assert run.returncode == 2, run.stderr
    assert f"argument --jobs: {value} workers: give 1 or more" in run.stderr
