"""House rules: CEL policies, plugins, waivers, `slopolicy test` and the presets."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import HERE, REPO, Project

from slopolicy.config import settings as config_module
from slopolicy.load.readers import WorktreeReader
from slopolicy.rules import builtin_rules
from slopolicy.text.yamlsource import iter_documents

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: {name}
  labels: {{tier: {tier}}}
spec:
  customer: {name}
  service: {service}
  version: 1
  effective: {{from: 2025-01-01}}
  window: {{calendar: month, timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives:
    - name: availability
      indicator: availability
      targetPercent: {target}
"""
SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {name}\n"

POLICY = """\
apiVersion: slopolicy/v1
kind: Policy
metadata:
  name: house-rules
spec:
  rules:
{rules}"""

GOLD = """\
    - id: gold-needs-three-nines
      description: Every gold SLA promises at least 99.9% availability.
      severity: warning
      match: {kind: SLA, labels: {tier: gold}}
      assert: spec.objectives.all(o, o.indicator != 'availability' || o.targetPercent >= 99.9)
      message: availability below 99.9%
      path: spec.objectives
"""


def sla(name: str = "globex", tier: str = "gold", target: str = "99.9",
        service: str = "public-api") -> str:
    return SLA.format(name=name, tier=tier, target=target, service=service)


def house(project: Project, rules: str, extra: str = "") -> None:
    project.write("policies/house.yaml", POLICY.format(rules=textwrap.indent(
        textwrap.dedent(rules), "    ")))
    project.write(".slopolicy.yaml", "policies: [policies/house.yaml]\n"
                  "rules: {sla-backed-by-slo: off}\n" + extra)


def custom(run_problems: list[tuple[str, int, int, str]], *ids: str) -> list[tuple[str, int, int, str]]:
    return [p for p in run_problems if p[3] in ids]


# -- CEL policies ----------------------------------------------------------------------


def test_custom_rule_reports_located_findings(project: Project) -> None:
    house(project, GOLD)
    project.write("slas/low.yaml", sla("low", target="99.5"))
    project.write("slas/ok.yaml", sla("ok", target="99.95"))
    project.write("slas/silver.yaml", sla("silver", tier="silver", target="99"))
    run = project.check()
    assert run.code == 0  # a warning does not fail by default
    found = [p for p in run.json["problems"] if p["rule"] == "gold-needs-three-nines"]
    assert found == [{
        "rule": "gold-needs-three-nines", "severity": "warning", "file": "slas/low.yaml",
        "line": 14, "column": 5, "document": "SLA/low", "path": "spec.objectives",
        "message": "availability below 99.9%",
    }]


def test_an_integer_compares_with_a_decimal(project: Project) -> None:
    # targetPercent: 100 is a YAML int, 99.9 a CEL double; CEL compares them.
    house(project, GOLD)
    project.write("sla.yaml", sla(target="100"))
    project.write("low.yaml", sla("low", target="99"))
    assert custom(project.check().problems(), "gold-needs-three-nines") == [
        ("low.yaml", 14, 5, "gold-needs-three-nines")]


@pytest.mark.parametrize(
    ("match", "selected"),
    [
        ("{kind: SLA}", ["a", "b-legacy"]),
        ("{kind: [SLO, SLA], name: '*-legacy'}", ["b-legacy"]),
        ("{apiVersion: openslo/v1}", []),
        ("{labels: {tier: gold}}", ["a"]),
        ("{}", ["a", "b-legacy"]),  # every kind but Policy: the policy itself is not judged
    ],
)
def test_match_selectors(project: Project, match: str, selected: list[str]) -> None:
    house(project, f"""\
        - id: no-match-escapes
          match: {match}
          assert: "false"
          messageExpression: "kind + ' ' + metadata.name"
        """)
    project.write("a.yaml", sla("a"))
    project.write("b.yaml", sla("b-legacy", tier="silver"))
    messages = [p["message"] for p in project.check().json["problems"]
                if p["rule"] == "no-match-escapes"]
    assert messages == [f"SLA {name}" for name in selected]


def test_message_expression_and_default_path(project: Project) -> None:
    house(project, """\
        - id: sla-names-owner
          match: {kind: SLA}
          assert: has(metadata.owner)
          messageExpression: "'SLA ' + metadata.name + ' names no owner'"
        """)
    project.write("sla.yaml", sla())
    [problem] = [p for p in project.check().json["problems"] if p["rule"] == "sla-names-owner"]
    assert (problem["line"], problem["column"], problem["path"]) == (4, 9, "metadata.name")
    assert (problem["severity"], problem["message"]) == ("error", "SLA globex names no owner")


def test_cross_document_rule_sees_every_document(project: Project) -> None:
    house(project, """\
        - id: sla-service-exists
          match: {kind: SLA}
          assert: documents.exists(d, d.kind == 'Service' && d.metadata.name == spec.service)
          messageExpression: "'no Service named ' + spec.service"
          path: spec.service
        """)
    project.write("services.yaml", SERVICE.format(name="public-api"))
    project.write("known.yaml", sla("known"))
    project.write("unknown.yaml", sla("unknown", service="billing"))
    run = project.check()
    assert custom(run.problems(), "sla-service-exists") == [
        ("unknown.yaml", 8, 12, "sla-service-exists")]
    # Only the file asked about is reported on, but the rule still sees every document.
    run = project.check("known.yaml")
    assert custom(run.problems(), "sla-service-exists") == []


def test_cached_verdicts_follow_the_rule_and_the_document(project: Project) -> None:
    house(project, GOLD)
    project.write("slas/low.yaml", sla("low", target="99.5"))
    project.write("slas/ok.yaml", sla("ok", target="99.95"))
    assert [p[0] for p in custom(project.check().problems(), "gold-needs-three-nines")] == [
        "slas/low.yaml"]
    assert [p[0] for p in custom(project.check().problems(), "gold-needs-three-nines")] == [
        "slas/low.yaml"]  # warm: the kept verdicts
    house(project, GOLD.replace(">= 99.9", ">= 99.99"))  # a stricter rule judges again
    assert [p[0] for p in custom(project.check().problems(), "gold-needs-three-nines")] == [
        "slas/low.yaml", "slas/ok.yaml"]
    project.write("slas/low.yaml", sla("low", target="99.999"))  # so does an edited document
    assert [p[0] for p in custom(project.check().problems(), "gold-needs-three-nines")] == [
        "slas/ok.yaml"]


@pytest.mark.parametrize("edit", ["description", "path"])
def test_an_edit_of_what_a_rule_s_findings_show_is_seen_warm(project: Project, edit: str,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """A rule without a message says its description; its path is where its findings
    point, which a waiver may name. Editing either changes what the check says, and a
    warm check, from the kept verdicts or the project index, says what a check without
    the cache says."""
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count
    rule = GOLD.replace("      message: availability below 99.9%\n", "").replace(
        "severity: warning", "severity: error")
    waived = "waivers:\n" + waiver("gold-needs-three-nines", path="spec.objectives")
    house(project, rule, waived)
    project.write("slas/low.yaml", sla("low", target="99.5"))
    for _ in range(2):  # the second is answered from the project index
        assert project.check().code == 0  # waived where the rule points
    if edit == "description":
        house(project, rule.replace("Every gold SLA promises", "A gold SLA must promise"), waived)
    else:
        house(project, rule.replace("path: spec.objectives", "path: metadata.labels"), waived)
    for _ in range(2):
        run, cold = project.check(), project.check("--no-cache")
        assert (run.code, run.out) == (cold.code, cold.out)
    found = [p for p in run.json["problems"] if p["rule"] == "gold-needs-three-nines"]
    if edit == "description":
        assert [p["message"] for p in found] == [
            "A gold SLA must promise at least 99.9% availability."]
    else:  # the waiver names the old path: it no longer waives
        assert run.code == 1 and [p["path"] for p in found] == ["metadata.labels"]


def test_a_rule_that_reads_documents_is_judged_on_every_run(project: Project) -> None:
    house(project, """\
        - id: sla-service-exists
          match: {kind: SLA}
          assert: documents.exists(d, d.kind == 'Service' && d.metadata.name == spec.service)
          path: spec.service
        """)
    project.write("sla.yaml", sla())
    assert custom(project.check().problems(), "sla-service-exists")
    project.write("services.yaml", SERVICE.format(name="public-api"))  # sla.yaml is unchanged
    assert custom(project.check().problems(), "sla-service-exists") == []


def test_evaluation_error_is_a_finding_not_a_crash(project: Project) -> None:
    house(project, """\
        - id: needs-contract
          match: {kind: SLA}
          assert: spec.contract.startsWith('MSA-')
          path: spec
        """)
    project.write("a.yaml", sla("a"))
    project.write("b.yaml", sla("b").replace("  customer:", "  contract: MSA-1\n  customer:"))
    run = project.check()
    assert run.code == 1
    [problem] = [p for p in run.json["problems"] if p["rule"] == "needs-contract"]
    assert (problem["file"], problem["line"], problem["column"]) == ("a.yaml", 7, 3)
    assert problem["message"] == (
        "cannot evaluate needs-contract on SLA/a: no field 'contract' here (test optional "
        "fields with has(), e.g. has(spec.contract))")


def test_a_type_mismatch_is_explained(project: Project) -> None:
    house(project, """\
        - id: odd
          match: {kind: SLA}
          assert: spec.version + 'x' == 'y'
        """)
    project.write("a.yaml", sla("a"))
    [problem] = [p for p in project.check().json["problems"] if p["rule"] == "odd"]
    assert "no operator + for int and string" in problem["message"]


def test_cel_syntax_error_exits_2_with_the_position(project: Project) -> None:
    house(project, """\
        - id: broken
          assert: spec.objectives.all(o, o.targetPercent >)
        """)
    project.write("a.yaml", sla("a"))
    run = project.run("check")
    assert run.code == 2
    assert run.err == (
        "slopolicy: error: policies/house.yaml:8:15: rule broken: assert (expression line 1, "
        "column 41): syntax error: unexpected ')'\n"
        "    spec.objectives.all(o, o.targetPercent >)\n"
        "                                            ^\n")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("sepc.version > 1", "undeclared reference 'sepc'"),
        ("spec.objectives.every(o, true)", "unknown function 'every'"),
        ("spec.objectives.all(o.name, true)", "all() takes a variable name first"),
        ("o.name == 'x'", "undeclared reference 'o'"),
    ],
)
def test_unknown_names_are_caught_at_load(project: Project, expression: str, message: str) -> None:
    house(project, f"""\
        - id: typo
          assert: "{expression}"
        """)
    run = project.run("check")
    assert run.code == 2
    assert "policies/house.yaml:8:15: rule typo: assert (expression line 1, column" in run.err
    assert message in run.err


def test_bound_variables_are_scoped_to_their_macro(project: Project) -> None:
    house(project, """\
        - id: scoped
          match: {kind: SLA}
          assert: spec.objectives.exists(o, o.name == 'availability') && spec.objectives.map(x, x.name).size() == 1
        """)
    project.write("a.yaml", sla("a"))
    assert custom(project.check().problems(), "scoped") == []


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("- id: schema\n  assert: 'true'\n", "rule id 'schema' is a built-in rule id"),
        ("- id: Bad_Id\n  assert: 'true'\n", "policies/house.yaml:7:11: 'Bad_Id' is not a rule id"),
        ("- id: a\n  assert: 'true'\n  message: m\n  messageExpression: \"'m'\"\n",
         "give message or messageExpression, not both"),
        ("- id: a\n  assert: 'true'\n  path: spec..x\n", "path: 'spec..x' is not a path"),
        ("- id: a\n  assert: 'true'\n- id: a\n  assert: 'false'\n", "defined again in"),
    ],
)
def test_policy_errors_exit_2(project: Project, rules: str, message: str) -> None:
    house(project, rules)
    run = project.run("check")
    assert run.code == 2
    assert message in run.err


def test_missing_policy_file_exits_2(project: Project) -> None:
    project.write(".slopolicy.yaml", "policies: [nowhere.yaml]\n")
    run = project.run("check")
    assert run.code == 2 and "policies: 'nowhere.yaml': no such file or folder" in run.err


def test_custom_rules_are_listed_explained_and_configurable(project: Project) -> None:
    house(project, GOLD)
    project.write(".slopolicy.yaml", "policies: [policies/house.yaml]\n"
                  "rules: {sla-backed-by-slo: off, gold-needs-three-nines: error}\n")
    [line] = [x for x in project.run("rules").out.splitlines() if x.startswith("gold-needs")]
    assert line.split(None, 2) == [
        "gold-needs-three-nines", "error*", "Every gold SLA promises at least 99.9% availability."]
    explained = project.run("rules", "explain", "gold-needs-three-nines").out
    assert explained.startswith(
        "gold-needs-three-nines (default severity: warning; here: error)\n\n"
        "Every gold SLA promises at least 99.9% availability.\n\n"
        "Defined in policies/house.yaml:7 (Policy/house-rules).\n"
        "Applies to: kind SLA, label tier=gold.\n")
    project.write("sla.yaml", sla(target="99"))
    run = project.check()
    assert run.code == 1
    assert {p["severity"] for p in run.json["problems"]
            if p["rule"] == "gold-needs-three-nines"} == {"error"}


def test_policy_folder_loads_its_files(project: Project) -> None:
    project.write("policies/a.yaml", POLICY.format(rules="    - {id: rule-a, assert: 'true'}\n"))
    project.write("policies/b.yaml", POLICY.replace("house-rules", "more").format(
        rules="    - {id: rule-b, assert: 'true'}\n"))
    project.write("policies/tests/case/sla.yaml", sla())  # below the folder: not a policy
    project.write(".slopolicy.yaml", "policies: [policies/]\n")
    listing = project.run("rules").out
    assert "rule-a" in listing and "rule-b" in listing


# -- waivers ---------------------------------------------------------------------------

BAD_NAME = SERVICE.format(name="Bad Name")


def waiver(rule: str = "schema", expires: str = "2999-01-01", **more: str) -> str:
    fields = "".join(f", {k}: {v!r}" for k, v in more.items())
    return f"  - {{rule: {rule}, reason: 'renaming, OPS-1', expires: {expires}{fields}}}\n"


def test_live_waiver_waives(project: Project) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + waiver(document="Service/Bad Name"))
    project.write("svc.yaml", BAD_NAME)
    run = project.check()
    assert run.code == 0
    assert run.json["summary"]["waived"] == 1 and run.json["summary"]["errors"] == 0
    [problem] = run.json["problems"]
    assert (problem["waived"], problem["waiverReason"]) == (True, "renaming, OPS-1")
    text = project.run("check")
    assert "(waived: renaming, OPS-1)" in text.out and text.code == 0


def test_waiver_path_covers_what_is_below_it(project: Project) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + waiver(path="metadata"))
    project.write("svc.yaml", BAD_NAME)
    assert project.check().json["summary"]["waived"] == 1


def test_expired_waiver_no_longer_waives_and_says_so(project: Project) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + waiver(expires="2020-01-31"))
    project.write("svc.yaml", BAD_NAME)
    run = project.check()
    assert run.code == 1
    [problem] = run.json["problems"]
    assert "waived" not in problem
    assert problem["message"].endswith(" (waiver expired on 2020-01-31: renaming, OPS-1)")


def test_unused_waiver_is_a_warning_at_the_waiver(project: Project) -> None:
    project.write(".slopolicy.yaml", "rules: {duplicate-name: error}\nwaivers:\n"
                  + waiver(document="Service/gone") + waiver(rule="duplicate-name",
                                                              expires="2020-01-01"))
    project.write("svc.yaml", SERVICE.format(name="fine"))
    run = project.check()
    assert run.code == 0  # a warning
    assert [(p["file"], p["line"], p["rule"], p["severity"], p["message"])
            for p in run.json["problems"]] == [
        (".slopolicy.yaml", 3, "unused-waiver", "warning",
         ("waiver of schema (document Service/gone) matches no problem: the problem is gone, "
          "so delete the waiver")),
        (".slopolicy.yaml", 4, "unused-waiver", "warning",
         ("waiver of duplicate-name matches no problem; it expired on 2020-01-01 too: the "
          "problem is gone, so delete the waiver")),
    ]
    assert project.run("check", "--fail-on", "warning").code == 1


def test_unused_waiver_is_not_judged_when_its_rule_did_not_run(project: Project) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + waiver())
    project.write("svc.yaml", SERVICE.format(name="fine"))
    assert project.check("--select", "duplicate-name,unused-waiver").problems() == []
    assert project.check("--ignore", "schema").problems() == []
    project.write(".slopolicy.yaml", "rules: {schema: off}\nwaivers:\n" + waiver())
    assert project.check().problems() == []
    # a change rule's waiver: judged only with --base, and then the base's config is in force
    project.write(".slopolicy.yaml", "waivers:\n" + waiver(rule="sla-version-bump"))
    assert project.check().problems() == []


def test_unused_waiver_under_pre_commit(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + waiver(document="Service/Bad Name"))
    project.write("svc.yaml", BAD_NAME)
    project.write("other.yaml", SERVICE.format(name="fine"))
    monkeypatch.setenv("PRE_COMMIT", "1")
    # Only other.yaml changed: the waiver still matches svc.yaml's problem (rules see the
    # whole project) and nothing about the configuration is reported.
    assert project.check("other.yaml").problems() == []
    project.write("svc.yaml", SERVICE.format(name="fixed"))
    assert project.check("svc.yaml").problems() == []
    # The configuration is among the changed files: its stale waiver is shown.
    assert project.check("svc.yaml", ".slopolicy.yaml").problems() == [
        (".slopolicy.yaml", 2, 1, "unused-waiver")]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {rule: schema, expires: 2999-01-01}\n", "waivers[0]: 'reason' is required"),
        ("  - {rule: schema, reason: x}\n", "waivers[0]: 'expires' is required"),
        ("  - {rule: schema, reason: ' ', expires: 2999-01-01}\n", "a waiver needs a reason"),
        # a reason of invisible characters alone (a zero-width space) says nothing either
        ("  - {rule: schema, reason: \"\\u200b\", expires: 2999-01-01}\n",
         "a waiver needs a reason"),
        ("  - {rule: schema, reason: '--', expires: 2999-01-01}\n", "a waiver needs a reason"),
        ("  - {rule: schema, reason: x, expires: someday}\n", "expected a date, YYYY-MM-DD"),
        ("  - {rule: nope, reason: x, expires: 2999-01-01}\n", "waivers[0].rule: unknown rule id"),
    ],
)
def test_no_waiver_without_reason_and_end_date(project: Project, entry: str, message: str) -> None:
    project.write(".slopolicy.yaml", "waivers:\n" + entry)
    run = project.run("check")
    assert run.code == 2 and message in run.err, run.err


# -- plugins ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/plugin_fixture, installed with pip into a folder of its own."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(HERE / "plugin_fixture", source)  # the build writes beside its sources
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--disable-pip-version-check", "--target", str(target),
         str(source)],
        check=True, capture_output=True, text=True,
    )
    return target


@pytest.fixture
def plugin(plugin_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(plugin_site))
    return plugin_site


def test_plugin_rule_runs_through_its_entry_point(project: Project, plugin: Path) -> None:
    project.write(".slopolicy.yaml", "plugins: [fixture-owner]\n"
                  "rules: {sla-backed-by-slo: off}\n")
    project.write("sla.yaml", sla())
    run = project.check()
    assert custom(run.problems(), "fixture-owner") == [("sla.yaml", 4, 9, "fixture-owner")]
    [problem] = [p for p in run.json["problems"] if p["rule"] == "fixture-owner"]
    assert (problem["severity"], problem["message"]) == (
        "warning", "SLA globex names no owner; add metadata.owner")
    explained = project.run("rules", "explain", "fixture-owner").out
    assert "Every SLA names an owner in metadata" in explained
    # options and severity are configured like a built-in rule's
    project.write(".slopolicy.yaml", "plugins: [fixture-owner]\nrules:\n"
                  "  sla-backed-by-slo: off\n  fixture-owner: {severity: error, field: contract}\n")
    [problem] = [p for p in project.check().json["problems"] if p["rule"] == "fixture-owner"]
    assert (problem["severity"], problem["message"]) == (
        "error", "SLA globex names no contract; add metadata.contract")


def test_plugin_loads_only_when_named(project: Project, plugin: Path) -> None:
    project.write("sla.yaml", sla())
    run = project.check("--select", "fixture-owner")
    assert run.code == 2 and "unknown rule id fixture-owner" in run.err


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fixture-ownr", ("plugins: 'fixture-ownr': no installed plugin of that name; "
                          'did you mean "fixture-owner"?')),
        ("fixture-not-a-rule", "plugins: 'fixture-not-a-rule': not a slopolicy rule: ID must"),
    ],
)
def test_bad_plugins_exit_2(project: Project, plugin: Path, name: str, message: str) -> None:
    project.write(".slopolicy.yaml", f"plugins: [{name}]\n")
    run = project.run("check")
    assert run.code == 2 and message in run.err


def test_plugin_code_inside_the_checked_repository_never_runs(
    project: Project, plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The repository ships a copy of the "installed" plugin and puts itself on the path,
    # as `python -m slopolicy` does with the current folder.
    vendor = project.root / "vendor"
    shutil.copytree(plugin, vendor)
    (vendor / "slopolicy_fixture_plugin.py").write_text("raise SystemExit('repository code ran')\n")
    monkeypatch.syspath_prepend(str(vendor))
    monkeypatch.delitem(sys.modules, "slopolicy_fixture_plugin", raising=False)
    project.write(".slopolicy.yaml", "plugins: [fixture-owner]\nrules: {sla-backed-by-slo: off}\n")
    project.write("sla.yaml", sla())
    run = project.check()  # the installed plugin is loaded, not the repository's copy
    assert custom(run.problems(), "fixture-owner") == [("sla.yaml", 4, 9, "fixture-owner")]
    assert not sys.modules["slopolicy_fixture_plugin"].__file__.startswith(str(project.root))


def test_plugin_provided_only_by_the_checked_repository_is_refused(
    project: Project, plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = project.root / "vendor"
    shutil.copytree(plugin, vendor)
    entry_points = next(vendor.glob("*.dist-info")) / "entry_points.txt"
    entry_points.write_text(entry_points.read_text().replace("fixture-owner", "repo-owner"))
    monkeypatch.syspath_prepend(str(vendor))
    project.write(".slopolicy.yaml", "plugins: [repo-owner]\n")
    run = project.run("check")
    assert run.code == 2
    assert "plugins: 'repo-owner': provided only by a package inside the repository" in run.err


# -- slopolicy test --------------------------------------------------------------------


def cases(project: Project) -> None:
    house(project, GOLD)
    project.write("tests/low/sla.yaml", sla(target="99.5"))
    project.write("tests/low/expected.yaml", """\
        rules: [gold-needs-three-nines]
        findings:
          - {rule: gold-needs-three-nines, file: sla.yaml, line: 14, column: 5}
        """)
    project.write("tests/ok/sla.yaml", sla(target="99.95"))
    project.write("tests/ok/expected.yaml", "rules: [gold-needs-three-nines]\nfindings: []\n")


def test_slopolicy_test_passes(project: Project) -> None:
    cases(project)
    run = project.run("test", "tests")
    assert run.code == 0
    assert run.out == ("PASS tests/low (1 finding)\nPASS tests/ok (0 findings)\n"
                       "slopolicy test: 2 cases, 2 passed, 0 failed\n")


def test_slopolicy_test_fails_with_a_diff(project: Project) -> None:
    cases(project)
    project.write("tests/ok/sla.yaml", sla(target="99.0"))
    project.write("tests/low/expected.yaml", """\
        findings:
          - {rule: gold-needs-three-nines, file: sla.yaml, line: 15}
        """)
    run = project.run("test", "tests")
    assert run.code == 1
    assert run.out == (
        "FAIL tests/low\n"
        "  - expected gold-needs-three-nines sla.yaml:15  (not found)\n"
        "  + found    gold-needs-three-nines sla.yaml:14:5 availability below 99.9%\n"
        "FAIL tests/ok\n"
        "  + found    gold-needs-three-nines sla.yaml:14:5 availability below 99.9%\n"
        "slopolicy test: 2 cases, 0 passed, 2 failed\n")


def test_slopolicy_test_junit_for_ci(project: Project) -> None:
    """One test case per case folder, the difference as its one failure; untested rules fail too."""
    cases(project)
    project.write("tests/ok/sla.yaml", sla(target="99.0"))
    house(project, GOLD + GOLD.replace("gold-needs-three-nines", "other-rule"))
    run = project.run("test", "tests", "--format", "junit", "--require-tests",
                      "--output", "out/junit.xml")
    assert (run.code, run.out) == (1, "")
    root = ET.fromstring((project.root / "out" / "junit.xml").read_bytes())
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        "slopolicy test", "3", "2")
    low, ok, untested = suite.findall("testcase")
    assert (low.get("name"), low.get("classname")) == ("tests/low", "slopolicy.test")
    assert low.find("failure") is None
    assert "sla.yaml:14:5: warning [gold-needs-three-nines]" in (low.findtext("system-out") or "")
    failure = ok.find("failure")
    assert failure is not None and failure.get("message") == "1 finding differs from expected.yaml"
    assert failure.text == ("+ found    gold-needs-three-nines sla.yaml:14:5 availability "
                            "below 99.9%")
    assert (untested.get("name"), untested.get("classname")) == ("other-rule",
                                                                 "slopolicy.require-tests")
    untested_failure = untested.find("failure")
    assert untested_failure is not None
    assert "defined in policies/house.yaml" in (untested_failure.get("message") or "")
    assert float(suite.get("time") or "x") >= 0


def test_slopolicy_test_quiet_and_verbose(project: Project) -> None:
    cases(project)
    project.write("tests/ok/sla.yaml", sla(target="99.0"))
    quiet = project.run("test", "tests", "-q")
    assert (quiet.code, quiet.out) == (1, "FAIL tests/ok\n  + found    gold-needs-three-nines "
                                          "sla.yaml:14:5 availability below 99.9%\n")
    verbose = project.run("test", "tests/low", "--verbose")
    assert verbose.out.splitlines()[:2] == [
        "PASS tests/low (1 finding)",
        "    sla.yaml:14:5 [gold-needs-three-nines] availability below 99.9%"]


def test_a_case_runs_every_rule_unless_it_selects(project: Project) -> None:
    cases(project)
    project.write("tests/ok/expected.yaml", "findings: []\n")
    project.write("tests/ok/sla.yaml", sla(name="Bad Name", target="99.95"))
    run = project.run("test", "tests/ok")
    assert run.code == 1
    assert "  + found    schema sla.yaml:4:9 'Bad Name' is not a valid name" in run.out


def test_require_tests(project: Project) -> None:
    cases(project)
    house(project, GOLD + """\
    - id: sla-names-owner
      match: {kind: SLA}
      assert: has(metadata.owner)
""")
    run = project.run("test", "tests", "--require-tests")
    assert run.code == 1
    assert run.out.endswith(
        "UNTESTED sla-names-owner (policies/house.yaml:14): no case expects a finding of it\n"
        "slopolicy test: 2 cases, 2 passed, 0 failed, 1 rule untested\n")
    project.write("tests/owner/sla.yaml", sla())
    project.write("tests/owner/expected.yaml", "rules: [sla-names-owner]\nfindings:\n"
                  "  - {rule: sla-names-owner, file: sla.yaml, line: 4}\n")
    assert project.run("test", "tests", "--require-tests").code == 0
    run = project.run("test", "tests", "--require-tests=all")
    assert run.code == 1 and "UNTESTED schema:" in run.out


@pytest.mark.parametrize(
    ("expected", "message"),
    [
        ("findings: [{rule: nope, file: a.yaml, line: 1}]\n", "findings[0].rule: unknown rule id"),
        ("findings: [{rule: schema, file: a.yaml}]\n", "'line' is required"),
        ("rules: [nope]\nfindings: []\n", "rules[0]: unknown rule id 'nope'"),
        ("finding: []\n", 'unknown property "finding"'),
    ],
)
def test_bad_expected_file_exits_2(project: Project, expected: str, message: str) -> None:
    project.write("tests/a/expected.yaml", expected)
    run = project.run("test", "tests")
    assert run.code == 2 and message in run.err, run.err


def test_no_cases_exits_2(project: Project) -> None:
    (project.root / "tests").mkdir()
    run = project.run("test", "tests")
    assert run.code == 2 and "no test cases" in run.err


def test_the_example_house_rules_pass_their_tests(capsys: pytest.CaptureFixture[str]) -> None:
    from slopolicy.cli import main

    old = Path.cwd()
    os.chdir(REPO / "examples")
    try:
        code = main(["test", "policies", "--require-tests"])
    finally:
        os.chdir(old)
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.endswith("slopolicy test: 4 cases, 4 passed, 0 failed\n")


def test_the_readme_walkthrough(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """README.md "House rules", as a new user follows it: its files, commands and outputs."""
    from slopolicy.cli import main

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## House rules\n"):]
    section = section[:section.index("\n## ", 3)]
    for name in ("GITHUB_ACTIONS", "PRE_COMMIT", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "reliability"
    shutil.copytree(REPO / "examples" / "acme", repo)
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    position, ran = 0, 0
    for block in re.finditer(r"```(yaml|console)\n(.*?)```", section, re.DOTALL):
        prose, position = section[position:block.start()], block.end()
        if "Lower Globex's promise" in prose:
            path = repo / "slas" / "globex.yaml"
            path.write_text(path.read_text().replace("targetPercent: 99.9\n", "targetPercent: 99.5\n", 1))
        kind, body = block.groups()
        # a file's path stands before its block, so the block's line numbers are the file's
        named = re.search(r"`(\S+\.yaml)`:\n\n$", prose)
        if kind == "yaml" and named:
            (repo / named.group(1)).parent.mkdir(parents=True, exist_ok=True)
            (repo / named.group(1)).write_text(body)
        for command in re.split(r"(?m)^\$ ", body)[1:] if kind == "console" else []:
            line, _, expected = command.partition("\n")
            if not line.startswith("slopolicy "):
                continue
            capsys.readouterr()
            main(shlex.split(line)[1:])
            assert capsys.readouterr().out == expected, line
            ran += 1
    assert ran == 4


def test_pre_commit_hook_for_slopolicy_test() -> None:
    [loaded] = iter_documents((REPO / ".pre-commit-hooks.yaml").read_text())
    assert not isinstance(loaded, Exception)
    hooks = {h["id"]: h for h in loaded.data}
    hook = hooks["slopolicy-test"]
    assert (hook["entry"], hook["pass_filenames"]) == ("slopolicy test", False)


# -- presets ---------------------------------------------------------------------------


def severities(preset: str, tmp_path: Path) -> tuple[dict[str, str], config_module.Config]:
    """Every built-in rule's severity under a preset, as a project extending it sees them."""
    path = tmp_path / f"{preset}.slopolicy.yaml"
    path.write_text(f"extends: {preset}\n")
    rules = builtin_rules()
    config = config_module.load(WorktreeReader(tmp_path), path.name, tmp_path, rules)
    return {rule.id: config.setting(rule).severity for rule in rules.values()}, config


def test_strict_raises_every_warning_of_default_to_error(tmp_path: Path) -> None:
    default, _ = severities("default", tmp_path)
    strict, _ = severities("strict", tmp_path)
    warnings = [rule for rule, severity in default.items() if severity == "warning"]
    assert "unused-waiver" in warnings
    assert {rule: strict[rule] for rule in warnings} == {rule: "error" for rule in warnings}
    assert {r: s for r, s in strict.items() if r not in warnings} == {
        r: s for r, s in default.items() if r not in warnings}


def test_strict_tightens_headroom(tmp_path: Path) -> None:
    _, config = severities("strict", tmp_path)
    headroom = builtin_rules()["slo-headroom"]
    assert str(config.setting(headroom).options["max-budget-ratio"]) == "0.25"


def test_a_document_without_metadata_or_spec_is_judged_not_a_crash(project: Project) -> None:
    # the activation read the absent key through cel-python's MapType.get, which raises
    # KeyError without a default: an internal error (exit 3) for the whole run
    house(project, """\
        - id: slo-names-service
          severity: warning
          match: {kind: SLO}
          assert: has(spec.service) && has(metadata.name)
          message: name the SLO and its service
        - id: services-describe
          severity: warning
          match: {kind: Service}
          assert: has(spec.description)
          message: describe the service
        """)
    project.write("slo.yaml", "apiVersion: openslo/v1\nkind: SLO\nspec: {}\n")
    project.write("svc.yaml", SERVICE.format(name="checkout"))  # no spec: valid OpenSLO
    run = project.check()
    assert run.code == 1, run.err
    assert custom(run.problems(), "slo-names-service", "services-describe") == [
        ("slo.yaml", 1, 1, "slo-names-service"), ("svc.yaml", 4, 9, "services-describe")]
