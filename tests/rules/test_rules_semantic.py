"""The SLO-vs-SLA rules: passing and failing documents, with (line, column)."""
from __future__ import annotations

import pytest
from conftest import RATIO_SLI, Project

from slopolicy.text.spelling import shown

SLI = RATIO_SLI


def slo(target: str, window: str = "calendar", name: str = "api-availability", extra: str = "") -> str:
    time_window = (
        "    - duration: 1M\n      isRolling: false\n"
        "      calendar: {startTime: '2025-01-01 00:00:00', timeZone: UTC}\n"
        if window == "calendar"
        else f"    - duration: {window}\n      isRolling: true\n"
    )
    return (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n"
        f"  name: {name}\n{extra}"
        "spec:\n  service: api\n  indicatorRef: api-success\n  timeWindow:\n"
        f"{time_window}"
        "  budgetingMethod: Occurrences\n  objectives:\n    - displayName: internal\n"
        f"      target: {target}\n"
    )


def sla(percent: str = "99.9", more: str = "") -> str:
    return (
        "apiVersion: slopolicy/v1\nkind: SLA\nmetadata:\n  name: globex\nspec:\n"
        "  customer: globex\n  service: api\n  version: 1\n  effective: {from: 2025-01-01}\n"
        "  window: {calendar: month, timeZone: UTC}\n  budgetingMethod: Occurrences\n"
        "  objectives:\n    - name: availability\n      indicator: availability\n"
        f"      targetPercent: {percent}\n{more}"
    )


def write(project: Project, slo_text: str | None, sla_text: str) -> None:
    project.write("sli.yaml", SLI)
    if slo_text is not None:
        project.write("slo.yaml", slo_text)
    project.write("sla.yaml", sla_text)


def test_proven_with_headroom_passes(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    run = project.check()
    assert run.json["problems"] == [] and run.code == 0


def test_violated_is_reported_at_the_slo_target_with_the_sla_related(project: Project) -> None:
    write(project, slo("0.995"), sla())
    run = project.check()
    assert run.problems() == [("slo.yaml", 15, 15, "slo-stricter-than-sla")]
    (problem,) = run.json["problems"]
    assert problem["path"] == "spec.objectives[0].target"
    assert problem["related"][0]["file"] == "sla.yaml"
    assert problem["related"][0]["line"] == 15
    assert "99.5%" in problem["message"] and "99.9%" in problem["message"]


def test_rolling_window_counterexample_names_the_minutes(project: Project) -> None:
    text = slo("0.999", window="30d").replace("Occurrences", "Timeslices").replace(
        "      target: 0.999\n", "      target: 0.999\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n"
    )
    sla_text = sla().replace("Occurrences", "Timeslices\n  timeSlice: {window: 1m, target: 0.95}")
    write(project, text, sla_text)
    (problem,) = project.check().json["problems"]
    assert problem["rule"] == "slo-stricter-than-sla"
    # Timeslices counts whole slices: 99.9% of 43,200 one-minute slices is 43 of them
    assert "43 bad 1-minute slices on day 1 and again on day 31" in problem["message"]
    assert "86 > 44 bad 1-minute slices" in problem["message"]


def test_occurrences_over_a_rolling_28d_prove_a_month(project: Project) -> None:
    write(project, slo("0.9999", window="28d"), sla())
    assert project.check().json["problems"] == []


def test_occurrences_over_a_rolling_28d_break_a_stricter_month_in_requests(
        project: Project) -> None:
    write(project, slo("0.999", window="28d"), sla("99.85"))
    (problem,) = project.check().json["problems"]
    assert problem["rule"] == "slo-stricter-than-sla" and "is weaker than" in problem["message"]
    assert "1 failed request at each of 0s and 28d12h" in problem["message"]


def test_headroom_warns_and_names_the_target_to_reach(project: Project) -> None:
    write(project, slo("0.9992"), sla())
    run = project.check()
    assert run.problems() == [("slo.yaml", 15, 15, "slo-headroom")]
    (problem,) = run.json["problems"]
    assert problem["severity"] == "warning"
    assert "80%" in problem["message"] and "at least 99.95%" in problem["message"]
    assert run.code == 0  # warnings do not fail by default


def test_equal_targets_have_no_headroom(project: Project) -> None:
    write(project, slo("0.999"), sla())
    (problem,) = project.check().json["problems"]
    assert problem["rule"] == "slo-headroom" and "no margin" in problem["message"]


def hourly(text: str, slo_side: bool) -> str:
    """The same documents counting whole bad hours (Timeslices, 1-hour slices at 99%)."""
    if slo_side:
        return text.replace("Occurrences", "Timeslices").replace(
            "\n      target:", "\n      timeSliceTarget: 0.99\n      timeSliceWindow: 1h\n      target:")
    return text.replace("Occurrences", "Timeslices\n  timeSlice: {window: 1h, target: 0.99}")


@pytest.mark.parametrize("target", ["0.9995", "0.999"])
def test_no_bad_hour_on_either_side_has_no_headroom(project: Project, target: str) -> None:
    """99.95% (or 99.9%) against 99.9% of the hours of a month: neither allows a single bad
    hour (floor(0.001*744) = 0), so the first bad hour breaks both: no margin, and no SLO
    target restores one."""
    write(project, hourly(slo(target), True), hourly(sla(), False))
    run = project.check()
    assert run.problems() == [("slo.yaml", 17, 15, "slo-headroom")]
    (problem,) = run.json["problems"]
    assert "with no margin (neither allows a single bad 1-hour slice in a 28-day month)" \
        in problem["message"]
    assert "no SLO target restores it" in problem["message"]
    assert "raise the SLO target" not in problem["message"]


def test_a_bad_hour_allowed_in_every_month_leaves_headroom(project: Project) -> None:
    """99.85% of a month's hours allows one bad hour even in February (0.0015*672 = 1.008),
    and 99.95% none: PROVEN with all the margin there is."""
    write(project, hourly(slo("0.9995"), True), hourly(sla("99.85"), False))
    assert project.check().json["problems"] == []


def test_headroom_option(project: Project) -> None:
    project.write(".slopolicy.yaml", "rules:\n  slo-headroom: {max-budget-ratio: 0.8}\n")
    write(project, slo("0.9992"), sla())
    assert project.check().json["problems"] == []


def test_sla_without_backing_slo(project: Project) -> None:
    write(project, None, sla())
    run = project.check()
    assert run.problems() == [("sla.yaml", 15, 22, "sla-backed-by-slo")]


def test_one_dominating_slo_is_enough(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    project.write("slo2.yaml", slo("0.99", name="api-availability-loose"))
    assert project.check().json["problems"] == []


def test_latency_needs_a_threshold_at_least_as_strict(project: Project) -> None:
    extra = "  annotations:\n    slopolicy/indicator: latency\n    slopolicy/threshold: 700ms\n"
    more = ""
    sla_text = sla("95").replace("indicator: availability", "indicator: latency\n      threshold: 500ms")
    write(project, slo("0.99", extra=extra), sla_text + more)
    (problem,) = project.check().json["problems"]
    assert problem["rule"] == "slo-stricter-than-sla"
    assert "700ms" in problem["message"] or "700 ms" in problem["message"]


CREDITS_OK = """\
  credits:
    - {below: 99.9, atLeast: 99.0, creditPercent: 10}
    - {below: 99.0, atLeast: 95.0, creditPercent: 25}
    - {below: 95.0, creditPercent: 100}
"""


def test_credit_tiers_pass(project: Project) -> None:
    write(project, slo("0.9995"), sla(more=CREDITS_OK))
    assert project.check().json["problems"] == []


def test_credit_tiers_gap_and_less_credit(project: Project) -> None:
    bad = CREDITS_OK.replace("below: 99.0, atLeast: 95.0, creditPercent: 25", "below: 98.0, atLeast: 95.0, creditPercent: 5")
    write(project, slo("0.9995"), sla(more=bad))
    assert project.check().problems() == [
        ("sla.yaml", 17, 30, "credit-tiers"),
        ("sla.yaml", 18, 51, "credit-tiers"),
    ]


def test_credit_tiers_must_start_at_the_target(project: Project) -> None:
    write(project, slo("0.9995"), sla(more=CREDITS_OK.replace("below: 99.9,", "below: 99.5,")))
    run = project.check()
    assert run.problems() == [("sla.yaml", 17, 15, "credit-tiers")]
    assert "below: 99.9" in run.json["problems"][0]["message"]


def test_support_times(project: Project) -> None:
    good = "  support:\n    severities:\n      - {level: P1, response: 30m, resolution: 4h}\n      - {level: P2, response: 2h, resolution: 1d}\n"
    write(project, slo("0.9995"), sla(more=good))
    assert project.check().json["problems"] == []
    bad = good.replace("resolution: 1d", "resolution: 1h")
    write(project, slo("0.9995"), sla(more=bad))
    assert project.check().problems() == [
        ("sla.yaml", 18, 48, "support-times"),
        ("sla.yaml", 19, 31, "support-times"),
    ]


def test_effective_period_empty(project: Project) -> None:
    text = sla().replace("effective: {from: 2025-01-01}", "effective: {from: 2025-01-01, until: 2024-01-01}")
    write(project, slo("0.9995"), text)
    assert project.check().problems() == [("sla.yaml", 9, 40, "effective-period")]


def test_effective_period_overlap(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    old = sla().replace("name: globex\n", "name: globex-2024\n").replace(
        "effective: {from: 2025-01-01}", "effective: {from: 2024-01-01, until: 2025-06-01}")
    project.write("old.yaml", old)
    run = project.check("--select", "effective-period")
    assert run.problems() == [("sla.yaml", 9, 21, "effective-period")]
    # ending the old agreement where the new one starts passes
    project.write("old.yaml", old.replace("until: 2025-06-01", "until: 2025-01-01"))
    assert project.check("--select", "effective-period").json["problems"] == []


@pytest.mark.parametrize("customer, service", [
    ("Globex", "api"),
    ("glob\u0435x", "api"),  # a Cyrillic e
    ("globe\u034fx", "API "),  # a combining grapheme joiner, invisible
    ("\uff47lobex", "\u0251pi"),  # a full-width g; a Latin alpha
], ids=["case", "cyrillic", "invisible", "compatibility"])
def test_effective_period_overlap_of_one_customer_spelt_two_ways(project: Project, customer: str,
                                                                 service: str) -> None:
    """The customer and service as a reader takes their spelling, as the gate matches them:
    an agreement for ``Globex`` in force beside one for ``globex`` gives one customer two
    sets of terms. The message names them as each agreement writes them."""
    write(project, slo("0.9995"), sla())
    project.write("old.yaml", sla().replace("name: globex\n", "name: globex-2024\n").replace(
        "customer: globex", f'customer: "{customer}"').replace(
        "service: api", f'service: "{service}"').replace(
        "effective: {from: 2025-01-01}", "effective: {from: 2024-01-01, until: 2025-06-01}"))
    [found] = project.check("--select", "effective-period").json["problems"]
    assert (found["file"], found["line"]) == ("sla.yaml", 9)
    assert found["message"].startswith(
        "SLAs globex-2024 and globex are both in force for customer globex, service api from "
        "2025-01-01 (SLA globex-2024 writes ")  # the later SLA's names are ASCII: as written
    assert "end the earlier one (old.yaml) with `until: 2025-01-01`" in found["message"]
    written = found["message"].split("(SLA globex-2024 writes ", 1)[1].split(")", 1)[0]
    assert ("customer" in written) == (customer != "globex")
    assert ("service" in written) == (service != "api")
    if customer != "globex":
        assert f"customer `{shown(customer)}`" in written
    if service != "api":
        assert f"service `{shown(service)}`" in written


def test_effective_period_spells_out_both_names_where_they_differ(project: Project) -> None:
    write(project, slo("0.9995"), sla().replace("customer: globex", 'customer: "glob\u0435x"'))
    project.write("old.yaml", sla().replace("name: globex\n", "name: globex-2024\n").replace(
        "effective: {from: 2025-01-01}", "effective: {from: 2024-01-01}"))
    [found] = project.check("--select", "effective-period").json["problems"]
    assert ("both in force for customer glob\\u0435x, service api from 2025-01-01 (SLA "
            "globex-2024 writes customer `globex`): ") in found["message"]


def test_effective_period_keeps_other_customers_apart(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    project.write("old.yaml", sla().replace("name: globex\n", "name: gl0bex\n").replace(
        "customer: globex", "customer: gl0bex"))  # a digit zero: another name
    assert project.check("--select", "effective-period").json["problems"] == []


def test_ambiguous_durations(project: Project) -> None:
    text = slo("0.9995").replace("duration: 1M", "duration: 1m")
    write(project, text, sla("0.999"))
    rules = {(p[1], p[3]) for p in project.check().problems()}
    assert (9, "ambiguous-duration") in rules  # 1m calendar window
    assert (15, "ambiguous-duration") in rules  # targetPercent 0.999


def test_a_target_written_as_a_percent_is_named_and_one_above_100_left_to_the_schema(
        project: Project) -> None:
    write(project, slo("99.9"), sla())
    (found,) = [p for p in project.check().json["problems"] if p["rule"] == "ambiguous-duration"]
    assert found["message"] == ("target 99.9 is above 1; target is a fraction: write target: "
                                "0.999 or targetPercent: 99.9")
    write(project, slo("1e400"), sla())
    rules = [p["rule"] for p in project.check().json["problems"] if p["line"] == 15]
    assert "schema" in rules  # and no advice to write target: 1 followed by 398 zeros
    assert "ambiguous-duration" not in rules


def test_an_agreement_until_9999_is_judged_as_an_open_ended_one(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    open_ended = project.check().json["problems"]
    assert "slo-stricter-than-sla" not in [p["rule"] for p in open_ended]
    write(project, slo("0.9995"), sla().replace("effective: {from: 2025-01-01}",
                                                "effective: {from: 2025-01-01, until: 9999-12-31}"))
    assert project.check().json["problems"] == open_ended


def test_ambiguous_rolling_month(project: Project) -> None:
    write(project, slo("0.9995", window="1M"), sla())
    rules = [(p[1], p[2], p[3]) for p in project.check().problems() if p[3] == "ambiguous-duration"]
    assert rules == [(9, 17, "ambiguous-duration")]


def test_op_on_ratio_sli_through_a_reference_is_a_portability_warning(project: Project) -> None:
    text = slo("0.9995").replace("      target: 0.9995\n", "      op: gt\n      value: 0.9\n      target: 0.9995\n")
    write(project, text, sla())
    run = project.check()
    found = [(p["line"], p["column"], p["rule"], p["severity"]) for p in run.json["problems"]
             if p["rule"].startswith("openslo-")]
    # the OpenSLO v1 spec allows op and value on a ratio SLI; only the Go SDK refuses them
    assert found == [(15, 7, "openslo-portability", "warning"),
                     (16, 7, "openslo-portability", "warning")]
    assert run.code == 0


def test_rules_explain_has_examples(project: Project) -> None:
    for rule in ("slo-stricter-than-sla", "slo-headroom", "sla-backed-by-slo", "credit-tiers",
                 "support-times", "effective-period", "ambiguous-duration", "openslo-semantics",
                 "openslo-portability"):
        run = project.run("rules", "explain", rule)
        assert run.code == 0
        assert "Passing example" in run.out and "Failing example" in run.out, rule


def test_a_quoted_number_is_named_as_text(project: Project) -> None:
    write(project, slo("0.9995"), sla('"99.9"'))
    (problem,) = project.check().json["problems"]
    assert problem["rule"] == "schema" and "(got string '99.9')" in problem["message"]


def test_effective_period_overlap_of_two_slas_with_one_name(project: Project) -> None:
    write(project, slo("0.9995"), sla())
    project.write("old.yaml", sla().replace("effective: {from: 2025-01-01}",
                                            "effective: {from: 2024-01-01}"))
    found = [p for p in project.check("--select", "effective-period").json["problems"]]
    assert len(found) == 1
    assert found[0]["message"].startswith("two SLAs named globex are both in force")
    assert "end the earlier one (old.yaml)" in found[0]["message"]


THRESHOLD_SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-latency
spec:
  thresholdMetric:
    metricSource:
      type: Prometheus
      spec:
        query: histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))
"""


def threshold_slo(objective: str, threshold: str = "300ms") -> str:
    return (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: api-latency\n"
        f"  annotations: {{slopolicy/indicator: latency, slopolicy/threshold: {threshold}}}\n"
        "spec:\n  service: api\n  indicatorRef: api-latency\n"
        "  timeWindow:\n    - {duration: 1d, isRolling: true}\n"
        "  budgetingMethod: Timeslices\n  objectives:\n"
        "    - displayName: internal\n"
        f"{objective}"
        "      target: 0.999\n      timeSliceTarget: 0.95\n      timeSliceWindow: 5m\n"
    )


LATENCY_SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: globex
spec:
  customer: globex
  service: api
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Timeslices
  timeSlice: {window: 5m, target: 0.95}
  objectives:
    - {name: latency, indicator: latency, threshold: 500ms, targetPercent: 99}
"""


def write_latency(project: Project, objective: str, threshold: str = "300ms") -> None:
    project.write("sli.yaml", THRESHOLD_SLI)
    project.write("slo.yaml", threshold_slo(objective, threshold))
    project.write("sla.yaml", LATENCY_SLA)


def test_a_threshold_slo_that_counts_slow_as_good_proves_nothing(project: Project) -> None:
    for objective in ("      op: lte\n      value: 0.3\n", "      op: lt\n      value: 300\n"):
        write_latency(project, objective)  # the annotated threshold, in seconds or ms
        assert project.check().json["problems"] == [], objective
    write_latency(project, "      op: gte\n      value: 0.3\n")
    run = project.check()
    assert run.problems() == [("slo.yaml", 14, 11, "slo-stricter-than-sla")]  # at op
    (problem,) = run.json["problems"]
    assert problem["path"] == "spec.objectives[0].op"
    assert problem["related"][0]["file"] == "sla.yaml"
    assert ("op: gte counts an SLI value of at least 0.3 as good, so slower requests count as "
            "good, while annotation slopolicy/threshold: 300ms says good requests are faster "
            "than 300ms: the two disagree and no proof can rest on them") in problem["message"]


def test_a_threshold_slo_whose_value_is_not_the_annotated_threshold_proves_nothing(
        project: Project) -> None:
    write_latency(project, "      op: lte\n      value: 30\n")
    run = project.check()
    assert run.problems() == [("slo.yaml", 15, 14, "slo-stricter-than-sla")]  # at value
    (problem,) = run.json["problems"]
    assert problem["path"] == "spec.objectives[0].value"
    assert ("the objective's value 30 is not annotation slopolicy/threshold: 300ms in the SLI's "
            "unit, which would be 0.3 (in seconds) or 300 (in milliseconds)") in problem["message"]


LATENCY_SLO = "  annotations:\n    slopolicy/indicator: latency\n    slopolicy/threshold: {}\n"


def latency_sla(threshold: str) -> str:
    return sla("95").replace("indicator: availability",
                             f"indicator: latency\n      threshold: {threshold}")


def test_a_sub_millisecond_or_zero_sla_threshold_is_not_proven_by_a_slower_slo(
        project: Project) -> None:
    """The schema accepts ISO seconds at any precision and zero: 95% within 0.1 ms is not
    backed by 99% within 300 ms (a 1 ms request meets one and breaks the other)."""
    for threshold, named in (("PT0.0001S", "0.1ms"), ("PT0.0015S", "1.5ms"), ("PT0S", "0s"),
                             ("P0D", "0s")):
        write(project, slo("0.99", extra=LATENCY_SLO.format("300ms")), latency_sla(threshold))
        run = project.check()
        assert run.problems() == [("slo.yaml", 18, 15, "slo-stricter-than-sla")], threshold
        assert run.code == 1
        (problem,) = run.json["problems"]
        assert f"says nothing about {named}" in problem["message"], problem["message"]


def test_a_sub_millisecond_slo_threshold_proves_a_slower_sla(project: Project) -> None:
    write(project, slo("0.99", extra=LATENCY_SLO.format("PT0.0005S")), latency_sla("PT0.0015S"))
    run = project.check()
    assert run.json["problems"] == [] and run.code == 0
    write(project, slo("0.99", extra=LATENCY_SLO.format("PT0.0015S")), latency_sla("PT0.0005S"))
    assert project.check().problems() == [("slo.yaml", 18, 15, "slo-stricter-than-sla")]


def test_a_calendar_window_too_long_to_compute_is_a_finding_at_its_duration(
        project: Project) -> None:
    """A window of 120000 months (or 10000 years) is valid OpenSLO, but its windows
    reach beyond the years a calendar is computed for: INCOMPARABLE, at the duration."""
    for duration, words in (("120000M", "120000 months"), ("10000Y", "10000 years"),
                            ("99999999999M", "99999999999 months"), ("4000000d", "4000000 days")):
        write(project, slo("0.9995").replace("duration: 1M", f"duration: {duration}"), sla())
        run = project.check()
        assert run.code == 1, run.err
        assert run.problems() == [("slo.yaml", 9, 17, "slo-stricter-than-sla")], duration
        (problem,) = run.json["problems"]
        assert problem["path"] == "spec.timeWindow[0].duration"
        assert words in problem["message"] and "cannot be computed" in problem["message"], \
            problem["message"]


def test_an_sla_objective_whose_terms_cannot_be_read_is_never_passed(project: Project) -> None:
    """Terms the schema accepts that no comparison can use (a slice of 0.1 ms or none, a
    rolling window of 40 digits of days): the objective is reported, never left unjudged."""
    slices = "  timeSlice: {window: %s, target: 0.95}\n"
    for replaced, words in (
            (("Occurrences\n", "Timeslices\n" + slices % "PT0.0001S"), "finer than a millisecond"),
            (("Occurrences\n", "Timeslices\n" + slices % "PT0S"), "longer than zero"),
            (("window: {calendar: month, timeZone: UTC}", "window: {rolling: P" + "9" * 40 + "D}"),
             "48 digits of milliseconds")):
        text = sla().replace(*replaced)
        write(project, slo("0.9995"), text)
        run = project.check()
        assert run.code == 1, run.err
        found = [p for p in run.json["problems"] if p["rule"] == "slo-stricter-than-sla"]
        line = text.splitlines().index("      targetPercent: 99.9") + 1
        assert [(p["file"], p["line"], p["path"]) for p in found] == [
            ("sla.yaml", line, "spec.objectives[0].targetPercent")], run.json["problems"]
        assert words in found[0]["message"], found[0]["message"]
        assert "schema" not in [p["rule"] for p in run.json["problems"]]


def test_an_sla_objective_the_schema_refuses_is_reported_by_the_schema_alone(
        project: Project) -> None:
    write(project, slo("0.99", extra=LATENCY_SLO.format("300ms")), latency_sla("fast"))
    rules = [p["rule"] for p in project.check().json["problems"]]
    assert "schema" in rules and "slo-stricter-than-sla" not in rules
