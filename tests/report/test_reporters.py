"""The pull-request formats (SARIF, JUnit, Markdown, GitHub), end to end."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import HERE, Project, git
from msgspec.structs import replace

from slopolicy import __version__
from slopolicy.changes.approvals import ApprovalResult, Evidence, Shortfall, Subject
from slopolicy.changes.changeset import ChangeSet
from slopolicy.changes.compare import ABSENT, DocumentChange, FieldChange, Key, ObjectiveChange
from slopolicy.check.engine import Result
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import Document
from slopolicy.model.problems import Problem, RelatedLocation
from slopolicy.report.check import REPORTERS, CheckReport, github, junit, markdown
from slopolicy.report.check.sarif import LEVELS, escape, split_doc
from slopolicy.rules import builtin_rules

SARIF_SCHEMA = HERE / "conformance" / "sarif" / "sarif-schema-2.1.0.json"

SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata: {{name: {name}}}\n"
DUPLICATES = SERVICE.format(name="checkout") + "---\n" + SERVICE.format(name="checkout")
BAD_NAME = 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: "a|b"\n'
FORGE_ENV = (
    "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "CI_PROJECT_URL", "CI_COMMIT_SHA"
)


def test_a_problem_is_equal_hashed_and_sorted_alike_waived_or_not() -> None:
    """Whether a problem is waived, and why, is no part of its equality, hash or order."""
    problem = Problem("a.yaml", 3, 1, "sla-target", "error", "too low")
    waived = replace(problem, waived=True, waiver_reason="agreed")
    assert waived == problem and hash(waived) == hash(problem)
    assert not waived < problem and not problem < waived and problem <= waived >= problem
    later = Problem("a.yaml", 4, 1, "sla-target", "error", "too low")
    assert sorted([later, waived]) == [waived, later] and later > waived
    assert problem != replace(problem, message="too high")


def test_equal_problems_are_not_unequal() -> None:
    """``!=`` is the opposite of ``==``: two problems of the same finding, one waived, are
    not different problems."""
    problem = Problem("a.yaml", 3, 1, "sla-target", "error", "too low")
    same = Problem("a.yaml", 3, 1, "sla-target", "error", "too low")
    waived = replace(problem, waived=True, waiver_reason="agreed")
    assert not problem != same and not waived != problem
    assert problem != replace(problem, line=4) and problem != "a.yaml:3:1"


@pytest.fixture
def problems(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A schema error, a duplicate with a related location, and a clean file."""
    for name in FORGE_ENV:
        monkeypatch.delenv(name, raising=False)
    project.write("services.yaml", DUPLICATES)
    project.write("bad.yaml", BAD_NAME)
    project.write("ok.yaml", SERVICE.format(name="ok"))
    return project


def message(project: Project, rule: str, *args: str) -> str:
    """The message of ``rule``'s first problem in the JSON report, the contract
    every format derives from (so these tests do not pin rule wording)."""
    found = [p for p in project.check(*args).json["problems"] if p["rule"] == rule]
    assert found, f"no {rule} problem"
    text: str = found[0]["message"]
    return text


def sarif(project: Project, *args: str) -> dict[str, Any]:
    run = project.run("check", "--format", "sarif", *args)
    assert run.code in (0, 1), run.err
    log: dict[str, Any] = json.loads(run.out)
    return log


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def results_by_rule(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_the_cli_offers_every_pull_request_format() -> None:
    assert {"sarif", "junit", "markdown", "github"} <= set(REPORTERS.names())


# --- SARIF -------------------------------------------------------------------


def test_sarif_is_valid_against_the_schema(problems: Project) -> None:
    log = sarif(problems)
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("slopolicy", __version__)
    assert driver["informationUri"] == "https://slopolicy.dev"


def test_sarif_rules_carry_their_documentation(problems: Project) -> None:
    rules = sarif(problems)["runs"][0]["tool"]["driver"]["rules"]
    builtin = builtin_rules()
    assert [r["id"] for r in rules][: len(builtin)] == list(builtin)
    by_id = {r["id"]: r for r in rules}
    for rule in builtin.values():
        descriptor = by_id[rule.id]
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == split_doc(rule.doc)[0]
        assert descriptor["help"]["text"] == rule.doc
        assert descriptor["help"]["markdown"].startswith(f"# {rule.id}\n\n")
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule.severity]
    duplicate = by_id["duplicate-name"]
    assert duplicate["name"] == "DuplicateName"
    assert duplicate["defaultConfiguration"]["level"] == "error"
    assert "Failing example:\n\n```yaml\napiVersion: openslo/v1\n" in duplicate["help"]["markdown"]
    assert duplicate["fullDescription"]["text"].endswith(
        "reported at the later one, with the first as a\nrelated location."
    )
    assert "metadata: {name: checkout-latency}\n```" in duplicate["help"]["markdown"]


def test_sarif_results_are_located_with_region_and_logical_locations(problems: Project) -> None:
    log = sarif(problems)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["schema", "duplicate-name"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert set(physical["region"]) == {"startLine", "startColumn"}
    schema = results_by_rule(log)["schema"]
    assert schema["message"]["text"] == escape(message(problems, "schema"))
    assert schema["locations"][0] == {
        "physicalLocation": {
            "artifactLocation": {"uri": "bad.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 4, "startColumn": 9},
        },
        "logicalLocations": [
            {"name": "Service/a|b", "fullyQualifiedName": "Service/a|b", "kind": "object"},
            {
                "name": "metadata.name",
                "fullyQualifiedName": "Service/a|b/metadata.name",
                "kind": "property",
            },
        ],
    }


def test_sarif_related_locations_are_linked_from_the_message(problems: Project) -> None:
    duplicate = results_by_rule(sarif(problems))["duplicate-name"]
    assert duplicate["message"]["text"] == (
        escape(message(problems, "duplicate-name")) + " (see [first Service/checkout](1))"
    )
    assert duplicate["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 18,
    }
    assert duplicate["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "services.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 3, "startColumn": 18},
            },
            "message": {"text": "first Service/checkout"},
        }
    ]


def test_sarif_fingerprint_follows_the_finding_not_the_line(problems: Project) -> None:
    before = results_by_rule(sarif(problems))["duplicate-name"]
    problems.write("services.yaml", "# moved down\n# by two lines\n" + DUPLICATES)
    after = results_by_rule(sarif(problems))["duplicate-name"]
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert before["fingerprints"] == after["fingerprints"]
    fingerprint = after["fingerprints"]["slopolicy/v1"]
    assert fingerprint.endswith(":1") and len(fingerprint) == 18


def test_sarif_leaves_the_line_hash_to_the_uploader(problems: Project) -> None:
    """GitHub computes primaryLocationLineHash from the line's text and warns for every
    result whose file carries another value: slopolicy's identity has a key of its own."""
    results = sarif(problems)["runs"][0]["results"]
    assert results and all("partialFingerprints" not in r for r in results)
    assert all(set(r["fingerprints"]) == {"slopolicy/v1"} for r in results)


def test_sarif_fingerprints_of_one_place_stay_distinct(project: Project) -> None:
    project.write("slo.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec: {}\n")
    results = sarif(project, "--select", "schema")["runs"][0]["results"]
    at_spec = [
        r["fingerprints"]["slopolicy/v1"]
        for r in results
        if r["locations"][0]["logicalLocations"][-1]["name"] == "spec"
    ]
    assert len(at_spec) >= 3  # budgetingMethod, objectives, service: all required
    identity = at_spec[0].split(":")[0]
    assert at_spec == [f"{identity}:{n}" for n in range(1, len(at_spec) + 1)]


def _uris(log: dict[str, Any]) -> list[str]:
    found = []
    for result in log["runs"][0]["results"]:
        places = [*result["locations"], *result.get("relatedLocations", [])]
        found += [p["physicalLocation"]["artifactLocation"]["uri"] for p in places]
    return found


def _sarif_from(cwd: Path, *paths: Path) -> tuple[str, dict[str, Any]]:
    """``slopolicy check PATH... --format sarif`` as a process started in ``cwd``."""
    done = subprocess.run([sys.executable, "-m", "slopolicy", "check", "--format", "sarif",
                           *map(str, paths)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    log: dict[str, Any] = json.loads(done.stdout)
    validate_sarif(log)
    return done.stdout, log


def test_sarif_paths_are_relative_to_the_repository_root_run_from_outside(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "slos").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "slos" / "services.yaml").write_text(DUPLICATES)
    (repo / "bad.yaml").write_text(BAD_NAME)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    text, log = _sarif_from(elsewhere, repo / "slos", repo / "bad.yaml")
    assert sorted(set(_uris(log))) == ["bad.yaml", "slos/services.yaml"]
    assert str(tmp_path) not in text  # no machine path, in any field


def test_sarif_paths_stay_relative_outside_any_repository(tmp_path: Path) -> None:
    """No repository: the project's folder (its .slopolicy.yaml) is the root."""
    project = tmp_path / "copy" / "acme"
    (project / "slos").mkdir(parents=True)
    (project / ".slopolicy.yaml").write_text("extends: default\n")
    (project / "slos" / "services.yaml").write_text(DUPLICATES)
    outside = tmp_path / "other"
    (outside).mkdir()
    (outside / "bad.yaml").write_text(BAD_NAME)
    text, log = _sarif_from(tmp_path, project, outside / "bad.yaml")
    assert sorted(set(_uris(log))) == ["../../other/bad.yaml", "slos/services.yaml"]
    assert str(tmp_path) not in text


def test_sarif_waived_problem_is_an_external_suppression(problems: Project) -> None:
    problems.write(
        ".slopolicy.yaml",
        "waivers:\n"
        '  - {rule: schema, document: "Service/a|b", reason: "renaming, OPS-1", '
        "expires: 2999-01-01}\n",
    )
    log = sarif(problems)
    validate_sarif(log)
    results = results_by_rule(log)
    assert results["schema"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "renaming, OPS-1"}
    ]
    assert "suppressions" not in results["duplicate-name"]


def test_sarif_escapes_brackets_and_encodes_uris(project: Project) -> None:
    project.write(
        "my slos/[a].yaml",
        'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec: {indicatorRef: "x[1]"}\n',
    )
    log = sarif(project, "--select", "unresolved-reference")
    validate_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["message"]["text"].startswith("SLI 'x\\[1\\]' is not defined")
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20slos/%5Ba%5D.yaml"


def test_sarif_without_problems_lists_rules_and_no_results(project: Project) -> None:
    project.write("ok.yaml", SERVICE.format(name="ok"))
    log = sarif(project)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) >= len(builtin_rules())


# --- JUnit -------------------------------------------------------------------


def junit_xml(project: Project, *args: str) -> ET.Element:
    run = project.run("check", "--format", "junit", *args)
    assert run.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(run.out)


def test_junit_has_one_testcase_per_file_and_correct_counts(problems: Project) -> None:
    root = junit_xml(problems)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "slopolicy"
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == (
            "3",
            "2",
            "0",
        )
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("bad.yaml", "bad.yaml"),
        ("ok.yaml", "ok.yaml"),
        ("services.yaml", "services.yaml"),
    ]
    assert list(cases[1]) == []  # the clean file passes


def test_junit_failure_says_where_and_what(problems: Project) -> None:
    name_message = message(problems, "schema")
    cases = {c.get("name"): c for c in junit_xml(problems).iter("testcase")}
    bad = cases["bad.yaml"].find("failure")
    assert bad is not None
    assert bad.get("message") == f"[schema] {name_message}"
    assert bad.get("type") == "schema"
    assert bad.text == (
        f"bad.yaml:4:9: error [schema] {name_message}\n"
        "    document: Service/a|b\n"
        "    path: metadata.name"
    )
    duplicate = cases["services.yaml"].find("failure")
    assert duplicate is not None
    assert duplicate.text is not None
    assert duplicate.text.endswith("    related: services.yaml:3:18: first Service/checkout")


def test_junit_one_failure_lists_every_error_of_a_file(project: Project) -> None:
    project.write("two.yaml", BAD_NAME + "---\n" + BAD_NAME.replace("a|b", "c d"))
    first = message(project, "schema")
    (case,) = junit_xml(project).iter("testcase")
    failures = case.findall("failure")
    assert len(failures) == 1
    assert failures[0].get("message") == f"[schema] {first} (and 1 more error)"
    assert failures[0].text is not None
    assert failures[0].text.count("error [schema]") == 2
    assert "two.yaml:9:9: error [schema]" in failures[0].text


def test_junit_warnings_and_waived_go_to_system_out(problems: Project) -> None:
    problems.write(
        ".slopolicy.yaml",
        "rules:\n  duplicate-name: warning\nwaivers:\n"
        '  - {rule: schema, document: "Service/a|b", reason: "renaming", expires: 2999-01-01}\n',
    )
    name_message = message(problems, "schema")
    duplicate_message = message(problems, "duplicate-name")
    root = junit_xml(problems)
    assert (root.get("tests"), root.get("failures")) == ("3", "0")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [c.find("failure") for c in cases.values()] == [None, None, None]
    bad_out = cases["bad.yaml"].findtext("system-out")
    assert bad_out is not None
    assert bad_out.startswith(f"bad.yaml:4:9: waived [schema] {name_message}\n    waiver: renaming")
    services_out = cases["services.yaml"].findtext("system-out")
    assert services_out is not None
    assert services_out.startswith(
        f"services.yaml:7:18: warning [duplicate-name] {duplicate_message}"
    )


def test_junit_reports_only_the_files_asked_about(problems: Project) -> None:
    root = junit_xml(problems, "bad.yaml")
    assert (root.get("tests"), root.get("failures")) == ("1", "1")
    assert [c.get("name") for c in root.iter("testcase")] == ["bad.yaml"]


def test_junit_survives_characters_xml_cannot_carry() -> None:
    problem = Problem("a&b.yaml", 1, 1, "yaml-syntax", "error", "bad \x00 byte <here> & \x1b")
    stream = io.StringIO()
    junit.report(CheckReport(Result([problem], files=1, documents=0, checked=["a&b.yaml"])), stream)
    failure = ET.fromstring(stream.getvalue()).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "[yaml-syntax] bad \ufffd byte <here> & \ufffd"


# --- Markdown ----------------------------------------------------------------


def test_markdown_summary_and_table(problems: Project) -> None:
    name_message = markdown.cell(message(problems, "schema"))
    duplicate_message = markdown.cell(message(problems, "duplicate-name"))
    run = problems.run("check", "--format", "markdown")
    assert run.code == 1
    assert run.out.splitlines() == [
        "### ❌ slopolicy: 2 errors, 0 warnings in 4 documents in 3 files",
        "",
        "| Location | Severity | Rule | Document | Message |",
        "|---|---|---|---|---|",
        f"| bad.yaml:4 | error | `schema` | Service/a\\|b | {name_message} |",
        (
            f"| services.yaml:7 | error | `duplicate-name` | Service/checkout | {duplicate_message}"
            "<br>↳ services.yaml:3:18: first Service/checkout |"
        ),
    ]


def test_markdown_clean_run(project: Project) -> None:
    project.write("ok.yaml", SERVICE.format(name="ok"))
    run = project.run("check", "--format", "markdown")
    assert (run.code, run.out) == (0, "### ✅ slopolicy: no problems in 1 document in 1 file\n")


def test_markdown_links_to_the_commit_on_the_forge(
    problems: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/slos")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    out = problems.run("check", "--format", "markdown", "bad.yaml").out
    assert "| [bad.yaml:4](https://github.com/acme/slos/blob/abc123/bad.yaml#L4) | error |" in out


def test_markdown_folds_long_tables(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in FORGE_ENV:
        monkeypatch.delenv(name, raising=False)
    project.write("many.yaml", "---\n".join([SERVICE.format(name="same")] * 52))
    lines = project.run("check", "--format", "markdown").out.splitlines()
    assert lines[:5] == [
        "### ❌ slopolicy: 51 errors, 0 warnings in 52 documents in 1 file",
        "",
        "<details>",
        "<summary>51 problems</summary>",
        "",
    ]
    assert lines[-1] == "</details>"
    assert sum(1 for line in lines if line.startswith("| many.yaml:")) == 51


def test_markdown_cells_escape_pipes_newlines_and_markup() -> None:
    assert markdown.cell("a|b\nc <b>x</b> [y](z)") == (
        "a\\|b<br>c \\<b\\>x\\</b\\> \\[y\\](z)"
    )


def test_markdown_waived_problem_shows_reason(problems: Project) -> None:
    problems.write(
        ".slopolicy.yaml",
        'waivers:\n  - {rule: schema, document: "Service/a|b", reason: "renaming | OPS-1", '
        "expires: 2999-01-01}\n",
    )
    name_message = markdown.cell(message(problems, "schema"))
    out = problems.run("check", "--format", "markdown").out
    assert out.splitlines()[0] == (
        "### ❌ slopolicy: 1 error, 0 warnings, 1 waived in 4 documents in 3 files"
    )
    assert (
        f"| bad.yaml:4 | waived | `schema` | Service/a\\|b | {name_message} "
        "(waived: renaming \\| OPS-1) |"
    ) in out


def test_markdown_has_no_changes_section_without_a_base(problems: Project) -> None:
    out = problems.run("check", "--format", "markdown").out
    assert "Changed agreements" not in out


# --- GitHub workflow commands ------------------------------------------------


def test_github_escapes_properties(project: Project) -> None:
    project.write("50%,x:y.yaml", BAD_NAME)
    name_message = message(project, "schema")
    run = project.run("check", "--format", "github")
    assert run.out.splitlines() == [
        "::error file=50%25%2Cx%3Ay.yaml,line=4,col=9,title=slopolicy [schema]::" + name_message,
        "slopolicy: 1 error, 0 warnings in 1 document in 1 file",
    ]


def test_github_escapes_message_data() -> None:
    problem = Problem(
        "a.yaml", 2, 3, "schema", "warning", "50% done\r\nsecond line, a: b",
        related=(RelatedLocation("b.yaml", 1, 1, "x"),),
    )
    stream = io.StringIO()
    github.report(CheckReport(Result([problem], files=1, documents=1)), stream)
    assert stream.getvalue().splitlines()[0] == (
        "::warning file=a.yaml,line=2,col=3,title=slopolicy [schema]::"
        "50%25 done%0D%0Asecond line, a: b"
    )


def test_github_waived_problem_is_a_notice(problems: Project) -> None:
    problems.write(
        ".slopolicy.yaml",
        'waivers:\n  - {rule: schema, document: "Service/a|b", reason: "x", expires: 2999-01-01}\n',
    )
    first = problems.run("check", "--format", "github").out.splitlines()[0]
    assert first.startswith(
        "::notice file=bad.yaml,line=4,col=9,title=slopolicy [schema] (waived)::"
    )


def test_reports_written_with_output(problems: Project, tmp_path: Path) -> None:
    for fmt, name in (("sarif", "r.sarif"), ("junit", "r.xml"), ("markdown", "r.md")):
        run = problems.run("check", "--format", fmt, "--output", f"out/{name}")
        assert (run.code, run.out) == (1, "")
    validate_sarif(json.loads((problems.root / "out/r.sarif").read_text(encoding="utf-8")))
    assert ET.parse(problems.root / "out/r.xml").getroot().get("failures") == "2"
    assert "| bad.yaml:4 |" in (problems.root / "out/r.md").read_text(encoding="utf-8")


# --- Markdown: changed agreements ---------------------------------------------

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {{name: initech-billing}}
spec:
  customer: initech
  service: billing
  version: {version}
  effective: {{from: 2025-07-01}}
  window: {{rolling: 28d}}
  budgetingMethod: Occurrences
  objectives:
    - {{name: availability, indicator: availability, target: {target}}}
"""


def change_set(*documents: DocumentChange) -> ChangeSet:
    return ChangeSet("origin/main", "b" * 40, "b" * 40, None, None, list(documents))


def sla_document(version: int, target: str) -> Document:
    source = load_bytes("slas/initech.yaml", SLA.format(version=version, target=target).encode())
    return source.documents[0]


def test_markdown_changed_agreements_table() -> None:
    base, head = sla_document(1, "0.995"), sla_document(2, "0.999")
    objective = ("spec", "objectives", Key("availability"))
    change = DocumentChange(
        "slopolicy/v1", "SLA", "initech-billing", base, head,
        fields=(
            FieldChange((*objective, "target"), Decimal("0.995"), Decimal("0.999"), "tightened",
                        None, None),
            FieldChange(("spec", "changeNoticeDays"), 30, 14, "loosened", None, None),
            FieldChange(("metadata", "labels"), ABSENT, {"tier": "gold"}, "metadata", None, None),
        ),
        objectives=(
            ObjectiveChange("availability", frozenset({"tightened"}), "rolling 28d",
                            "rolling 28d", (Decimal("201.6"),) * 2, (Decimal("40.32"),) * 2),
        ),
        approval=ApprovalResult(
            Subject("SLA", "initech-billing", "sha256:1", "sha256:0"), ("modified", "tightened"), {},
            (Evidence("alice@acme.example", "signed", "approvals/a.yaml", "legal",
                      frozenset({"legal"})),
             Evidence("bob@acme.example", "claimed", "abc1234", reason="only a claim")),
            (Shortfall("loosened", "sre", 1, 0, ("carol@acme.example",)),),
        ),
    )
    metadata_only = DocumentChange("slopolicy/v1", "SLA", "other", base, head)
    lines = markdown.changed_agreements(change_set(change, metadata_only))
    assert lines == [
        "#### Changed agreements",
        "",
        (
            "| Agreement | Objective | Before → after | Direction "
            "| Budget (bad minutes per window) | Approvals |"
        ),
        "|---|---|---|---|---|---|",
        (
            "| SLA/initech-billing v1 → v2 | availability | target: 0.995 → 0.999 | tightened "
            "| 201.6 → 40.32 per rolling 28d "
            "| ✅ alice@&#8203;acme.example (legal, signed)"
            "<br>✖ bob@&#8203;acme.example (claimed): only a claim"
            "<br>❌ 1 more sre for loosened (from carol@&#8203;acme.example) |"
        ),
        "|  | — | spec.changeNoticeDays: 30 → 14 | loosened | — |  |",
        "",
    ]


def test_markdown_added_agreement_and_no_change_set() -> None:
    added = DocumentChange("slopolicy/v1", "SLA", "initech-billing", None, sla_document(1, "0.99"))
    assert markdown.changed_agreements(change_set(added))[4] == (
        "| SLA/initech-billing v1 | — | — | added | — | — |"
    )
    assert markdown.changed_agreements(None) == []
    assert markdown.changed_agreements(change_set()) == []


def test_markdown_report_puts_changes_before_problems(problems: Project) -> None:
    added = DocumentChange("slopolicy/v1", "SLA", "initech-billing", None, sla_document(1, "0.99"))
    problem = Problem("a.yaml", 1, 1, "schema", "error", "bad")
    stream = io.StringIO()
    report = CheckReport(Result([problem], files=1, documents=1), changes=change_set(added))
    markdown.report(report, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("### ❌ slopolicy: 1 error")
    assert lines[2] == "#### Changed agreements"
    assert lines.index("| Location | Severity | Rule | Document | Message |") == 8


def test_github_says_how_many_problems_it_could_not_annotate(project: Project) -> None:
    """GitHub shows 10 annotations of a level a step: the 10th says how many more there
    are, and those are log lines that start no workflow command."""
    names = "---\n".join(SERVICE.format(name=f"Bad{n}") for n in range(12))
    project.write("bad.yaml", names)
    project.write("waived.yaml", BAD_NAME)
    project.write(".slopolicy.yaml", 'waivers:\n  - {rule: schema, document: "Service/a|b", '
                  'reason: "x", expires: 2999-01-01}\n')
    lines = project.run("check", "--format", "github").out.splitlines()
    assert [line.split(",")[0] for line in lines[:10]] == [
        *["::error file=bad.yaml"] * 9, "::notice file=waived.yaml"]  # the notices' own ten
    assert lines[10] == (
        "::error title=slopolicy%3A 3 more errors not annotated::GitHub shows 10 error "
        "annotations a step; the other 3 are the lines below in this step's log that start "
        "with error:")
    assert [line.split(" [")[0] for line in lines[11:14]] == [
        f"error: bad.yaml:{row}:18:" for row in (39, 43, 47)]
    assert all(line.endswith("is not a valid name: an RFC 1123 label (lower-case letters, "
                             "digits and '-', starting and ending with a letter or digit, at "
                             "most 63 characters, e.g. my-service)") for line in lines[11:14])
    assert lines[14].startswith("slopolicy: 12 errors") and len(lines) == 15



def test_markdown_stays_within_what_a_comment_and_a_job_summary_hold(project: Project) -> None:
    """300 names of 6,000 characters: each is cut, and rows past the budget are
    counted, so GitHub takes the report (a comment 65,536 characters, a job summary 1 MiB)."""
    long = "x" * 6000
    project.write("bad.yaml", "---\n".join(SERVICE.format(name=f'"Bad {n} {long}"')
                                           for n in range(300)))
    run = project.run("check", "--format", "markdown", "--output", "summary.md")
    assert run.code == 1
    out = (project.root / "summary.md").read_text(encoding="utf-8")
    assert len(out) <= markdown.BUDGET < 65_536
    rows = [line for line in out.splitlines() if line.startswith("| bad.yaml:")]
    assert 10 < len(rows) < 300
    assert all("x" * (markdown.CELL_LIMIT - 20) + "…" in row for row in rows)
    assert "x" * markdown.CELL_LIMIT not in out
    assert f"… and {300 - len(rows)} more; run `slopolicy check --format json`" in out
    assert "<summary>300 problems</summary>" in out


def test_markdown_counts_the_changed_agreements_it_has_no_room_for() -> None:
    head = sla_document(1, "0.99")
    added = [DocumentChange("slopolicy/v1", "SLA", f"initech-{n}-{'y' * 300}", None, head)
             for n in range(2000)]
    lines = markdown.changed_agreements(change_set(*added), 30_000)
    assert sum(len(line) + 1 for line in lines) <= 30_000
    rows = [line for line in lines if line.startswith("| SLA/initech-")]
    assert 10 < len(rows) < 2000
    assert lines[-2] == (f"… and {2000 - len(rows)} more changed agreements; the JSON report "
                         "(`--format json`) has them all.")


def test_sarif_keeps_the_most_severe_results_github_accepts_and_says_so() -> None:
    """GitHub code scanning rejects a run of more than 25,000 results: the errors are
    kept, the least severe left out, and a tool notification counts them."""
    warnings = [Problem(f"w{n:05}.yaml", 1, 1, "schema", "warning", "w") for n in range(25_003)]
    errors = [Problem(f"z{n}.yaml", 1, 1, "schema", "error", "e") for n in range(4)]
    waived = Problem("a.yaml", 1, 1, "schema", "error", "x", waived=True, waiver_reason="ok")
    stream = io.StringIO()
    REPORTERS.get("sarif")(CheckReport(Result([waived, *warnings, *errors], files=1, documents=1)), stream)
    log = json.loads(stream.getvalue())
    run = log["runs"][0]
    assert len(run["results"]) == 25_000
    kept = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]]
    assert kept[-4:] == ["z0.yaml", "z1.yaml", "z2.yaml", "z3.yaml"]
    assert kept[:2] == ["w00000.yaml", "w00001.yaml"] and "a.yaml" not in kept
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": [
        {"level": "warning", "message": {"text": (
            "25008 problems: GitHub code scanning accepts 25000 results a run, so the 8 least "
            "severe are left out; `slopolicy check --format json` lists every one")}}]}]
    run["results"] = run["results"][-3:]
    validate_sarif(log)


def test_markdown_links_to_the_commit_checked_not_the_jobs(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under pull_request_target GITHUB_SHA is the base branch's commit, on a pull request
    its merge commit: the lines reported are the head's, so the links name the head."""
    from gitrepos import sla

    repo.write("slas/globex.yaml", sla(version=2, target="99.5"))
    head = repo.commit("loosen")
    repo.git("checkout", "-q", "main")
    base = repo.git("rev-parse", "HEAD").strip()
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/slas")
    monkeypatch.setenv("GITHUB_SHA", base)
    out = repo.run("check", "--base", "main", "--head", head, "--format", "markdown").out
    assert f"](https://github.com/acme/slas/blob/{head}/slas/globex.yaml#L" in out
    assert base not in out


@pytest.mark.parametrize(("fail_on", "code", "failures", "icon"),
                         [("warning", 1, "1", "❌"), ("error", 0, "0", "✅")])
def test_junit_and_markdown_agree_with_fail_on(
    project: Project, fail_on: str, code: int, failures: str, icon: str
) -> None:
    """With --fail-on warning a warning fails the job: the test summary and the job
    summary say so too (they showed every test passed and a green tick)."""
    project.write(".slopolicy.yaml", "rules:\n  schema: {severity: warning}\n")
    project.write("bad.yaml", BAD_NAME)
    run = project.run("check", "--fail-on", fail_on, "--format", "junit",
                      "--report", "markdown:summary.md")
    assert run.code == code
    suite = ET.fromstring(run.out).find("testsuite")
    assert suite is not None and suite.get("failures") == failures
    failure = suite.find("testcase/failure")
    assert (failure is not None) == (failures == "1")
    if failure is not None:
        assert failure.get("type") == "schema" and "bad.yaml:4:9: warning [schema]" in str(
            failure.text)
    summary = (project.root / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith(f"### {icon} slopolicy: 0 errors, 1 warning")



def test_fail_on_never_still_shows_errors_as_failures(problems: Project) -> None:
    """never keeps the exit code 0 (to upload the reports); an error stays a failure."""
    out = problems.run("check", "--fail-on", "never", "--format", "markdown").out
    assert out.startswith("### ❌ slopolicy: 2 errors")
    junit = problems.run("check", "--fail-on", "never", "--format", "junit")
    assert (junit.code, ET.fromstring(junit.out).get("failures")) == (0, "2")


def test_github_annotates_the_changes_problems_first(repo: Any) -> None:
    """Twelve errors the base already had sort before the SLA: the change's own error is
    among the ten GitHub shows, on the pull request's diff."""
    from gitrepos import BASE_DATE, sla

    repo.git("checkout", "-q", "main")
    repo.write("a-noise.yaml", "---\n".join(SERVICE.format(name=f"Bad{n}") for n in range(12)))
    repo.commit("noise", date=BASE_DATE)
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex.yaml", sla(version=2, target="99.5"))
    repo.commit("loosen")
    lines = repo.run("check", "--base", "main", "--format", "github").out.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10 and "title=slopolicy%3A " in errors[-1]
    assert errors[-2].startswith("::error file=slas/globex.yaml,")
    assert any("[sla-change-approval]::" in line for line in errors)
    rest = [line.split(":")[1] for line in lines if line.startswith("error: ")]
    assert rest == [" a-noise.yaml"] * (12 - sum("file=a-noise.yaml" in e for e in errors))


def test_markdown_keeps_the_changes_problems_within_its_budget(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Problems the base already had fill the budget: the change's own come first."""
    from gitrepos import BASE_DATE, sla

    for name in FORGE_ENV:
        monkeypatch.delenv(name, raising=False)
    long = "x" * 6000
    repo.git("checkout", "-q", "main")
    repo.write("a-noise.yaml", "---\n".join(SERVICE.format(name=f'"Bad {n} {long}"')
                                            for n in range(100)))
    repo.commit("noise", date=BASE_DATE)
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex.yaml", sla(version=2, target="99.5"))
    repo.commit("loosen")
    out = repo.run("check", "--base", "main", "--format", "markdown").out
    rows = [line for line in out.splitlines() if line.startswith("| ") and ".yaml:" in line]
    assert rows[0].startswith("| slas/globex.yaml:") and "`sla-change-approval`" in out
    assert 10 < len(rows) < 100 and "… and " in out


def test_junit_says_how_long_the_check_took(problems: Project) -> None:
    """GitLab and Jenkins show a suite's duration from its time attribute (it had none)."""
    out = problems.run("check", "--format", "junit").out
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("time") == root.get("time")
    assert re.fullmatch(r"\d+\.\d{3}", str(root.get("time"))) and float(str(root.get("time"))) > 0
