"""Proofs the SLO-vs-SLA rules reach on the SLO shapes teams write, end to end.

Several SLOs together, declared traffic assumptions (and that every output
format says a verdict rests on one), headroom advice that really restores
the ratio, and agreements whose calendars once crashed the comparison.
"""
from __future__ import annotations

import json
from decimal import Decimal

from conftest import RATIO_SLI, Project

SLI = RATIO_SLI


def slo(name: str, target: str, window: str, method: str = "Occurrences",
        zone: str = "UTC") -> str:
    if window.endswith(("M", "Y")) or window.startswith("cal"):
        duration = window.removeprefix("cal")
        time_window = (f"    - duration: {duration}\n      isRolling: false\n"
                       f"      calendar: {{startTime: '2025-01-01 00:00:00', timeZone: {zone}}}\n")
    else:
        time_window = f"    - duration: {window}\n      isRolling: true\n"
    slices = "      timeSliceWindow: 5m\n" if method != "Occurrences" else ""
    return (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n"
        f"  name: {name}\n"
        "spec:\n  service: api\n  indicatorRef: api-success\n  timeWindow:\n"
        f"{time_window}"
        f"  budgetingMethod: {method}\n  objectives:\n    - displayName: internal\n"
        f"      target: {target}\n{slices}"
    )


def sla(percent: str, method: str = "Occurrences", window: str = "month", zone: str = "UTC",
        effective: str = "2025-01-01") -> str:
    slices = "  timeSlice: {window: 5m}\n" if method == "RatioTimeslices" else ""
    spec_window = f"{{rolling: {window}}}" if window[0].isdigit() else \
        f"{{calendar: {window}, timeZone: {zone}}}"
    return (
        "apiVersion: slopolicy/v1\nkind: SLA\nmetadata:\n  name: globex\nspec:\n"
        f"  customer: globex\n  service: api\n  version: 1\n  effective: {{from: {effective}}}\n"
        f"  window: {spec_window}\n  budgetingMethod: {method}\n{slices}"
        "  objectives:\n    - name: availability\n      indicator: availability\n"
        f"      targetPercent: {percent}\n"
    )


SERVICE = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: api
  annotations:
    slopolicy/max-traffic-ratio: "{ratio}"
spec: {{}}
"""


def messages(run_json: dict[str, object], rule: str) -> list[str]:
    problems = run_json["problems"]
    assert isinstance(problems, list)
    return [p["message"] for p in problems if p["rule"] == rule]


# -- several SLOs --------------------------------------------------------------

def test_two_rolling_slos_prove_a_month_together(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("a.yaml", slo("api-30d", "0.9992", "30d", "RatioTimeslices"))
    project.write("b.yaml", slo("api-1d", "0.998", "1d", "RatioTimeslices"))
    project.write("sla.yaml", sla("99.9", "RatioTimeslices"))
    run = project.check()
    assert messages(run.json, "slo-stricter-than-sla") == []  # no longer two errors
    (warning,) = messages(run.json, "slo-headroom")  # 34.56 of 40.32 minutes: thin
    assert 'SLO api-30d objective "internal" and SLO api-1d objective "internal" prove' in warning


def test_one_slo_alone_is_still_reported(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("a.yaml", slo("api-30d", "0.9992", "30d", "RatioTimeslices"))
    project.write("sla.yaml", sla("99.9", "RatioTimeslices"))
    assert len(messages(project.check().json, "slo-stricter-than-sla")) == 1


# -- declared assumptions -------------------------------------------------------

def _uptime_project(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.9995", "28d"))
    project.write("sla.yaml", sla("99", "RatioTimeslices"))


def test_requests_against_uptime_name_the_ratio_that_would_prove_it(project: Project) -> None:
    _uptime_project(project)
    (error,) = messages(project.check().json, "slo-stricter-than-sla")
    assert "cannot be proven stricter" in error
    assert "it would be proven assuming traffic varies at most 10.09× between 5-minute slices" \
        in error


def test_a_declared_ratio_proves_it_and_says_so_in_every_format(project: Project) -> None:
    _uptime_project(project)
    project.write(".slopolicy.yaml", "assumptions:\n  traffic:\n    maxRatio: 5\n")
    words = "assuming traffic varies at most 5× between 5-minute slices"
    run = project.check()
    assert messages(run.json, "slo-stricter-than-sla") == []
    (note,) = messages(run.json, "slo-assumption")
    assert words in note and "assumptions.traffic.maxRatio in .slopolicy.yaml" in note
    assert run.code == 0  # an info finding fails nothing
    for fmt in ("text", "sarif", "markdown", "github", "junit"):
        out = project.run("check", "--format", fmt).out
        assert words in (out if fmt != "sarif" else json.dumps(json.loads(out),
                                                                ensure_ascii=False)), fmt


def test_a_service_annotation_overrides_the_configuration(project: Project) -> None:
    _uptime_project(project)
    project.write(".slopolicy.yaml", "assumptions:\n  traffic:\n    maxRatio: 5\n")
    project.write("service.yaml", SERVICE.format(ratio="20"))
    (error,) = messages(project.check().json, "slo-stricter-than-sla")
    assert "even assuming traffic varies at most 20× between 5-minute slices (annotation " \
        "slopolicy/max-traffic-ratio of Service api)" in error


def test_an_unreadable_annotation_is_located(project: Project) -> None:
    _uptime_project(project)
    project.write("service.yaml", SERVICE.format(ratio="lots"))
    run = project.check()
    (note,) = [p for p in run.json["problems"] if p["file"] == "service.yaml"]
    assert note["rule"] == "slo-assumption" and note["line"] == 6
    assert "not 'lots'" in note["message"]


def test_an_annotation_too_long_written_out_is_located(project: Project) -> None:
    """Text, so the loader's bound does not see it: a ratio of 10**4301 is refused as one."""
    _uptime_project(project)
    project.write("service.yaml", SERVICE.format(ratio="1e4300"))
    run = project.check()
    (note,) = [p for p in run.json["problems"] if p["file"] == "service.yaml"]
    assert note["rule"] == "slo-assumption" and (note["line"], note["column"]) == (6, 34)
    assert note["message"] == (
        "annotation slopolicy/max-traffic-ratio: the number 1e4300 is 4,301 digits written out "
        "in full, too long: slopolicy reads numbers of at most 4,300 digits (as integers); it is "
        "ignored")


def test_the_configuration_refuses_a_ratio_below_one(project: Project) -> None:
    _uptime_project(project)
    project.write(".slopolicy.yaml", "assumptions:\n  traffic:\n    maxRatio: 0.5\n")
    run = project.check()
    assert run.code == 2 and ".slopolicy.yaml:3:" in run.err


def test_calendar_days_in_another_zone_under_a_ratio(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.98", "cal1d", zone="Europe/Berlin"))
    project.write("sla.yaml", sla("90"))
    (error,) = messages(project.check().json, "slo-stricter-than-sla")
    assert "successes outside the period can pay for failures inside it" in error
    project.write(".slopolicy.yaml", "assumptions:\n  traffic:\n    maxRatio: 10\n")
    run = project.check()
    assert messages(run.json, "slo-stricter-than-sla") == []
    assert "traffic varies at most 10× between hours" in messages(run.json, "slo-assumption")[0]


# -- targets of any length ------------------------------------------------------------

def test_a_percent_past_28_digits_is_judged_as_written(project: Project) -> None:
    """99.4999...95% (45 digits) per rolling day is weaker than 99.5% per UTC month by
    0.00...05%: not EQUAL, as a 28-digit context would round it."""
    project.write("sli.yaml", SLI)
    long = "99.49999999999999999999999999999999999999999995"
    project.write("slo.yaml", slo("api-availability", "0.5", "1d").replace(
        "target: 0.5", f"targetPercent: {long}"))
    project.write("sla.yaml", sla("99.5"))
    (error,) = messages(project.check().json, "slo-stricter-than-sla")
    assert f"SLO {long}%" in error and "is weaker than" in error


def test_credit_tiers_read_a_fraction_target_past_28_digits(project: Project) -> None:
    """A ``target`` of 45 digits and its first credit tier ``below`` the same percent
    agree: no credit-tiers finding about a rounded target."""
    project.write("sli.yaml", SLI)
    long = "99.49999999999999999999999999999999999999999995"
    fraction = "0.9949999999999999999999999999999999999999999995"
    project.write("slo.yaml", slo("api-availability", "0.9999", "1d"))
    project.write("sla.yaml", sla("99.5").replace("targetPercent: 99.5",
                                                  f"target: {fraction}")
                  + f"  credits:\n    - {{below: {long}, creditPercent: 10}}\n")
    assert messages(project.check().json, "credit-tiers") == []


# -- headroom advice ---------------------------------------------------------------

def test_advice_never_rounds_to_100_percent(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.99992", "1M"))
    project.write("sla.yaml", sla("99.99"))
    (warning,) = messages(project.check().json, "slo-headroom")
    assert "raise the SLO target to at least 99.995%" in warning


def test_advice_restores_the_ratio_where_the_worst_case_is_not_linear(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.9995", "1Y", "RatioTimeslices"))
    project.write("sla.yaml", sla("99.9", "RatioTimeslices", "year", "Europe/Berlin"))
    (warning,) = messages(project.check().json, "slo-headroom")
    advised = warning.split("at least ")[1].rstrip("%")
    project.write("slo.yaml", slo("api-availability", str(Decimal(advised).scaleb(-2)), "1Y",
                                  "RatioTimeslices"))
    assert project.check().json["problems"] == []  # the advice really silences it


# -- calendars that crashed ----------------------------------------------------------

def test_a_day_that_apia_skipped_does_not_crash(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.9995", "cal1d", zone="Pacific/Apia"))
    project.write("sla.yaml", sla("99.9", window="day", zone="Pacific/Apia",
                                  effective="2011-01-01"))
    run = project.check()
    assert run.code == 0, run.out + run.err


def test_a_rolling_sla_window_of_25000_days_does_not_crash(project: Project) -> None:
    project.write("sli.yaml", SLI)
    project.write("slo.yaml", slo("api-availability", "0.9995", "cal1d", "RatioTimeslices"))
    project.write("sla.yaml", sla("99.9", "RatioTimeslices", "25000d"))
    run = project.check()
    assert run.code in (0, 1) and "Traceback" not in run.err
