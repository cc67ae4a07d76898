"""What a document keeps in the cache: the facts rules declare, and where findings are.

A rule that spans documents would otherwise read every document's data on
every run. Instead it reads small *facts* (an SLA's references, an SLO's
terms), each declared once at module level as a :class:`Fact`: a name, a
function that computes it from the document alone, and a codec that turns
its value into JSON-able data and back. ``FACT.of(doc)`` computes the fact
once per content of the document's file; the value is kept with the file
in the cache, so a warm run reads it back instead of the data. A fact that
depended on anything but its document would be kept stale, which is why
``compute`` receives the document and nothing else, and why facts are
declared, never made up on the fly: a document keeps nothing that is not a
declared fact (saving one raises :class:`UndeclaredFact`).

A :class:`FactFamily` declares facts of one kind that differ by a key: the
results of a document-scope rule, keyed by its options (a change of options
is a different fact, computed afresh), or a house rule's verdicts, keyed by
its definition.

Positions are part of the contract too: locating a finding parses its file
again, and a project with thousands of standing warnings would do that on
every run. With :data:`KEEP_POSITIONS` the positions a run located are kept
with the file: the cache saves again a file whose text was parsed for
positions (so it had some that its entry did not). Locating itself never
marks a file as changed.
"""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from slopolicy.cache.codec import Codec, Json, Malformed

if TYPE_CHECKING:
    from slopolicy.model.documents import Document

T = TypeVar("T")

# Declared: where a run's findings are is kept with each file (see above).
KEEP_POSITIONS = True

_DECLARED: dict[str, tuple[str, object]] = {}  # name -> (declaring module, fact or family)
NOT_KEPT: Any = object()


class UndeclaredFact(Exception):
    """Something a document was asked to keep that is no declared fact."""


def _declare(name: str, item: object) -> None:
    """Register a module-level declaration; a name is one fact (or family) for good."""
    frame = sys._getframe(1)
    while frame.f_globals.get("__name__") in (__name__, "typing") and frame.f_back is not None:
        frame = frame.f_back  # past this module and Generic's alias call
    module = str(frame.f_globals.get("__name__"))
    if frame.f_code.co_name != "<module>":
        raise UndeclaredFact(f"fact {name!r} is made in {frame.f_code.co_name}(): declare a "
                             "fact once, at module level, so every run means the same by it")
    if not name or "/" in name:
        raise UndeclaredFact(f"fact names are non-empty and have no '/': {name!r}")
    known = _DECLARED.get(name)
    if known is not None and known[0] != module:  # a module imported again may declare again
        raise UndeclaredFact(f"fact {name!r} is already declared by {known[0]}")
    _DECLARED[name] = (module, item)


class Fact(Generic[T]):
    """Something a rule keeps of one document: computed from it alone, kept with its file."""

    __slots__ = ("name", "compute", "codec", "family")

    def __init__(self, name: str, compute: Callable[[Document], T], codec: Codec[T],
                 _family: FactFamily[T] | None = None) -> None:
        if _family is None:
            _declare(name, self)
        self.name = name
        self.compute = compute
        self.codec = codec
        self.family = _family

    def __repr__(self) -> str:
        return f"<Fact {self.name}>"

    def of(self, doc: Document) -> T:
        """The fact of ``doc``: computed once per content of its file, kept in the cache."""
        value = self.known(doc)
        if value is NOT_KEPT:
            value = doc.facts[self] = self.compute(doc)
            doc.source.dirty = True  # the cache does not have it yet
        return value

    def known(self, doc: Document) -> T | Any:
        """The fact of ``doc`` if kept or computed already, else NOT_KEPT (nothing computed)."""
        kept: tuple[KeptFacts, int] | None = doc.kept
        if kept is not None:  # restored from the cache: most documents of a warm run
            where = kept[0]
            column = where.columns.get(self)
            if column is None:
                column = where.column(self)
            value = column[kept[1]]
            if value is not NOT_KEPT:
                return value
        return doc.facts.get(self, NOT_KEPT)

    def found(self, docs: Iterable[Document]) -> Iterator[tuple[Document, T]]:
        """``(doc, self.of(doc))`` for each document where that is not empty.

        Most documents have no finding of a rule: they cost a look each, no more.
        """
        of = self.of
        for doc in docs:
            kept = doc.kept
            if kept is not None:
                column = kept[0].columns.get(self)
                if column is not None:
                    value = column[kept[1]]
                    if value is not NOT_KEPT:
                        if value:
                            yield doc, value
                        continue
            value = of(doc)
            if value:
                yield doc, value


class FactFamily(Generic[T]):
    """Facts of one kind and codec, one per key (a rule's options, a rule's definition)."""

    __slots__ = ("name", "codec", "members")

    def __init__(self, name: str, codec: Codec[T]) -> None:
        _declare(name, self)
        self.name = name
        self.codec = codec
        self.members: dict[str, Fact[T]] = {}

    def member(self, key: str, compute: Callable[[Document], T]) -> Fact[T]:
        """The fact of ``key``: one object per key, for the life of the process.

        ``compute`` must give the same value for the same key and document:
        whatever else it depends on belongs in the key. The latest one given
        computes what is not kept yet.
        """
        found = self.members.get(key)
        if found is None:
            shown = key if len(key) <= 48 else hashlib.sha256(key.encode()).hexdigest()[:32]
            found = self.members[key] = Fact(f"{self.name}/{shown}", compute, self.codec, self)
        else:
            found.compute = compute
        return found


def declared(fact: object) -> bool:
    """Whether ``fact`` is a declared fact or a member of a declared family."""
    if not isinstance(fact, Fact):
        return False
    declared_as = fact if fact.family is None else fact.family
    entry = _DECLARED.get(declared_as.name)
    return entry is not None and entry[1] is declared_as


class KeptFacts(Protocol):
    """Where restored documents' facts are kept (a cache file); ``doc.kept`` is (it, row)."""

    columns: dict[Fact[Any], list[Any]]  # the facts decoded so far: each row's value

    def column(self, fact: Fact[Any]) -> list[Any]:
        """The fact's decoded value for each row (NOT_KEPT where it has none)."""

    def raw_facts(self, row: int) -> dict[str, Json]:
        """Every fact kept of the document at ``row``, as data."""


def decoded_column(places: list[int], values: list[Json], digests: list[str],
                   codec: Codec[Any]) -> list[Any]:
    """Each row's value of a fact, decoded once per distinct value.

    ``places`` are each row's place in ``values``, or -1 where the row has no
    value; the result has NOT_KEPT there, and where a value does not decode.
    A value's digest finds it already decoded when the codec is shared.
    """
    decoded: dict[int, Any] = {-1: NOT_KEPT}
    used = set(places)
    if len(used) == 1 and -1 not in used:  # one value for every row: no findings, say
        return [_decode_one(places[0], values, digests, codec)] * len(places)
    used.discard(-1)
    scalars = codec.types
    if scalars is not None and set(map(type, map(values.__getitem__, used))) <= scalars:
        decoded.update(zip(used, map(values.__getitem__, used)))  # plain values: as they are
        return list(map(decoded.__getitem__, places))
    for place in used:
        decoded[place] = _decode_one(place, values, digests, codec)
    return list(map(decoded.__getitem__, places))


def _decode_one(place: int, values: list[Json], digests: list[str], codec: Codec[Any]) -> Any:
    """The value at ``place``, decoded (or found decoded, by its digest); NOT_KEPT if bad."""
    known = codec.known
    if known is not None:
        found = known.get(digests[place], NOT_KEPT)
        if found is not NOT_KEPT:
            return found
    try:
        found = codec.decode(values[place])
    except (Malformed, TypeError, ValueError, LookupError):
        return NOT_KEPT  # computed afresh instead
    if known is not None:
        known[digests[place]] = found
    return found


def encode_facts(doc: Document) -> dict[str, Json]:
    """A document's facts as data: those this run used, encoded, and the rest as kept."""
    kept: tuple[KeptFacts, int] | None = doc.kept
    out = kept[0].raw_facts(kept[1]) if kept is not None else {}
    for fact, value in doc.facts.items():
        if not declared(fact):
            raise UndeclaredFact(f"{fact!r} is not a declared fact; declare it with "
                                 "slopolicy.cache.facts.Fact at module level")
        assert isinstance(fact, Fact)
        out[fact.name] = fact.codec.encode(value)
    return out
