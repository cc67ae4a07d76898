"""Documents and the files that hold them, with positions found on demand.

A :class:`SourceFile` is one file (on disk or at a git ref) and what loading
found in it; a :class:`Document` is one object of a known apiVersion in it.
A document of another format's SLOs (Sloth, Pyrra, Nobl9, older OpenSLO)
brings the OpenSLO v1 documents it maps to, each with a :class:`MappedFrom` that
places its parts in the original. Loading them is :mod:`slopolicy.load.files`.
"""
from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slopolicy.model.kinds import FAMILIES, SLOTH_SPEC, declared
from slopolicy.text import yamlsource
from slopolicy.text.decoding import decode
from slopolicy.text.yamlsource import Path, Positions


@dataclass(frozen=True)
class LoadProblem:
    """A problem found while reading a file, before any rule runs."""

    rule: str  # "yaml-syntax" | "duplicate-key"
    message: str
    line: int
    column: int
    related: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class MappedFrom:
    """Where an OpenSLO v1 document mapped from another format stands in its original.

    ``paths`` pairs a path of the mapped document with the path of the
    original that says it, most specific first; a part of the mapped document
    is found at the original's path of its longest mapped prefix (and what
    follows that prefix, where the original has it). ``assumptions`` are what
    the original does not say and slopolicy took (Sloth's default window),
    stated with every verdict that rests on them.
    """

    source: str  # the original document's label, e.g. PrometheusServiceLevel/myservice
    paths: tuple[tuple[Path, Path], ...]
    assumptions: tuple[str, ...] = ()

    def original(self, path: Path) -> Path:
        """The path in the original document that says ``path`` of the mapped one."""
        best: tuple[int, Path] | None = None
        for mapped, there in self.paths:
            size = len(mapped)
            if path[:size] == mapped and (best is None or size > best[0]):
                best = (size, there + path[size:])
        return best[1] if best is not None else ()


class Document:
    """One object of a known (or claimed) apiVersion and kind.

    Its identity (apiVersion, kind, name) is read once, when it is made:
    every rule looks it up, tens of thousands of times in a large project.
    A document restored from the cache holds its data as pickled bytes until
    a rule reads ``data``: rules that span documents work from small facts
    each document remembers (see ``remember``), so a warm run of a large
    project unpickles only the documents that changed or have a finding.
    """

    __slots__ = ("source", "index", "item", "_data", "_pickled", "api_version", "kind", "name",
                 "known", "facts", "mapped_from")

    def __init__(
        self, source: SourceFile, index: int, item: int | None, data: Mapping[str, Any],
        mapped_from: MappedFrom | None = None,
    ) -> None:
        self.source = source
        self.index = index  # position of the YAML document in the stream
        self.item = item  # position in a top-level list, for list-shaped files
        self._data: Mapping[str, Any] | None = data
        self._pickled: bytes | None = None
        api, kind = declared(data)
        self.api_version: str = api if isinstance(api, str) else ""
        self.kind: str = kind if isinstance(kind, str) else ""
        self.name: str = _name(data.get("metadata") if api != SLOTH_SPEC
                               else {"name": data.get("service")})
        self.known: bool = self.kind in FAMILIES.get(self.api_version, ())
        # set on an OpenSLO v1 document mapped from another format's
        self.mapped_from = mapped_from
        # what rules derived from this document alone (document-scope rule
        # results, references, terms): kept with it in the cache
        self.facts: dict[str, Any] = {}

    @classmethod
    def restore(cls, source: SourceFile, kept: tuple[Any, ...]) -> Document:
        doc = cls.__new__(cls)
        doc.source = source
        (doc.index, doc.item, doc.api_version, doc.kind, doc.name, payload, doc.facts,
         doc.mapped_from) = kept
        if isinstance(payload, bytes):
            doc._data, doc._pickled = None, payload
        else:
            doc._data, doc._pickled = payload, None
        doc.known = doc.kind in FAMILIES.get(doc.api_version, ())
        return doc

    def kept(self, pickled: bool = True) -> tuple[Any, ...]:
        """Position, identity, data and facts; the data pickled, as the cache keeps it, or as it is.

        Worker processes send data as it is: one pickle per batch shares
        the strings documents repeat, which per-document pickles would not.
        """
        payload: Any = self._data
        if pickled:
            if self._pickled is None:
                self._pickled = pickle.dumps(self._data, protocol=pickle.HIGHEST_PROTOCOL)
            payload = self._pickled
        elif payload is None:
            payload = self.data
        return (self.index, self.item, self.api_version, self.kind, self.name, payload,
                self.facts, self.mapped_from)

    @property
    def data(self) -> Mapping[str, Any]:
        data = self._data
        if data is None:
            data = self._data = pickle.loads(self._pickled or b"N.")
        return data

    def __repr__(self) -> str:
        return f"<Document {self.label} in {self.source.path}>"

    @property
    def spec(self) -> Mapping[str, Any]:
        value = self.data.get("spec")
        return value if type(value) is dict or isinstance(value, Mapping) else {}

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.api_version, self.kind, self.name)

    @property
    def label(self) -> str:
        """``Kind/name``, as reports show a document."""
        return f"{self.kind or '?'}/{self.name or '?'}"

    @property
    def prefix(self) -> Path:
        return () if self.item is None else (self.item,)

    def remember(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per content of this document's file.

        ``compute`` must depend on this document alone: its result is kept
        with the file in the cache, keyed by the file's content.
        """
        facts = self.facts
        if name in facts:
            return facts[name]
        value = facts[name] = compute()
        self.source.dirty = True
        return value

    def locate(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of ``path`` (of its key with ``key``), 1-based.

        Kept with the document's facts: a project with thousands of standing
        warnings would otherwise parse those files again on every run.
        """
        at = (tuple(path), key)
        positions: dict[tuple[Path, bool], tuple[int, int]] = self.remember("positions", dict)
        found = positions.get(at)
        if found is None:
            there = at[0] if self.mapped_from is None else self.mapped_from.original(at[0])
            found = positions[at] = self.source.locate(self.index, self.prefix + there, key)
            self.source.dirty = True
        return found


@dataclass(eq=False, slots=True)
class SourceFile:
    """A file on disk (or at a git ref), with what it yielded."""

    path: str  # relative to the repository root, with "/"
    text: str
    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    others: int = 0  # objects of no known apiVersion
    foreign: list[tuple[int, int, str]] = field(default_factory=list)
    # schema errors per document (by position in ``documents``), when known
    schema_results: dict[int, list[tuple[Path, bool, str]]] = field(default_factory=dict)
    cache_key: str = ""
    dirty: bool = False  # documents remembered facts the cache does not have yet
    # a file on disk keeps no text in memory: it is read again only to locate
    # a problem (100,000 documents' text would be hundreds of megabytes)
    origin: str | None = None
    raw: bytes | None = field(default=None, repr=False)  # a file at a git ref: its bytes
    _positions: list[Positions | None] | None = field(default=None, repr=False)

    def snapshot(self, pickled: bool = True) -> tuple[Any, ...]:
        """What loading found, as plain data (for the cache and worker processes)."""
        docs = [d.kept(pickled) for d in self.documents]
        return (docs, self.problems, self.others, self.foreign, self.schema_results)

    @classmethod
    def restore(
        cls, path: str, text: str, snapshot: tuple[Any, ...], origin: str | None = None,
        cache_key: str = "",
    ) -> SourceFile:
        """A file from its snapshot (which it then shares: a snapshot serves one file)."""
        # every field set here, without __init__: a warm run restores tens of
        # thousands of files
        source = cls.__new__(cls)
        docs, source.problems, source.others, source.foreign, source.schema_results = snapshot
        source.path, source.text, source.cache_key, source.origin = path, text, cache_key, origin
        source.raw = None
        source.dirty = False
        source._positions = None
        source.documents = [Document.restore(source, kept) for kept in docs]
        return source

    def locate(self, index: int, path: Path, key: bool = False) -> tuple[int, int]:
        if self._positions is None:
            self._positions = yamlsource.positions_of(self._text())
        tree = self._positions[index] if index < len(self._positions) else None
        if key:
            return yamlsource.locate_key(tree, path)
        return yamlsource.locate(tree, path)


    def _text(self) -> str:
        if self.text:
            return self.text
        if self.raw is not None:
            return decode(self.raw)[0] or ""
        if self.origin is None:
            return ""
        try:
            with open(self.origin, "rb") as f:
                return decode(f.read())[0] or ""
        except OSError:
            return ""


def _name(metadata: Any) -> str:
    if type(metadata) is dict or isinstance(metadata, Mapping):
        value = metadata.get("name")
        if isinstance(value, (str, int)):
            return str(value)
    return ""
