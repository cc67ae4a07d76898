"""One check run, several outputs (``--report FORMAT:PATH``), and GitLab's Code Quality format."""
from __future__ import annotations

import json

import pytest
from conftest import Project

from slopolicy.report.check import REPORTERS

SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata: {{name: {name}}}\n"
DUPLICATES = SERVICE.format(name="checkout") + "---\n" + SERVICE.format(name="checkout")
BAD_NAME = 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: "Check Out"\n'


@pytest.fixture
def problems(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "CI_PROJECT_URL",
                 "CI_COMMIT_SHA"):
        monkeypatch.delenv(name, raising=False)
    project.write("services.yaml", DUPLICATES)
    project.write("bad.yaml", BAD_NAME)
    return project


def test_one_run_writes_every_report_it_is_asked_for(problems: Project) -> None:
    alone = {name: problems.run("check", "--format", name).out
             for name in ("text", "sarif", "markdown", "codeclimate")}
    out = problems.root.parent / "reports"  # outside the project: a JSON report is no document
    run = problems.run("check", "--report", f"sarif:{out}/slopolicy.sarif",
                       "--report", f"markdown:{out}/summary.md",
                       "--report", f"codeclimate:{out}/cq.json")
    assert run.code == 1
    assert run.out == alone["text"]  # stdout keeps the normal report
    assert (out / "slopolicy.sarif").read_text() == alone["sarif"]
    assert (out / "summary.md").read_text() == alone["markdown"]
    assert (out / "cq.json").read_text() == alone["codeclimate"]


def test_reports_go_beside_output_and_format(problems: Project) -> None:
    out = problems.root.parent
    run = problems.run("check", "--format", "json", "--output", f"{out}/report.json",
                       "--report", f"junit:{out}/junit.xml", "--fail-on", "never")
    assert (run.code, run.out) == (0, "")
    assert json.loads((out / "report.json").read_text())["summary"]["errors"] == 2
    assert 'failures="2"' in (out / "junit.xml").read_text()


@pytest.mark.parametrize("spec", ["pdf:out.pdf", "sarif", "sarif:", ":out.sarif"])
def test_a_report_must_be_a_known_format_and_a_path(problems: Project, spec: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        problems.run("check", "--report", spec)
    assert exit_.value.code == 2
    err = problems.capsys.readouterr().err
    assert "is not FORMAT:PATH with FORMAT one of" in err and "codeclimate" in err


def test_codeclimate_is_registered() -> None:
    assert "codeclimate" in REPORTERS.names()


def test_codeclimate_issues_carry_what_gitlab_reads(problems: Project) -> None:
    problems.write(".slopolicy.yaml", "rules:\n  duplicate-name: warning\n")
    run = problems.run("check", "--format", "codeclimate")
    assert run.code == 1
    issues = json.loads(run.out)
    by_rule = {i["check_name"]: i for i in issues}
    assert set(by_rule) == {"schema", "duplicate-name"}
    schema = by_rule["schema"]
    assert schema["location"] == {"path": "bad.yaml", "lines": {"begin": 4}}
    assert schema["severity"] == "major"
    assert "'Check Out' is not a valid name" in schema["description"]
    assert "(Service/Check Out, metadata.name)" in schema["description"]
    assert by_rule["duplicate-name"]["severity"] == "minor"
    assert by_rule["duplicate-name"]["location"] == {"path": "services.yaml",
                                                     "lines": {"begin": 7}}
    assert all(i["type"] == "issue" and len(i["fingerprint"]) == 64 for i in issues)


def test_codeclimate_fingerprints_follow_the_finding_and_stay_distinct(project: Project) -> None:
    project.write("slo.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec: {}\n")
    before = json.loads(project.run("check", "--format", "codeclimate").out)
    fingerprints = [i["fingerprint"] for i in before]
    assert len(before) >= 3 and len(set(fingerprints)) == len(fingerprints)
    project.write("slo.yaml", "# two lines\n# moved\n" + (project.root / "slo.yaml").read_text())
    after = json.loads(project.run("check", "--format", "codeclimate").out)
    assert [i["location"]["lines"]["begin"] for i in after] == [
        i["location"]["lines"]["begin"] + 2 for i in before]
    assert [i["fingerprint"] for i in after] == fingerprints


def test_codeclimate_waived_problem_is_information(problems: Project) -> None:
    problems.write(".slopolicy.yaml", 'waivers:\n  - {rule: schema, document: "Service/Check Out",'
                   ' reason: "legacy name", expires: 2999-01-01}\n')
    issues = json.loads(problems.run("check", "--format", "codeclimate").out)
    [waived] = [i for i in issues if i["check_name"] == "schema"]
    assert waived["severity"] == "info"
    assert waived["description"].endswith("[waived: legacy name]")


def test_codeclimate_without_problems_is_an_empty_list(project: Project) -> None:
    project.write("ok.yaml", SERVICE.format(name="ok"))
    run = project.run("check", "--format", "codeclimate")
    assert (run.code, json.loads(run.out)) == (0, [])
