"""Robustness fuzzer: bad input is a located finding or a clear message, never a crash.

Usage: PYTHONPATH=. python scripts/fuzz_crashes.py --seeds 0-49 --cases 40 [--lib-only]

Each seed builds a real git repository from one scene of real documents
(examples/, tests/formats: every format slopolicy reads, SLAs with credit
tiers, windows and effective periods, a configuration with approvals,
waivers and house rules in CEL) and commits it on ``main``. Each case then
mutates one file of the scene: keys deleted or renamed, values of every
type (null, lists, maps, booleans, huge integers, 1e400, .nan, impossible
dates, empty, unicode and very long strings), keys duplicated, values moved
up or down a level, one value shared through an anchor and aliases, another
document added, the documents wrapped in a list, the text cut short.

The mutated file goes through the library (``load_bytes``, which maps every
other format with ``formats.judged``; ``formats.mapped``; ``slo_terms`` and
``sla_terms``) and through the CLI in-process: ``check`` (text, JSON, SARIF),
``check --base main`` (the mutation in the working tree), ``diff``,
``convert --to openslo/v1``, ``fmt --check``, the language server's workspace
(the text open in an editor), and, with the mutation
committed as the base, ``check --base``, ``diff`` and ``audit``. A crash is
exit 3, a traceback in any output, an exception out of ``main``, or a file
of the project changed by a command that writes nothing unless asked.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as dt
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATE = "2025-03-01T12:00:00+00:00"

CONFIG = """\
extends: default
documents:
  include: ["**/*.yaml", "**/*.yml"]
  exclude: ["house/"]
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example]
    sre: [carol@acme.example]
  people:
    alice: [alice@acme.example, "github:alice"]
  require:
    added: [{role: legal, count: 1}]
    modified: [{role: legal, count: 1}]
    loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
    removed: [{role: legal, count: 1}]
    policy: [{role: sre, count: 1}]
  trailers: claimed
rules:
  slo-headroom: {severity: warning, max-budget-ratio: 0.5}
  sla-backed-by-slo: warning
waivers:
  - {rule: slo-headroom, document: SLO/public-api-availability, path: spec.objectives,
     reason: "accepted", expires: 2099-01-31}
  - {rule: sla-version-bump, reason: "accepted", expires: 2099-01-31}
policies: [house/rules.yaml]
assumptions:
  traffic: {maxRatio: 4}
"""
HOUSE = """\
apiVersion: slopolicy/v1
kind: Policy
metadata:
  name: house-rules
spec:
  description: house rules
  rules:
    - id: three-nines
      description: gold promises three nines
      severity: warning
      match: {kind: SLA, labels: {tier: gold}}
      assert: >-
        spec.objectives.all(o, !has(o.targetPercent) || o.targetPercent >= 99.5)
      messageExpression: "'promises less than 99.5% in ' + metadata.name"
      path: spec.objectives
    - id: service-exists
      severity: warning
      match: {kind: SLO}
      assert: documents.exists(d, d.kind == 'Service' && d.metadata.name == spec.service)
      message: no such service
"""
SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: zone-sla
  labels: {tier: gold}
spec:
  customer: zone
  service: public-api
  version: 2
  supersedes: 1
  effective:
    from: 2025-01-01T00:00:00+01:00
    until: 2026-12-31
  changeNoticeDays: 30
  window:
    calendar: week
    timeZone: Europe/Berlin
  budgetingMethod: Timeslices
  timeSlice: {window: 5m, targetPercent: 99}
  objectives:
    - name: availability
      indicator: availability
      target: 0.995
      slo: public-api-availability
  support:
    hours: 8x5
    timeZone: America/New_York
    severities:
      - {level: P1, response: 1h, resolution: 8h}
  credits:
    - {below: 99.5, atLeast: 99.0, creditPercent: 10}
    - {below: 99.0, creditPercent: 30}
"""
APPROVAL = """\
apiVersion: slopolicy/v1
kind: Approval
metadata:
  name: globex-public-api-v3-legal
spec:
  document: SLA/globex-public-api
  digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
  role: legal
  identity: alice@acme.example
  approvedAt: 2025-03-01T12:00:00Z
  signature: |
    -----BEGIN SSH SIGNATURE-----
    AAAA
    -----END SSH SIGNATURE-----
"""

SIGNERS = """\
alice@acme.example namespaces="slopolicy,git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxg0Y2n1Vc0Ew0T5yq6cT1B8o0b3fOa8pZp1f2n6mK1
bob@acme.example,github:bob valid-after="20250101",valid-before="20991231" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxg0Y2n1Vc0Ew0T5yq6cT1B8o0b3fOa8pZp1f2n6mK2
"""


def scenes() -> list[dict[str, str]]:
    """Projects of real documents, each a map of path -> text."""
    out: list[dict[str, str]] = []

    def folder(top: Path, under: str = "", pattern: str = "*.y*ml") -> dict[str, str]:
        return {under + str(p.relative_to(top)): p.read_text(encoding="utf-8")
                for p in sorted(top.rglob(pattern)) if p.is_file() and ".slopolicy" not in p.name
                and "helm" not in p.parts}

    acme = folder(ROOT / "examples" / "acme")
    acme.update({"slas/zone.yaml": SLA, "approvals/legal.yaml": APPROVAL,
                 ".slopolicy/allowed_signers": SIGNERS})
    out.append(acme)
    formats = ROOT / "tests" / "formats"
    for sub in ("sloth", "pyrra", "nobl9", "openslo/v1alpha", "openslo/v2alpha"):
        files = folder(formats / sub, "slos/")
        files.update(folder(formats / "slas", "slas/"))
        files.update(folder(ROOT / "examples" / "acme" / "services", "services/"))
        out.append(files)
    for verdict in sorted((ROOT / "examples" / "verdicts").iterdir()):
        if verdict.is_dir():
            out.append(folder(verdict))
    for scene in out:
        scene[".slopolicy.yaml"] = CONFIG
        scene["house/rules.yaml"] = HOUSE
    policies = ROOT / "examples" / "policies"
    out.append({str(p.relative_to(policies)): p.read_text(encoding="utf-8")
                for p in sorted(policies.rglob("*.yaml"))})
    return out


# ---- values --------------------------------------------------------------------------

class Raw:
    """A scalar written into the YAML text as it is (1e400, .nan, an impossible date)."""

    def __init__(self, text: str) -> None:
        self.text = text


RAW = ["1e400", "-1e400", ".nan", ".NaN", ".inf", "-.inf", "2025-02-30", "2025-13-01",
       "0000-01-01", "9999-12-31T23:59:60Z", "1e-400", "0x1F", "0o17", "1_000", "~", "yes",
       "no", "24:00:00", "123456789012345678901234567890.5", "!!binary aGVsbG8=",
       "!!timestamp 2025-01-01", "!!set {a, b}", "!!omap [a: 1]", "!!int '12'", "!!float '1.5'",
       "!!str 3", "!!null ''", "-0", "+12", "0.", ".5", "1e3", "2001-12-14t21:59:43.10-05:00",
       "'99.9%'", "\"\\u0000\"", "\"\\ud800\"", "&x 1", "!custom 1", "10**400",
       "9" * 5000, "1e-99999999", "1e99999999", "'1e-99999999'"]
SCALARS: list[Any] = [
    None, True, False, 0, -1, 1, 2, 10 ** 30, -10 ** 30, 2 ** 63, 0.5, 1.5, -0.0, 1e300, "", " ",
    "x", "ü😀\u202e\u200b", "a" * 20000, "\t", "\n\n", "'", "\"", "#", "{{ x }}", "${x}",
    "99.9", "99.9%", "100", "101", "0.999", "1", "0", "-5", "5m", "28d", "1w", "2w", "1M", "1Q",
    "0s", "-1d", "P1D", "PT5M", "1h30m", "30d1h", "1y", "month", "week", "quarter", "year",
    "day", "UTC", "Europe/Berlin", "Mars/Olympus", "+25:00", "Occurrences", "Timeslices",
    "RatioTimeslices", "latency", "availability", "SLO", "SLA", "openslo/v1", "slopolicy/v1",
    "le=\"0.1\"", "500ms", "has(", "spec.", "..", "/", "../../etc/passwd", "\\", "*", "**",
    "error", "warning", "off", "default", "strict", dt.date(2025, 1, 1), dt.date(1, 1, 1),
    dt.date(9999, 12, 31), dt.datetime(2025, 1, 1, 12, 0), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
]
# values of the type a field holds, at its edges: what a schema lets through
EDGE_TEXT = ["0d", "0s", "0m", "1s", "999999999999w", "100000000000000000000000d", "1ms", "0.5h",
             "1M", "3M", "12M", "1Q", "1Y", "1y", "60m", "24h", "7d", "13w", "366d", "5m", "1m",
             "9999999999999999999999ms", "1h", "30s", "0.000001s", "Etc/GMT+14", "Etc/GMT-14",
             "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "Pacific/Kiritimati",
             "Pacific/Apia", "Europe/Dublin", "Factory", "UTC", "posixrules", "GMT0", "EST5EDT",
             "localtime", "month", "week", "quarter", "year", "day", "1", "0", "100", "P1", "P0",
             "24x7", "8x5", "0x0", "24x8", "25x7", "le=\"+Inf\"", "x" * 300, "a@b", "github:x",
             "*", "**/", "!x", "[", "!", "\\", "a\\", "[z-a]", "[!]", "**/[", "//", "\\", "SLA/", "SLO/x", "spec.objectives[99]", "spec..x",
             "2025-01-01", "2025-01-01T00:00:00Z", "0001-01-01", "9999-12-31"]
EDGE_NUMBER: list[Any] = [0, 1, 100, 99.99999999, 1e-30, 100.0000001, -0.0, 1e308, 2 ** 64,
                          Raw("99.9999999999999999999999999999999"), Raw("1e-400"),
                          Raw("0.00000000000000000000000000000000001"), 5e-324, 1.7976931348623157e308,
                          0.999999999999999999, 50, 99, 99.5, 101, -1, 10 ** 20,
                          Raw("1e-99999999"), Raw("1e-4301"), 3_000_000, 10 ** 26]
EDGE_DATE: list[Any] = [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2024, 2, 29),
                        dt.date(1970, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59),
                        dt.datetime(1, 1, 1, 0, 0), Raw("2025-03-30T02:30:00"),
                        Raw("2025-10-26T02:30:00+01:00"), Raw("9999-12-31T23:59:59-14:00"),
                        Raw("0001-01-01T00:00:00+14:00"), Raw("2025-01-01 00:00:00.999999999")]


def same_type(rng: random.Random, value: Any) -> Any:
    """An edge value of the type ``value`` has."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return rng.choice(EDGE_NUMBER)
    if isinstance(value, (dt.date, dt.datetime)):
        return rng.choice(EDGE_DATE)
    if isinstance(value, str):
        return rng.choice(EDGE_TEXT)
    if isinstance(value, list) and value:
        return value[:rng.randrange(len(value))] or [value[0]] * rng.randrange(2, 40)
    return value


KEYS = ["name", "spec", "metadata", "objectives", "target", "targetPercent", "indicator", "slo",
        "window", "calendar", "timeZone", "duration", "isRolling", "timeWindow", "budgetingMethod",
        "credits", "below", "atLeast", "creditPercent", "effective", "from", "until", "version",
        "supersedes", "service", "sli", "sliRef", "indicatorRef", "ratioMetric", "thresholdMetric",
        "good", "bad", "total", "threshold", "op", "value", "timeSliceWindow", "timeSliceTarget",
        "slos", "labels", "annotations", "apiVersion", "kind", "rules", "waivers", "extends",
        "approvals", "roles", "require", "records", "allowedSigners", "policies", "assumptions",
        "documents", "include", "exclude", "rule", "document", "path", "expires", "reason",
        "match", "assert", "message", "messageExpression", "severity", "id", "objective",
        "errorBudget", "latency", "ratio", "errors", "countMetrics", "incremental", "timeWindows",
        "rolling", "unit", "count", "displayName", "customer", "support", "hours", "severities",
        "exclusions", "maxPerWindow", "timeSlice", "people", "trailers", "signedCommits",
        "maxRatio", "traffic", "metricSource", "type", "query", "alerting", "objectiveRatio",
        "serviceRef", "dataSourceRef", "anchor", "startTime", "<<", 1, True, None]


# ---- mutations on data -----------------------------------------------------------------

Path_ = tuple[Any, ...]


def nodes(data: Any, at: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield at, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from nodes(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from nodes(value, (*at, index))


def get(data: Any, at: Path_) -> Any:
    for part in at:
        data = data[part]
    return data


def put(data: Any, at: Path_, value: Any) -> Any:
    if not at:
        return value
    get(data, at[:-1])[at[-1]] = value
    return data


def hostile(rng: random.Random, pool: list[Any]) -> Any:
    roll = rng.random()
    if roll < 0.25:
        return Raw(rng.choice(RAW))
    if roll < 0.75:
        return rng.choice(SCALARS)
    if roll < 0.85:
        return [rng.choice(SCALARS) for _ in range(rng.randrange(3))]
    if roll < 0.95:
        return {rng.choice(KEYS): rng.choice(SCALARS) for _ in range(rng.randrange(3))}
    return copy.deepcopy(rng.choice(pool)) if pool else None


def mutate_data(rng: random.Random, data: Any, pool: list[Any]) -> Any:
    """One random structural change of ``data`` (which it may change in place)."""
    every = list(nodes(data))
    at, node = rng.choice(every)
    op = rng.randrange(16)
    if op >= 12:  # an edge value of its own type: past the schema, into the rules
        return put(data, at, same_type(rng, node))
    if op == 0 and at:  # delete a key or an item
        parent = get(data, at[:-1])
        del parent[at[-1]]
        return data
    if op in (1, 2, 3):  # change its type or value
        return put(data, at, hostile(rng, pool))
    if op == 4:  # wrap in a list, or unwrap
        if isinstance(node, list):
            return put(data, at, node[0] if node else None)
        return put(data, at, [node])
    if op == 5 and isinstance(node, dict) and node:  # rename a key
        key = rng.choice(list(node))
        new = rng.choice([rng.choice(KEYS), str(key).upper(), str(key)[:-1], f"{key}s"])
        node[new] = node.pop(key)
        return data
    if op == 6 and len(at) >= 2 and isinstance(get(data, at[:-2]), dict):  # move up a level
        parent = get(data, at[:-1])
        grand = get(data, at[:-2])
        if isinstance(parent, dict):
            grand[at[-1]] = parent.pop(at[-1])
        return data
    if op == 7 and isinstance(node, dict) and node:  # move down a level
        key = rng.choice(list(node))
        inner = [k for k, v in node.items() if isinstance(v, dict) and k != key]
        if inner:
            node[rng.choice(inner)][key] = node.pop(key)
        return data
    if op == 8 and at:  # share one value through an anchor and aliases
        other, _ = rng.choice(every)
        if other and other[:len(at)] != at and at[:len(other)] != other:
            put(data, other, node)  # the same object twice: dumped as &id001 / *id001
        return data
    if op == 9 and isinstance(node, dict):  # a key of another place
        node[rng.choice(KEYS)] = hostile(rng, pool)
        return data
    if op == 10 and isinstance(node, list) and node:  # duplicate or reorder items
        node.append(copy.deepcopy(rng.choice(node)))
        rng.shuffle(node)
        return data
    if op == 11 and isinstance(node, dict):  # the map as a list, the list as a map
        return put(data, at, list(node.values()))
    return put(data, at, hostile(rng, pool))


def dump(docs: list[Any]) -> str:
    """YAML text of ``docs``, with each :class:`Raw` written as it is."""
    from ruamel.yaml import YAML

    raws: list[str] = []

    def plain(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"RAWVALUE{len(raws) - 1}X"
        if isinstance(value, dict):
            for key in list(value):
                value[key] = plain(value[key])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                value[index] = plain(item)
        return value

    docs = [plain(d) for d in docs]
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.representer.sort_base_mapping_type_on_output = False
    yaml.width = 4096
    yaml.allow_unicode = True
    stream = io.StringIO()
    yaml.dump_all(docs, stream)
    text = stream.getvalue()
    return re.sub(r"RAWVALUE(\d+)X", lambda m: raws[int(m.group(1))], text)


def load(text: str) -> list[Any] | None:
    from ruamel.yaml import YAML

    try:
        return list(YAML(typ="safe", pure=True).load_all(text))
    except Exception:
        return None


# ---- mutations on text -----------------------------------------------------------------

KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z][\w./-]*):(.*)$")


def mutate_text(rng: random.Random, text: str, others: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    op = rng.randrange(8)
    keyed = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    if op == 0 and keyed:  # a key twice in one mapping
        i = rng.choice(keyed)
        m = KEY_LINE.match(lines[i])
        assert m is not None
        indent = " " * len(m.group(1))
        lines.insert(i + 1, f"{indent}{m.group(2)}:{rng.choice([m.group(3), ' 1', ' ~', ' []'])}\n")
        return "".join(lines)
    if op == 1 and others:  # another document in the file
        return text.rstrip("\n") + "\n---\n" + rng.choice(others)
    if op == 2:  # cut short
        return text[:rng.randrange(len(text) + 1)]
    if op == 3 and keyed:  # an anchor on one value, an alias in another place
        i, j = rng.choice(keyed), rng.choice(keyed)
        mi, mj = KEY_LINE.match(lines[i]), KEY_LINE.match(lines[j])
        assert mi is not None and mj is not None
        lines[i] = f"{mi.group(1)}{mi.group(2)}: &fz{mi.group(3)}\n"
        if i != j:
            lines[j] = f"{mj.group(1)}{mj.group(2)}: *fz\n"
        return "".join(lines)
    if op == 4:  # an empty document, a document of a scalar, a list at the top
        return rng.choice(["---\n", "--- 1\n", "- 1\n", "---\n...\n"]) + text
    if op == 5 and keyed:  # a merge key
        i = rng.choice(keyed)
        m = KEY_LINE.match(lines[i])
        assert m is not None
        indent = " " * len(m.group(1))
        lines.insert(i, f"{indent}<<: {rng.choice(['{a: 1}', '[]', '1', '*nope'])}\n")
        return "".join(lines)
    if op == 6:  # CRLF, a BOM, a tab
        return rng.choice(["\ufeff" + text, text.replace("\n", "\r\n"), text.replace("  ", "\t", 1)])
    if keyed:  # an empty value
        i = rng.choice(keyed)
        m = KEY_LINE.match(lines[i])
        assert m is not None
        lines[i] = f"{m.group(1)}{m.group(2)}:\n"
    return "".join(lines)


def mutate(rng: random.Random, text: str, others: list[str]) -> str:
    if rng.random() < 0.25:
        return mutate_text(rng, text, others)
    docs = load(text)
    if not docs:
        return mutate_text(rng, text, others)
    pool = [v for d in docs for _, v in nodes(d)]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        index = rng.randrange(len(docs))
        docs[index] = mutate_data(rng, docs[index], pool)
    if rng.random() < 0.05:
        docs = [[d for d in docs if d is not None]]  # one list of documents
    try:
        return dump(docs)
    except Exception:
        return mutate_text(rng, text, others)


# ---- the shapes of crashes found before ------------------------------------------------

# Each was an internal error once: a value put at a random place of a random document, a
# key deleted from every document of a file, a document glob added to the configuration.
SHAPES: list[tuple[str, Any]] = [
    ("value", Raw("2025-02-30")),  # fmt and convert built a date from it
    ("value", Raw("2025-13-01T00:00:00Z")),
    ("value", Raw("!!int gold")),  # and a number from this
    ("value", Raw("!!bool maybe")),
    ("delete", "spec"),  # a house rule read the absent spec (and a v2alpha SLO's service)
    ("delete", "metadata"),
    ("value", Raw("a\ud800b")),  # the language server could not encode it
    ("labels", "gold"),  # the other formats' mappings copied labels as a mapping
    ("glob", "!"),  # the globs were compiled where they were matched
    ("glob", "[z-a]"),
]


def shaped(rng: random.Random, files: dict[str, str], shape: tuple[str, Any]
           ) -> tuple[str, str]:
    """A file of ``files`` given one of the :data:`SHAPES`."""
    how, value = shape
    if how == "glob":
        name = next(n for n in files if n.endswith(".slopolicy.yaml"))
        docs = load(files[name]) or [{}]
        documents = docs[0].setdefault("documents", {})
        documents.setdefault(rng.choice(["include", "exclude"]), []).append(value)
        return name, dump(docs)
    names = sorted(n for n in files if not n.endswith((".slopolicy.yaml", "expected.yaml"))
                   and "house" not in n and "approvals" not in n)
    if how == "labels":  # the formats slopolicy maps, where it was
        names = [n for n in names if re.search(r"openslo\.com/v2alpha|openslo/v1alpha|n9/v1alpha",
                                                files[n])] or names
    name = rng.choice(names)
    docs = [d for d in load(files[name]) or [] if isinstance(d, dict)]
    for doc in docs:
        if how == "labels" and isinstance(doc.get("metadata"), dict):
            doc["metadata"]["labels"] = value
        elif how == "delete":
            doc.pop(value, None)
        elif rng.random() < 0.7:
            leaves = [p for p, v in nodes(doc) if p and not isinstance(v, (dict, list))]
            put(doc, rng.choice(leaves) if leaves else ("extra",), value)
    return name, dump(docs)


# ---- running ---------------------------------------------------------------------------

@dataclass
class Crash:
    seed: int
    case: int
    path: str
    what: str
    text: str
    detail: str

    def show(self) -> str:
        return (f"seed {self.seed} case {self.case}: {self.what} ({self.path})\n"
                f"{self.detail.rstrip()}\n--- {self.path}\n{self.text[:3000]}")


@dataclass
class Stats:
    cases: int = 0
    runs: int = 0
    crashes: list[Crash] = field(default_factory=list)


class Project:
    """A real repository on ``main`` with one scene committed."""

    def __init__(self, root: Path, files: dict[str, str]) -> None:
        self.root, self.files = root, files
        for name, text in files.items():
            self.write(name, text)
        self.git("init", "-q", "-b", "main")
        self.commit("base")

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": DATE, "GIT_COMMITTER_DATE": DATE,
               "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@acme.example",
               "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@acme.example",
               "GIT_CONFIG_NOSYSTEM": "1"}
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                              text=True)
        if done.returncode:
            raise RuntimeError(f"git {args}: {done.stderr}")
        return done.stdout

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def restore(self) -> None:
        self.git("checkout", "-q", "-f", "main")
        self.git("clean", "-qfdx")

    def digest(self) -> str:
        h = hashlib.sha256()
        for p in sorted(self.root.rglob("*")):
            if p.is_file() and ".git" not in p.relative_to(self.root).parts:
                h.update(str(p).encode() + b"\0" + p.read_bytes())
        return h.hexdigest()

    def run(self, *args: str) -> tuple[int, str, str]:
        from slopolicy.cli import main

        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        old = Path.cwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(["--debug", *args])
                except SystemExit as exc:  # argparse's usage errors
                    code = exc.code if isinstance(exc.code, int) else 2
                except BaseException:  # noqa: BLE001 - escaping main is the bug sought
                    err.write(traceback.format_exc())
                    code = -1
        finally:
            os.chdir(old)
        out.flush()
        err.flush()
        return code, out.buffer.getvalue().decode(errors="replace"), \
            err.buffer.getvalue().decode(errors="replace")


def library(path: str, text: str) -> str | None:
    """The traceback of the library entry points on ``text``, or None."""
    from slopolicy import formats
    from slopolicy.load.files import load_bytes
    from slopolicy.model.kinds import SLA_KEY, SLO_KEY
    from slopolicy.slo.terms import sla_terms, slo_terms

    try:
        # as bytes, as a file holds them: a lone surrogate is bytes that are not UTF-8
        source = load_bytes(path, text.encode("utf-8", "surrogatepass"))
        for doc in source.documents:
            data = doc.data
            key = (doc.api_version, doc.kind)
            for mapped in formats.mapped(*key, data):
                if mapped.kind == "SLO":
                    slo_terms(mapped.data, lambda name: None)
            if key == SLO_KEY:
                slo_terms(data, lambda name: None)
            elif key == SLA_KEY:
                sla_terms(data)
    except Exception:
        return traceback.format_exc()
    return None


def editor(root: Path, name: str, text: str) -> str | None:
    """What went wrong when the language server's workspace checked ``text`` open in an
    editor as ``name`` (a traceback, or the rules that raised), or None."""
    from slopolicy.lsp.workspace import Workspace

    old = Path.cwd()
    os.chdir(root)
    try:
        ws = Workspace(root, use_cache=False)
        ws.load()
        ws.open(name, text)
        failures = ws.check().failures
    except Exception:
        return traceback.format_exc()
    finally:
        os.chdir(old)
    return "\n".join(failures) or None


COMMANDS: list[tuple[str, ...]] = [
    ("check", "--no-cache", "--color", "never"),
    ("check", "--format", "json"),
    ("check", "--format", "sarif", "--no-cache"),
    ("check", "--base", "main", "--format", "json"),
    ("diff", "main"),
    ("diff", "main", "--format", "json"),
    ("fmt", "--check"),
    ("check", "--format", "junit", "--no-cache"),
    ("check", "--format", "markdown"),
    ("check", "--format", "codeclimate"),
    ("check", "--format", "github", "-v"),
    ("check", "--changed", "--format", "json"),
    ("diff", "main", "--format", "markdown"),
    ("audit", "--format", "html"),
    ("audit", "--format", "csv", "--as-of", "2025-06-01"),
]
SHAPE_COMMANDS = (("check", "--format", "json"), ("fmt", "--check"))
ON_BASE: list[tuple[str, ...]] = [
    ("check", "--base", "{base}", "--format", "json"),
    ("check", "--base", "{base}", "--no-cache"),
    ("diff", "{base}", "--format", "markdown"),
    ("audit", "--format", "json"),
    ("audit", "--format", "markdown", "--audience", "customer"),
    ("check", "--base", "{base}", "--format", "sarif"),
]


def crashed(code: int, out: str, err: str) -> str | None:
    if code in (-1, 3) or "Traceback (most recent call last)" in out + err \
            or "internal error" in err:
        return f"exit {code}\n{err[-4000:]}"
    return None


def one_case(project: Project, rng: random.Random, seed: int, case: int, stats: Stats,
             edit: tuple[str, str] | None = None) -> None:
    """Mutate a file of the project (or write ``edit``: a name and its text), and run."""
    if edit is None:
        roll = rng.random()
        configs = [n for n in project.files if n.endswith(".slopolicy.yaml")]
        house = [n for n in project.files if "house" in n]
        gate = [n for n in project.files if "approvals" in n or "allowed_signers" in n]
        name = rng.choice(configs if roll < 0.2 else house if roll < 0.3
                          else gate if roll < 0.35 and gate else sorted(project.files))
        others = [t for n, t in project.files.items() if n != name and not n.startswith(".")]
        text = mutate(rng, project.files[name], others)
    else:
        name, text = edit
    stats.cases += 1

    def report(what: str, detail: str) -> None:
        stats.crashes.append(Crash(seed, case, name, what, text, detail))

    problem = library(name, text)
    if problem:
        report("library raised", problem)
    project.write(name, text)
    before = project.digest()
    # a shape's crash was in one of these: run them all
    commands = rng.sample(COMMANDS, k=3) if edit is None else list(SHAPE_COMMANDS)
    if name != ".slopolicy.yaml" and "house" not in name:
        commands.append(("convert", "--to", "openslo/v1", name))
        commands.append(("check", "--format", "json", name))
    if "policy-tests/" in " ".join(project.files):
        commands.append(("test", "policy-tests", "--require-tests"))
    for args in commands:
        stats.runs += 1
        code, out, err = project.run(*args)
        bad = crashed(code, out, err)
        if bad:
            report(" ".join(args), bad)
    if edit is not None or rng.random() < 0.3:  # the text as an editor holds it, unsaved
        problem = editor(project.root, name, text)
        if problem:
            report("lsp workspace", problem)
    if project.digest() != before:
        report("a file changed", "a command that writes nothing unless asked changed a file")
    if rng.random() < 0.3:  # the mutation as the base, the scene as it was on top
        base = project.commit("mutated")
        project.git("checkout", "-q", "main", "--", ".")
        project.commit("restored")
        for args in rng.sample(ON_BASE, k=2):
            args = tuple(a.format(base=base) for a in args)
            stats.runs += 1
            code, out, err = project.run(*args)
            bad = crashed(code, out, err)
            if bad:
                report(" ".join(args), bad)
        project.git("reset", "-q", "--hard", "main")
    project.restore()


@contextlib.contextmanager
def environment(top: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "GITHUB_ACTIONS",
                                             "PRE_COMMIT", "PRE_COMMIT_FROM_REF",
                                             "PRE_COMMIT_TO_REF", "NO_COLOR")}
    os.environ["XDG_CACHE_HOME"] = str(top / "cache")
    os.environ["XDG_CONFIG_HOME"] = str(top / "config")
    for k in ("GITHUB_ACTIONS", "PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fuzz(seeds: list[int], cases: int, lib_only: bool = False,
         on_crash: Callable[[Crash], None] | None = None, work: Path | None = None,
         shapes: bool = False) -> Stats:
    """Run ``cases`` cases of each seed (in ``work``, or a temporary folder); with ``shapes``,
    one more case of each shape of :data:`SHAPES` per seed."""
    stats = Stats()
    all_scenes = scenes()
    with contextlib.ExitStack() as stack:
        top = work or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        stack.enter_context(environment(top))
        for seed in seeds:
            rng = random.Random(seed)
            files = rng.choice(all_scenes)
            if lib_only:
                for case in range(cases):
                    name = rng.choice(sorted(files))
                    text = mutate(rng, files[name], [t for n, t in files.items() if n != name])
                    stats.cases += 1
                    problem = library(name, text)
                    if problem:
                        stats.crashes.append(Crash(seed, case, name, "library raised", text,
                                                   problem))
                        if on_crash:
                            on_crash(stats.crashes[-1])
                continue
            root = top / f"seed{seed}"
            root.mkdir()
            project = Project(root, files)
            edits = [shaped(rng, files, shape) for shape in SHAPES] if shapes else []
            for case in range(cases + len(edits)):
                seen = len(stats.crashes)
                one_case(project, rng, seed, case, stats,
                         edits[case - cases] if case >= cases else None)
                if on_crash:
                    for crash in stats.crashes[seen:]:
                        on_crash(crash)
            shutil.rmtree(root)
    return stats


def seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=seed_range, default=seed_range("0-9"))
    parser.add_argument("--cases", type=int, default=30, help="cases per seed")
    parser.add_argument("--lib-only", action="store_true", help="the library entry points only")
    parser.add_argument("--shapes", action="store_true",
                        help="also each shape of crash found before, once per seed")
    parser.add_argument("--out", type=Path, help="folder to write each crashing input to")
    args = parser.parse_args()
    start = time.monotonic()
    signatures: dict[str, int] = {}

    def on_crash(crash: Crash) -> None:
        last = [line for line in crash.detail.splitlines() if line.strip()][-3:]
        sig = crash.what.split()[0] + " | " + " / ".join(s.strip() for s in last)
        signatures[sig] = signatures.get(sig, 0) + 1
        if signatures[sig] == 1:
            print(crash.show(), "\n", flush=True)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"s{crash.seed}-c{crash.case}.yaml").write_text(crash.text)

    stats = fuzz(args.seeds, args.cases, args.lib_only, on_crash, shapes=args.shapes)
    print(f"{stats.cases} cases, {stats.runs} CLI runs, {len(stats.crashes)} crashes "
          f"({len(signatures)} distinct) in {time.monotonic() - start:.0f}s")
    for sig, count in sorted(signatures.items(), key=lambda x: -x[1]):
        print(f"  {count:4d}  {sig}")
    return 1 if stats.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
