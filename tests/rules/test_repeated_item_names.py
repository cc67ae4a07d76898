"""``duplicate-name``: a name repeated in a keyed list of an SLA (objectives, exclusions,
support severities), reported at the second name; and ``support-times`` with a repeated level."""
from __future__ import annotations

from conftest import Project

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex}
spec:
  customer: globex
  service: checkout
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: availability, indicator: availability, targetPercent: 99.9}
    - {name: latency, indicator: latency, threshold: 10s, targetPercent: 99.95}
  exclusions:
    - {name: scheduled-maintenance, maxPerWindow: 4h, notice: 72h}
    - {name: emergency-maintenance, maxPerWindow: 1h, notice: 1h}
  support:
    hours: 24x7
    severities:
      - {level: P1, response: 30m, resolution: 4h}
      - {level: P2, response: 2h, resolution: 1d}
      - {level: P3, response: 4h, resolution: 2d}
"""


def duplicates(project: Project, text: str) -> list[tuple[str, int, int, str]]:
    project.write("sla.yaml", text)
    run = project.check("--select", "duplicate-name")
    return run.problems()


def at(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


def test_unique_names_pass(project: Project) -> None:
    assert duplicates(project, SLA) == []


def test_an_objective_name_given_twice(project: Project) -> None:
    text = SLA.replace("{name: latency,", "{name: availability,")
    assert duplicates(project, text) == [("sla.yaml", 13, 14, "duplicate-name")]
    run = project.check("--select", "duplicate-name")
    [problem] = run.json["problems"]
    assert problem["message"].startswith(
        "SLA/globex: objective availability is given twice (first at line 12)")
    assert problem["path"] == "spec.objectives[1].name"
    assert (problem["related"][0]["line"], problem["related"][0]["column"]) == (12, 14)


def test_an_exclusion_name_given_twice(project: Project) -> None:
    second = "    - {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}"
    text = SLA.replace("    - {name: emergency-maintenance, maxPerWindow: 1h, notice: 1h}", second)
    assert duplicates(project, text) == [("sla.yaml", at(text, second), 14, "duplicate-name")]


def test_a_severity_level_given_twice_and_each_repeat(project: Project) -> None:
    third = "      - {level: P2, response: 4h, resolution: 3d}"
    fourth = "      - {level: P1, response: 1h, resolution: 8h}"
    text = SLA.replace("      - {level: P3, response: 4h, resolution: 2d}", third + "\n" + fourth)
    assert duplicates(project, text) == [("sla.yaml", at(text, third), 17, "duplicate-name"),
                                         ("sla.yaml", at(text, fourth), 17, "duplicate-name")]


def test_a_name_may_repeat_across_lists(project: Project) -> None:
    text = SLA.replace("{name: emergency-maintenance,", "{name: availability,")
    assert duplicates(project, text) == []


def test_support_times_never_compares_a_level_with_itself(project: Project) -> None:
    """Two P2 levels, the first the slower: no "P2 is more severe than P2"; each P2 is still
    compared with P1 and P3."""
    second = "      - {level: P2, response: 1h, resolution: 12h}"
    text = SLA.replace("      - {level: P3,", second + "\n      - {level: P3,").replace(
        "{level: P1, response: 30m, resolution: 4h}", "{level: P1, response: 30m, resolution: 16h}")
    project.write("sla.yaml", text)
    run = project.check("--select", "support-times")
    messages = [p["message"] for p in run.json["problems"]]
    assert messages == [
        "P1 is more severe than P2 but its resolution time 16h is slower than P2's 12h"]
    assert run.problems() == [("sla.yaml", at(text, "      - {level: P1, response: 30m, "
                                                    "resolution: 16h}"), 48, "support-times")]
    assert run.json["problems"][0]["related"][0]["line"] == at(text, second)


def test_rules_explain_shows_a_repeated_item_name(project: Project) -> None:
    run = project.run("rules", "explain", "duplicate-name")
    assert run.code == 0
    assert "- {name: scheduled-maintenance, maxPerWindow: 40h, notice: 1h}" in run.out
