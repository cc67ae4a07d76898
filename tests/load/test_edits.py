"""A file's next version read from its last one gives what loading it gives, or nothing.

``edits.reload`` stands in for the loader when only values on lines of their
own changed. Each test holds it to ``load_bytes`` on the same bytes: the same
documents, the same data (types, digits, key order), or None where the
loader's answer could differ.
"""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from slopolicy.load import edits
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import SourceFile

SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: customer-1
  owner: accounts@acme.example
  labels: {tier: gold}
spec:
  customer: customer-1
  contract: MSA-1
  service: svc-1
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
      slo: svc-1-availability
  support:
    hours: 24x7
    severities:
      - {level: P1, response: 30m, resolution: 4h}
  credits:
    - {below: 99.9, atLeast: 99.0, creditPercent: 10}
    - below: 99.0
      creditPercent: 25
"""

# Text that a value rewritten in place must not be read from (the line that changes is
# ``  note: one``, or the line after the marker).
TRICKY = {
    "anchor": "  note: one\n  other: &a x\n  again: *a\n",
    "anchored mapping": "  base: &a\n    note: one\n  again: *a\n",
    "block scalar": "  text: |\n    note: one\n",
    "folded plain": "  note: one\n    two\n",
    "duplicate key": "  note: one\n  note: two\n",
    "merge key": "  base: {a: 1}\n  more:\n    <<: {b: 2}\n    note: one\n",
    "tag": "  note: one\n  other: !!str 1\n",
    "flow mapping": "  m: {\n    note: one\n  }\n",
    "flow sequence": "  s: [\n    note: one\n  ]\n",
}
VALUES = ["one", "two", "true", "False", "null", "NULL", "0", "01", "007", "1_000", "0x1F",
          "0o17", "0b101", "1e5", "1E+2", "99.9", "99.90", "2025-01-01", "2025-1-1",
          "2025-01-01T10:00:00Z", "10:00", "a:b", "http://x/y", "yes", "No", "x-y", "a.b",
          "1.2.3", "9" * 5000, "v1", "Infinity", "nan", "1e400", "foo:", "P1"]


def _sla_doc(extra: str) -> str:
    return SLA.replace("  support:\n", extra + "  support:\n")


def _strict(value: Any) -> Any:
    """A value with every type and digit spelled out, key order kept."""
    if isinstance(value, dict):
        return ("dict", [(k, _strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_strict(v) for v in value])
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, repr(value))


def _loaded(raw: bytes) -> list[Any]:
    source = load_bytes("a.yaml", raw)
    assert not source.problems
    return [(d.index, d.identity, _strict(d.data)) for d in source.documents]


def _reloaded(before: bytes, after: bytes) -> list[Any] | None:
    basis = edits.basis(before, load_bytes("a.yaml", before))
    assert basis is not None
    found = edits.reload(basis, after, SourceFile("a.yaml", ""))
    if found is None:
        return None
    return [(d.index, d.identity, _strict(d.data)) for d in found[1]]


def test_a_new_version_of_an_agreement_is_read_from_the_last() -> None:
    after = SLA.replace("version: 1", "version: 2").replace(
        "from: 2025-01-01", "from: 2025-03-01").replace("targetPercent: 99.9", "targetPercent: 99.95")
    assert _reloaded(SLA.encode(), after.encode()) == _loaded(after.encode())


def test_unchanged_parts_stay_the_last_versions_own() -> None:
    before = load_bytes("a.yaml", SLA.encode())
    basis = edits.basis(SLA.encode(), before)
    assert basis is not None
    found = edits.reload(basis, SLA.replace("version: 1", "version: 2").encode(),
                         SourceFile("a.yaml", ""))
    assert found is not None
    [old], [new] = before.documents, found[1]
    assert new.data["metadata"] is old.data["metadata"]
    assert new.data["spec"] is not old.data["spec"] and new.data["spec"]["version"] == 2
    assert old.data["spec"]["version"] == 1  # the last version is left as it was


def test_a_version_grown_past_the_size_limit_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader refuses a file over the size limit whole (a problem, no documents): a value
    grown in place past it is no edit to read from the last version."""
    from slopolicy.load import edits as module

    after = SLA.replace("contract: MSA-1", "contract: " + "M" * 200).encode()
    monkeypatch.setattr(module, "MAX_FILE_BYTES", len(after) - 1)
    assert _reloaded(SLA.encode(), after) is None
    assert _reloaded(SLA.encode(), SLA.replace("version: 1", "version: 2").encode()) is not None


@pytest.mark.parametrize("value", VALUES)
def test_a_value_rewritten_in_place_reads_as_the_loader_reads_it(value: str) -> None:
    after = SLA.replace("contract: MSA-1", f"contract: {value}").encode()
    found = _reloaded(SLA.encode(), after)
    source = load_bytes("a.yaml", after)
    if found is None:
        return
    assert not source.problems
    assert found == _loaded(after)


@pytest.mark.parametrize("case", sorted(TRICKY))
def test_text_a_value_may_stand_for_more_than_its_line_is_loaded(case: str) -> None:
    before = _sla_doc(TRICKY[case])
    after = before.replace("note: one", "note: two", 1)
    assert before != after
    basis = edits.basis(before.encode(), load_bytes("a.yaml", before.encode()))
    if basis is None:  # the loader found a problem in it: never read from
        return
    assert edits.reload(basis, after.encode(), SourceFile("a.yaml", "")) is None


@pytest.mark.parametrize(("before", "after"), [
    (SLA, SLA.replace("version: 1", "version: 2\n  extra: 1")),  # a line more
    (SLA, SLA.replace("version: 1", "version: 2 # the second")),  # a comment
    (SLA, SLA.replace("version: 1", "version: '2'")),  # quoted
    (SLA, SLA.replace("version: 1", "version: [2]")),
    (SLA, SLA.replace("version: 1", "versions: 2")),  # another key
    (SLA, SLA.replace("    from: 2025-01-01", "  from: 2025-01-01")),  # another indent
    (SLA, SLA.replace("kind: SLA", "kind: SLO")),  # another kind: loaded again
    (SLA.replace("\n", "\r\n"), SLA.replace("version: 1", "version: 2").replace("\n", "\r\n")),
    (SLA, SLA.replace("level: P1", "level: P2")),  # in a flow mapping
])
def test_other_changes_are_loaded(before: str, after: str) -> None:
    basis = edits.basis(before.encode(), load_bytes("a.yaml", before.encode()))
    if basis is None:
        return
    assert edits.reload(basis, after.encode(), SourceFile("a.yaml", "")) is None


def test_no_basis_from_a_file_with_problems_or_other_objects() -> None:
    for text in (SLA.replace("owner:", "name: x\n  owner:"),  # a duplicate key
                 SLA + "---\nfoo: bar\n",  # an object of no kind slopolicy reads
                 "- " + SLA.replace("\n", "\n  ")):  # list items
        assert edits.basis(text.encode(), load_bytes("a.yaml", text.encode())) is None


def test_every_document_of_a_stream_is_read_from_its_own() -> None:
    second = SLA.replace("customer-1", "customer-2")
    before = (SLA + "---\n" + second).encode()
    after = (SLA + "---\n" + second.replace("version: 1", "version: 7")).encode()
    found = _reloaded(before, after)
    assert found is not None and found == _loaded(after)
    assert found[0] == _loaded(SLA.encode())[0]


def test_random_rewrites_read_as_the_loader_reads_them() -> None:
    """Values rewritten on random lines of random texts: read from the last version only when
    the loader would load the same, then exactly what it loads."""
    rng = random.Random(17)
    texts = [SLA] + [_sla_doc(extra) for extra in TRICKY.values()]
    read = 0
    for _ in range(600):
        before = rng.choice(texts)
        lines = before.split("\n")
        for _ in range(rng.randint(1, 3)):
            number = rng.randrange(len(lines))
            key, sep, _ = lines[number].partition(": ")
            if sep:
                lines[number] = f"{key}: {rng.choice(VALUES[:-6])}"
        after = "\n".join(lines)
        if after == before:
            continue
        source = load_bytes("a.yaml", before.encode())
        basis = edits.basis(before.encode(), source)
        if basis is None:
            continue
        found = edits.reload(basis, after.encode(), SourceFile("a.yaml", ""))
        if found is not None:
            read += 1
            assert not load_bytes("a.yaml", after.encode()).problems
            assert [(d.index, d.identity, _strict(d.data)) for d in found[1]] == \
                _loaded(after.encode())
    assert read > 100
