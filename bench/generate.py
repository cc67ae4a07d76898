"""Workloads for the benchmark: real-looking SLOs and SLAs, in numbers.

Each SLA is backed by an SLO of its own service, so every cross-file rule
has real work to do and the whole set passes. Services come in three tiers
(targets, time zones), as in a real catalogue: ``slo(i)`` and ``sla(i)``
write service ``i`` in tier ``i % 3``.
"""
from __future__ import annotations

import argparse
from pathlib import Path

SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: svc-{i}-availability
  displayName: Service {i} availability
spec:
  description: 99.95% of requests to service {i} succeed in each calendar month.
  service: svc-{i}
  indicator:
    metadata:
      name: svc-{i}-success
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(http_requests_total{{service="svc-{i}",code!~"5.."}}[1m]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(increase(http_requests_total{{service="svc-{i}"}}[1m]))
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: 2025-01-01 00:00:00
        timeZone: {zone}
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: {slo_target}
"""

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: customer-{i}
  owner: accounts@acme.example
  labels: {{tier: gold}}
spec:
  customer: customer-{i}
  contract: MSA-{i}
  service: svc-{i}
  version: 1
  effective:
    from: 2025-01-01
  window:
    calendar: month
    timeZone: {zone}
  budgetingMethod: Occurrences
  objectives:
    - name: availability
      indicator: availability
      targetPercent: {sla_target}
      slo: svc-{i}-availability
  support:
    hours: 24x7
    severities:
      - {{level: P1, response: 30m, resolution: 4h}}
      - {{level: P2, response: 2h, resolution: 1d}}
  credits:
    - {{below: {sla_target}, atLeast: {credit_floor}, creditPercent: 10}}
    - {{below: {credit_floor}, creditPercent: 25}}
"""


TIERS = (
    {"zone": "UTC", "slo_target": "0.9995", "sla_target": "99.9", "credit_floor": "99.0"},
    {"zone": "Europe/Berlin", "slo_target": "0.999", "sla_target": "99.5", "credit_floor": "99.0"},
    {"zone": "America/New_York", "slo_target": "0.996", "sla_target": "99.0",
     "credit_floor": "95.0"},
)


# An SLA that names an SLO nobody defines: a problem the changed file did not make.
OLD_MISTAKE = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: old-mistake}
spec:
  customer: old
  service: nowhere
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives: [{name: availability, indicator: availability, targetPercent: 99, slo: nothing}]
"""


def slo(i: int) -> str:
    """The SLO of service ``i`` (tier 0, every third service, is 99.95% in UTC)."""
    return SLO.format(i=i, **TIERS[i % len(TIERS)])


def sla(i: int) -> str:
    """The SLA of customer ``i``, backed by ``slo(i)``."""
    return SLA.format(i=i, **TIERS[i % len(TIERS)])


def generate(root: Path, pairs: int) -> list[Path]:
    """Write ``pairs`` SLO files and ``pairs`` SLA files under ``root``."""
    (root / "slos").mkdir(parents=True, exist_ok=True)
    (root / "slas").mkdir(parents=True, exist_ok=True)
    (root / ".slopolicy.yaml").write_text("extends: default\n")
    paths = []
    for i in range(pairs):
        slo_path = root / "slos" / f"svc-{i}.yaml"
        slo_path.write_text(slo(i))
        sla_path = root / "slas" / f"customer-{i}.yaml"
        sla_path.write_text(sla(i))
        paths += [slo_path, sla_path]
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    generate(args.root, args.pairs)
