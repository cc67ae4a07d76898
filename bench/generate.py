"""Workloads for the benchmark: real-looking SLOs and SLAs, in numbers.

Each SLA is backed by an SLO of its own service, so every cross-file rule
has real work to do and the whole set passes.
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
        timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: 0.9995
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
    timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - name: availability
      indicator: availability
      targetPercent: 99.9
      slo: svc-{i}-availability
  support:
    hours: 24x7
    severities:
      - {{level: P1, response: 30m, resolution: 4h}}
      - {{level: P2, response: 2h, resolution: 1d}}
  credits:
    - {{below: 99.9, atLeast: 99.0, creditPercent: 10}}
    - {{below: 99.0, creditPercent: 25}}
"""


def generate(root: Path, pairs: int) -> list[Path]:
    """Write ``pairs`` SLO files and ``pairs`` SLA files under ``root``."""
    (root / "slos").mkdir(parents=True, exist_ok=True)
    (root / "slas").mkdir(parents=True, exist_ok=True)
    (root / ".slopolicy.yaml").write_text("extends: default\n")
    paths = []
    for i in range(pairs):
        slo = root / "slos" / f"svc-{i}.yaml"
        slo.write_text(SLO.format(i=i))
        sla = root / "slas" / f"customer-{i}.yaml"
        sla.write_text(SLA.format(i=i))
        paths += [slo, sla]
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    generate(args.root, args.pairs)
