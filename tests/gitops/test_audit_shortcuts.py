"""The audit's shortcuts give what the long way gives.

An audit compares, hashes and judges every version of every agreement, so
it takes shortcuts: versions share their unchanged parts, the field diff
skips what is shared, a digest reuses the text of shared parts and of key
orders seen before, the objectives' windows and budgets (which no audit
report shows) are left out. Each test here holds a shortcut to the result
of the long way, on real documents and real histories.
"""
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from gitrepos import GitProject, sla

from slopolicy.changes import approvals
from slopolicy.changes import compare as changes
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import Document


def _doc(text: str, path: str = "slas/a.yaml") -> Document:
    [doc] = load_bytes(path, text.encode()).documents
    return doc


def _fields(base: Document, head: Document) -> list[tuple[Any, ...]]:
    return [(f.shown, repr(f.before), repr(f.after), f.direction, f.base_path, f.head_path)
            for f in changes.diff_documents(base, head)]


# -- sharing the parts that did not change -------------------------------------------------

@pytest.mark.parametrize(("before", "after", "shared"), [
    (Decimal("99.9"), Decimal("99.9"), True),
    (Decimal("99.9"), Decimal("99.90"), False),  # other digits: the text approved differs
    (Decimal("0"), Decimal("-0"), False),
    (Decimal("1E+2"), Decimal("100"), False),
    (Decimal("NaN"), Decimal("NaN"), False),  # never equal to itself
    ("gold", "gold", True),
    (1, 1, True),
    (1, True, False),  # YAML 1 and true differ
    (1, Decimal("1"), False),
    (datetime.date(2025, 1, 1), datetime.date(2025, 1, 1), True),
    (datetime.datetime(2025, 1, 1), datetime.datetime(2025, 1, 1), False),  # zones: kept
    (1.5, float("1.5"), False),
])
def test_a_leaf_is_shared_only_when_no_reader_can_tell_it_apart(
        before: Any, after: Any, shared: bool) -> None:
    old: dict[str, Any] = {"spec": {"value": before, "list": [before]}, "kind": "SLA"}
    new: dict[str, Any] = {"spec": {"value": after, "list": [after]}, "kind": "SLA"}
    assert (changes.share_unchanged(old, new) is old) is shared
    assert new["spec"]["value"] is (before if shared else after)
    assert new["spec"]["list"][0] is (before if shared else after)


def test_a_mapping_is_shared_only_with_its_keys_in_the_same_order() -> None:
    old = {"a": {"x": 1, "y": 2}, "b": [1, 2]}
    new = {"a": {"y": 2, "x": 1}, "b": [1, 2]}
    assert changes.share_unchanged(old, new) is new
    assert new["a"] is not old["a"] and new["b"] is old["b"]
    assert list(new["a"]) == ["y", "x"]


VERSIONS = [
    """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex, labels: {tier: gold}}
spec:
  customer: globex
  service: api
  version: 1
  effective: {from: 2025-01-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: availability, indicator: availability, targetPercent: 99.9}
    - {name: latency, indicator: latency, threshold: 500ms, targetPercent: 95}
  credits: [{below: 99.9, creditPercent: 10}, {below: 99.0, creditPercent: 25}]
""",
    # a new version: targets up, a date, a credit tier, a key order, a label dropped
    """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex}
spec:
  service: api
  customer: globex
  version: 2
  effective: {from: 2025-02-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: latency, indicator: latency, threshold: 500ms, targetPercent: 95}
    - {name: availability, indicator: availability, targetPercent: 99.95}
  credits: [{below: 99.95, creditPercent: 10}, {below: 99.0, creditPercent: 25}]
  support: {hours: 24x7}
""",
    # the same terms written otherwise, a target with more digits, text in place of a number
    """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex, owner: legal@acme.example}
spec:
  service: api
  customer: globex
  version: "2"
  effective: {from: 2025-02-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: latency, indicator: latency, threshold: 0.5s, targetPercent: 95}
    - {name: availability, indicator: availability, target: 0.99950}
  credits: [{below: 99.950, creditPercent: 10}, {below: 99.0, creditPercent: 25}]
  support: {hours: 24x7}
""",
    """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {name: globex, owner: legal@acme.example}
spec:
  service: api
  customer: globex
  version: 3
  effective: {from: 2025-03-01}
  window: {calendar: month, timeZone: UTC}
  budgetingMethod: Occurrences
  objectives:
    - {name: latency, indicator: latency, threshold: 0.5s, targetPercent: .nan}
    - {name: availability, indicator: availability, target: 0.99950}
  credits: [{below: 99.950, creditPercent: 10}]
""",
]


def test_the_field_diff_of_shared_versions_is_that_of_fresh_copies() -> None:
    """A history shares each version's unchanged parts with the version before; the field
    diff skips what is shared, and must find exactly what it finds between copies that
    share nothing."""
    shared = [_doc(text) for text in VERSIONS]
    for old, new in zip(shared, shared[1:]):
        changes.share_unchanged(old.data, new.data)
    assert shared[2].data["spec"]["window"] is shared[0].data["spec"]["window"]
    for number in range(1, len(VERSIONS)):
        fresh = (_doc(VERSIONS[number - 1]), _doc(VERSIONS[number]))
        found = _fields(shared[number - 1], shared[number])
        assert found == _fields(*fresh)
        assert found  # every step changes something
    first = [shown for shown, *_ in _fields(_doc(VERSIONS[0]), _doc(VERSIONS[1]))]
    assert first == ["metadata.labels", "spec.version", "spec.effective.from",
                     "spec.objectives[availability].targetPercent", "spec.credits[0].below",
                     "spec.support"]


def test_an_audit_compares_every_version_as_the_gate_does(repo: GitProject,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit leaves out what no audit report shows (each objective's window and budget);
    its changes have the fields, directions, classes and status of a full comparison."""
    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit as walker
    from slopolicy.gitops.git import open_repo

    steps = [sla(2, "2025-02-01", "99.95"), sla(3, "2025-03-01", "99.5"),
             sla(3, "2025-03-01", "99.5").replace("owner: accounts", "owner: legal"), sla(4, "2025-04-01", "99.5", threshold="300ms"),
             sla(5, "2025-05-01", "99.5").replace("calendar: month", "calendar: quarter"),
             sla(6, "2025-06-01", "99.9").replace("budgetingMethod: Timeslices",
                                                  "budgetingMethod: Occurrences")]
    for number, text in enumerate(steps):
        repo.write("slas/globex.yaml", text)
        repo.commit(f"step {number}", date=f"2025-0{number + 2}-10T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    project = open_project([], None)
    found = walker.walk(project, open_repo(project.repo_root))
    versions = [v for a in found.agreements for v in a.versions if not v.removed]
    compared = [v for v in versions if v.change.base is not None]
    assert len(compared) >= len(steps)
    for version in compared:
        change = version.change
        assert change.base is not None and change.head is not None
        full = changes.compare_documents(_doc(_text(change.base)), _doc(_text(change.head)))
        assert full is not None
        assert [(f.shown, f.direction) for f in change.fields] == [
            (f.shown, f.direction) for f in full.fields]
        assert [(o.key, o.directions) for o in change.objectives] == [
            (o.key, o.directions) for o in full.objectives]
        assert (change.classes, change.status, change.terms_changed) == (
            full.classes, full.status, full.terms_changed)
    assert {v.status for v in compared} >= {"tightened", "loosened", "metadata"}
    assert any(o.directions == {"tightened", "loosened"} for v in compared
               for o in v.change.objectives)  # a longer window: both ways


def _text(doc: Document) -> str:
    """A document's data written out again (JSON is YAML), for a copy that shares nothing."""
    return json.dumps(doc.data, default=str)


# -- digests ---------------------------------------------------------------------------------

def test_a_digest_writes_each_mapping_in_key_order_whatever_was_written_before() -> None:
    """Key orders are remembered by the keys as a mapping holds them: each mapping is still
    written sorted, and keys that are not text never take a text key's place."""
    def canonical(value: Any) -> str:
        return approvals.canonical_json(value).decode()

    assert canonical({"b": 1, "a": {"d": 2, "c": 3}}) == '{"a":{"c":3,"d":2},"b":1}'
    assert canonical({"a": {"c": 3, "d": 2}, "b": 1}) == '{"a":{"c":3,"d":2},"b":1}'
    assert canonical({"1": "text", 1: "number"}) == '{"1":"text","1":"number"}'
    assert canonical({1: "number", "1": "text"}) == '{"1":"number","1":"text"}'
    assert canonical({"true": 1}) == '{"true":1}'
    assert canonical({True: 1}) == '{"True":1}'
    assert canonical({1: 1}) == '{"1":1}'
    assert canonical({"é\n": 1, "a\"": 2}) == json.dumps(
        {"é\n": 1, "a\"": 2}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for text in VERSIONS[:3]:
        data = _doc(text).data
        assert approvals.digest_sharing(data, {})[0] == approvals.digest(data)
    assert canonical(_doc(VERSIONS[3]).data["spec"]["objectives"]) == (
        '[{"indicator":"latency","name":"latency","targetPercent":"nan","threshold":"0.5s"},'
        '{"indicator":"availability","name":"availability","target":0.99950}]')


# -- what is worked out once ---------------------------------------------------------------

SLO_TEXT = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: api, displayName: API}
spec:
  service: api
  indicatorRef: api-ok
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{displayName: main, target: 0.999}]
"""


def test_a_change_says_its_classes_anew_once_its_indicator_or_earlier_version_is_set() -> None:
    """The gate sets a change's indicator (an SLO whose SLI changed) and its earlier version
    (an agreement added back) after comparing it: what was said before is not kept."""
    old, new = _doc(SLO_TEXT, "slos/api.yaml"), _doc(SLO_TEXT.replace("API", "The API"),
                                                      "slos/api.yaml")
    slo = changes.compare_documents(old, new)
    assert slo is not None and (slo.classes, slo.status) == (frozenset(), "metadata")
    sli = changes.DocumentChange("openslo/v1", "SLI", "api-ok", old, new)
    slo.indicator = sli
    assert (slo.classes, slo.directions, slo.status) == (
        frozenset({"modified"}), frozenset({"metadata", "modified"}), "modified")
    slo.indicator = None
    assert slo.classes == frozenset()

    removed, added = _doc(VERSIONS[1]), _doc(VERSIONS[0])
    change = changes.compare_documents(None, added)
    assert change is not None and change.classes == frozenset({"added"})
    change.earlier = changes.Earlier(changes.compare_earlier(removed, added), "f" * 40,
                                     datetime.datetime(2025, 1, 1))
    assert change.classes == frozenset({"added", "modified", "loosened"})
    assert change.status == "added"


def test_each_roster_knows_its_own_people() -> None:
    """Who an identity is, and what roles it holds, is worked out once per roster: never
    lent to another roster with other people or roles."""
    people = approvals.Roster(roles={"legal": ("github:al",)},
                              people={"al": ("alice@acme.example", "github:al")})
    alone = approvals.Roster(roles={"legal": ("bob@acme.example",)})
    for _ in range(2):
        assert people.identities("Alice@acme.example") == {"alice@acme.example", "github:al"}
        assert people.roles_of("alice@acme.example") == {"legal"}
        assert alone.identities("Alice@acme.example") == {"alice@acme.example"}
        assert alone.roles_of("alice@acme.example") == frozenset()
        assert alone.roles_of("BOB@acme.example") == {"legal"}
        assert people.roles_of("bob@acme.example") == frozenset()


def test_each_change_is_judged_by_the_roster_of_its_own_parent(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes that no record names share their evidence sources per policy: a claim is
    weighed by the roles of the policy that judges the change, never an earlier one's."""
    from gitrepos import POLICY

    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit as walker
    from slopolicy.gitops.git import open_repo

    counted = POLICY.replace("  require:", "  trailers: counted\n  require:")
    repo.write(".slopolicy.yaml", counted)  # from the first commit on
    repo.git("add", "-A", date="2025-03-01T12:00:00+00:00")
    repo.git("commit", "-q", "--amend", "--no-edit", date="2025-03-01T12:00:00+00:00")
    steps = [(None, "99.95", "alice"),  # alice is legal
             (counted.replace("alice@acme.example, ", ""), "", "carol"),  # alice leaves
             (None, "99.99", "alice"),  # no longer counts
             (None, "99.999", "bob")]
    for number, (policy, target, approver) in enumerate(steps):
        if policy is not None:
            repo.write(".slopolicy.yaml", policy)
        else:
            repo.write("slas/globex.yaml", sla(number + 2, "2025-06-01", target))
        trailer = f"\n\nApproved-by: {approver}@acme.example" if approver else ""
        repo.commit(f"step {number}{trailer}", date=f"2025-0{number + 4}-10T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    project = open_project([], None)
    found = walker.walk(project, open_repo(project.repo_root))
    [agreement] = found.agreements
    judged = [(v.status, v.compliant) for v in agreement.versions]
    assert judged == [("added", True), ("tightened", True), ("tightened", False),
                      ("tightened", True)]
    assert [(c.commit.subject, c.compliant) for c in found.policy_changes] == [
        ("the agreement", True), ("step 1", True)]  # carol (sre) approves alice leaving


def test_what_is_remembered_by_identity_is_never_lent_to_a_later_object() -> None:
    """A target, a window and an SLA's terms are remembered by the identity of their data:
    objects made and dropped one after another (which often take the same address) each
    get their own."""
    from slopolicy.slo import terms

    def text(target: str, unit: str) -> str:
        return VERSIONS[0].replace("targetPercent: 99.9}", f"targetPercent: {target}}}").replace(
            "calendar: month", f"calendar: {unit}")

    targets = ["99.9", "99.5", "99.95", "99.0"]
    units = ["month", "quarter", "week"]

    def pair(number: int) -> tuple[Document, Document, bool]:
        before = _doc(text(targets[number % 4], units[number % 3]))
        after = _doc(text(targets[(number + 1) % 4], units[number % 3]))
        return before, after, Decimal(targets[(number + 1) % 4]) > Decimal(targets[number % 4])

    for number in range(60):  # the field diff alone (targets)
        before, after, up = pair(number)
        [target] = [f for f in changes.diff_documents(before, after)
                    if f.shown.endswith("targetPercent")]
        assert target.direction == ("tightened" if up else "loosened")
    for number in range(60):  # the terms alone (windows)
        _, after, _ = pair(number)
        found = terms.sla_terms(after.data)[0].terms
        assert found is not None and found.window.unit == units[number % 3]
        assert found.target == Decimal(targets[(number + 1) % 4]) / 100
    for number in range(60):  # whole comparisons (an SLA's terms)
        before, after, up = pair(number)
        change = changes.compare_documents(before, after)
        assert change is not None and change.status == ("tightened" if up else "loosened")


# -- versions read from the last one -------------------------------------------------------

def test_an_audit_that_reads_versions_from_the_last_reports_what_parsing_each_reports(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions whose changed lines are values rewritten in place are read from the last
    version at their path (load.edits); every report is the one parsing each version gives."""
    from slopolicy.load import edits

    other = sla(1, "2025-01-01", "99.9").replace("globex-public-api", "initech-api").replace(
        "customer: globex", "customer: initech")
    slo = SLO_TEXT.replace("target: 0.999", "target: 0.9995")
    steps = [
        {"slas/globex.yaml": sla(2, "2025-02-01", "99.95")},  # values in place
        {"slas/globex.yaml": sla(3, "2025-03-01", "99.5", threshold="300ms")},
        {"slas/both.yaml": other + "---\n" + slo},  # a stream of two documents, added
        {"slas/both.yaml": other.replace("version: 1", "version: 2").replace(
            "targetPercent: 99.9", "targetPercent: 99.0") + "---\n" + slo},  # loosened
        {"slas/globex.yaml": sla(4, "2025-04-01", "99.5", threshold="300ms").replace(
            "name: globex-public-api", "name: globex-api")},  # renamed in place
        {"slas/globex.yaml": sla(5, "2025-05-01", "99.9").replace(
            "name: globex-public-api", "name: globex-api") + "# a comment\n"},  # a line more
        {"slas/globex.yaml": sla(6, "2025-06-01", "99.9").replace(
            "name: globex-public-api", "name: globex-api") + "# a comment\n"},
    ]
    for number, files in enumerate(steps):
        for path, text in files.items():
            repo.write(path, text)
        repo.commit(f"step {number}", date=f"2025-0{number + 2}-10T12:00:00+00:00")
    asked = [("--format", "json"), ("--format", "html"), ("--format", "text"),
             ("--as-of", "2025-06-30", "--format", "json")]
    read = []
    reload = edits.reload

    def counted(*args: Any) -> Any:
        found = reload(*args)
        read.append(found is not None)
        return found

    monkeypatch.setattr(edits, "reload", counted)
    shortcut = [repo.run("audit", *args).out for args in asked]
    assert sum(read) >= 4 * len(asked) and not all(read)  # read from the last, and parsed
    monkeypatch.setattr(edits, "reload", lambda *args: None)
    assert [repo.run("audit", *args).out for args in asked] == shortcut
