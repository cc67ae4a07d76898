"""The cache's contract: declared facts with codecs, exact data, positions kept on purpose."""
from __future__ import annotations

import datetime
import json
import math
import sys
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import pytest
from conftest import Project

from slopolicy import runtime
from slopolicy.cache import data, facts, records
from slopolicy.cache.codec import Malformed, Packed, codec
from slopolicy.cache.facts import Fact, FactFamily, UndeclaredFact
from slopolicy.cache.store import Cache, default_dir, open_cache
from slopolicy.check import analysis
from slopolicy.load.files import load_text
from slopolicy.model.documents import Document
from slopolicy.text.yamlsource import Path as DocPath

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import sla, slo  # noqa: E402


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@dataclass(frozen=True)
class Window:
    start: datetime.date
    until: datetime.date | None
    anchor: datetime.datetime | None


@dataclass(frozen=True)
class Sample:
    name: str
    target: Decimal
    count: int
    where: DocPath
    flags: tuple[bool, ...]
    window: Window
    notes: list[str | None]
    parts: dict[str, int]


COMPUTED: list[str] = []


def _sample(doc: Document) -> Sample:
    COMPUTED.append(doc.name)
    target = doc.spec.get("objectives", [{}])[0].get("targetPercent")
    return Sample(doc.name, target, 3, ("spec", "objectives", 0, True, None, 2),
                  (True, False), Window(datetime.date(2025, 1, 1), None,
                                        datetime.datetime(2025, 3, 1, 12, 30, 0, 5)),
                  ["a", None], {"x": 1})


SAMPLE: Fact[Sample] = Fact("test-sample", _sample, codec(Sample))
SAMPLES: FactFamily[tuple[str, ...]] = FactFamily("test-samples", codec(tuple[str, ...]))


def loaded(text: str, path: str = "slas/a.yaml") -> Document:
    [doc] = load_text(path, text).documents
    return doc


# -- declared facts ------------------------------------------------------------------------


def test_a_declared_fact_round_trips_through_its_codec() -> None:
    value = _sample(loaded(sla(1)))
    encoded = json.loads(json.dumps(SAMPLE.codec.encode(value)))
    back = SAMPLE.codec.decode(encoded)
    assert back == value and type(back.target) is Decimal and back.where[3] is True
    assert str(back.target) == str(value.target)
    with pytest.raises(Malformed):
        SAMPLE.codec.decode({**encoded, "count": "3"})
    with pytest.raises(Malformed):
        SAMPLE.codec.decode({k: v for k, v in encoded.items() if k != "name"})


def test_packed_columns_and_exact_numbers_round_trip() -> None:
    signed_64, unsigned_64, ints = (codec(Annotated[list[int], Packed(t)]) for t in "qQi")
    column = [0, -1, 2**63 - 1, -(2**63), 7]
    assert signed_64.decode(json.loads(json.dumps(signed_64.encode(column)))) == column
    assert unsigned_64.decode(unsigned_64.encode([2**64 - 1, 0])) == [2**64 - 1, 0]
    assert ints.decode(ints.encode([-1, 2**31 - 1])) == [-1, 2**31 - 1]
    with pytest.raises(TypeError):
        ints.encode([2**31])  # does not fit: the file is not cached, nothing is cut short
    for bad in (7, "AAA", [1, 2]):
        with pytest.raises(Malformed):
            signed_64.decode(bad)
    exact = codec(tuple[Fraction, Decimal, datetime.date])
    value = (Fraction(10, 3), Decimal("0.000100"), datetime.date(2025, 2, 28))
    assert exact.decode(exact.encode(value)) == value
    assert str(exact.decode(exact.encode(value))[1]) == "0.000100"


def test_a_fact_is_declared_at_module_level_only() -> None:
    with pytest.raises(UndeclaredFact, match="module level"):
        Fact("made-in-a-function", _sample, codec(Sample))
    import slopolicy.rules.linking  # noqa: F401  (declares "service")

    with pytest.raises(UndeclaredFact, match="already declared"):
        exec("from slopolicy.cache.facts import Fact\nfrom slopolicy.cache.codec import codec\n"
             "X = Fact('service', len, codec(int))\n", {"__name__": "another_module"})


def test_an_undeclared_fact_cannot_be_stored() -> None:
    assert not hasattr(Document, "remember")  # no way to keep a fact by a free name
    doc = loaded(sla(1))
    doc.source.cache_key = "0" * 64
    doc.facts["free-key"] = (1, 2)
    with pytest.raises(UndeclaredFact):
        records.entry_of(doc.source)
    del doc.facts["free-key"]
    assert SAMPLE.of(doc).name == "customer-1"
    assert records.entry_of(doc.source).documents[0].facts["test-sample"]["count"] == 3


def test_a_kept_fact_is_read_back_not_computed_again(tmp_path: Path) -> None:
    key = bytes(range(32))
    raw = sla(1).encode()
    [source] = analysis.load_contents([("slas/a.yaml", raw)])
    COMPUTED.clear()
    first = SAMPLE.of(source.documents[0])
    member = SAMPLES.member("x", lambda doc: (doc.kind,))
    assert member.of(source.documents[0]) == ("SLA",)
    assert source.dirty and COMPUTED == ["customer-1"]
    Cache(tmp_path, tmp_path, key=key).keep([source])
    with runtime.loading():
        [again] = analysis.load_contents([("slas/a.yaml", raw)], Cache(tmp_path, tmp_path, key=key))
    doc = again.documents[0]
    assert SAMPLE.of(doc) == first and member.of(doc) == ("SLA",)
    assert COMPUTED == ["customer-1"] and not again.dirty and not doc.loaded


# -- positions ---------------------------------------------------------------------------


def standing_finding(project: Project) -> None:
    project.write(".slopolicy.yaml", "extends: default\n")
    for i in range(2):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))
    project.write("slas/customer-0.yaml", sla(0).replace("creditPercent: 25", "creditPercent: 5"))


def restored(project: Project) -> list[Any]:
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    with runtime.loading():
        return analysis.load_files(sorted(str(p) for p in project.root.rglob("*.yaml")
                                          if p.name != ".slopolicy.yaml"), project.root, cache)


def test_locating_a_finding_does_not_mark_its_file_changed(project: Project,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    standing_finding(project)
    monkeypatch.setattr(facts, "KEEP_POSITIONS", False)
    assert [p[3] for p in project.check().problems()] == ["credit-tiers"]
    [source] = [f for f in restored(project) if f.path == "slas/customer-0.yaml"]
    assert source.documents[0].locate(("spec", "credits", 1)) == (30, 7)
    assert not source.dirty and not records.unsaved(source)
    monkeypatch.setattr(facts, "KEEP_POSITIONS", True)  # declared for keeping: now it is news
    assert not source.dirty and records.unsaved(source)


def test_positions_are_kept_only_when_declared(project: Project,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    standing_finding(project)
    monkeypatch.setattr(facts, "KEEP_POSITIONS", False)
    cold = project.check()
    shards = {p: p.stat().st_mtime_ns for p in (project.root.parent / "cache").rglob("??.cache")}
    assert project.check().out == cold.out
    assert shards == {p: p.stat().st_mtime_ns
                      for p in (project.root.parent / "cache").rglob("??.cache")}  # no rewrite
    [source] = [f for f in restored(project) if f.path == "slas/customer-0.yaml"]
    assert source.documents[0].located is None  # nothing kept: it would be parsed again
    monkeypatch.setattr(facts, "KEEP_POSITIONS", True)
    for index in (project.root.parent / "cache").rglob("project.cache"):
        index.unlink()  # else a warm check answers from it, and locates nothing
    assert project.check().out == cold.out  # this run keeps where its finding is
    [source] = [f for f in restored(project) if f.path == "slas/customer-0.yaml"]
    assert source.documents[0].located and source._positions is None


# -- document data, exactly ------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down; Decimals digit for digit."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            same(k1, k2) and same(a[k1], b[k2]) for k1, k2 in zip(a, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Decimal):
        return a.as_tuple() == b.as_tuple()
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


LONG = "0." + "1234567890" * 420 + "1"  # 4,201 digits: slopolicy reads up to 4,300
YAML = f"""\
apiVersion: slopolicy/v1
kind: SLA
metadata: {{name: exact, labels: {{"\\0": nul-key}}}}
spec:
  decimals: [99.95, 99.950, 1e3, 1E+3, -0.0, 5., .5, 0.0000001, 1e-4000, 1_000.5, {LONG}]
  integers: [0, -7, 0x1F, 0o17, 0b101, 123456789012345678901234567890, 0x{"f" * 1000}]
  floats: [.inf, -.Inf, .nan]
  scalars: [true, false, null, ~, "text", 2025-01-01, "tab\\there", "nul\\0char", "é😀"]
  keys: {{7: int, true: bool, null: none, .inf: float, 2.50: decimal-as-text}}
  alias: &a {{x: 1}}
  again: *a
  tagged: !!str 12
"""


def test_document_data_round_trips_exactly() -> None:
    doc = loaded(YAML)
    text = data.dumps(doc.data)
    back = data.loads(text)
    assert same(back, doc.data)
    assert str(back["spec"]["decimals"][-1]) == LONG
    assert back["spec"]["decimals"][4].as_tuple() == Decimal("-0.0").as_tuple()
    keyed = {7: "int", True: "bool", None: "none", float("inf"): "float", "s": {1: [2]}}
    assert same(data.loads(data.dumps(keyed)), keyed)  # keys that are not text stay what they are
    assert back["metadata"]["labels"] == {"\x00": "nul-key"}
    assert data.loads(data.dumps({"\x00": ["map", []]})) == {"\x00": ["map", []]}
    huge = {"n": [10 ** 5000, -(10 ** 5000)]}  # beyond what int <-> decimal text allows
    assert data.loads(data.dumps(huge)) == huge
    for bad in ('{"\\u0000": ["code", "x"]}', "[", '{"\\u0000": 1}'):
        with pytest.raises(data.DataError):
            data.loads(bad)
    with pytest.raises(TypeError):
        data.dumps({"a": object()})


def test_restored_documents_hold_the_exact_data(tmp_path: Path) -> None:
    key = bytes(32)
    [source] = analysis.load_contents([("slas/exact.yaml", YAML.encode())])
    Cache(tmp_path, tmp_path, key=key).keep([source])
    cache = Cache(tmp_path, tmp_path, key=key)
    again = cache.restore(source.cache_key, "slas/exact.yaml", None)
    assert again is not None and not again.documents[0].loaded
    assert same(again.documents[0].data, source.documents[0].data)
    assert again.schema_results == source.schema_results
