"""Documents and the files that hold them, with positions found on demand.

A :class:`SourceFile` is one file (on disk or at a git ref) and what loading
found in it; a :class:`Document` is one object of a known apiVersion in it.
A document of another format's SLOs (Sloth, Pyrra, Nobl9, older OpenSLO)
brings the OpenSLO v1 documents it maps to, each with a :class:`MappedFrom` that
places its parts in the original. Loading them is :mod:`slopolicy.load.files`.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from msgspec import Struct, field

from slopolicy.model.kinds import FAMILIES, SLOTH_SPEC, declared
from slopolicy.text import yamlsource
from slopolicy.text.decoding import decode
from slopolicy.text.yamlsource import Path, Positions


class LoadProblem(Struct, frozen=True):
    """A problem found while reading a file, before any rule runs."""

    rule: str  # "yaml-syntax" | "duplicate-key"
    message: str
    line: int
    column: int
    related: tuple[tuple[int, int, str], ...] = ()


class MappedFrom(Struct, frozen=True):
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
    A document restored from the result cache loads its data only when a
    rule reads ``data``: rules that span documents work from small facts
    kept of each document (see :mod:`slopolicy.cache.facts`), so a warm run
    of a large project decodes only the documents that changed or have a
    finding.
    """

    __slots__ = ("source", "index", "item", "_data", "_load", "api_version", "kind", "name",
                 "known", "facts", "kept", "located", "mapped_from")

    def __init__(
        self, source: SourceFile, index: int, item: int | None, data: Mapping[str, Any],
        mapped_from: MappedFrom | None = None,
    ) -> None:
        self.source = source
        self.index = index  # position of the YAML document in the stream
        self.item = item  # position in a top-level list, for list-shaped files
        self._data: Mapping[str, Any] | None = data
        self._load: Callable[[Document], Mapping[str, Any]] | None = None
        api, kind = declared(data)
        self.api_version: str = api if isinstance(api, str) else ""
        self.kind: str = kind if isinstance(kind, str) else ""
        self.name: str = _name(data.get("metadata") if api != SLOTH_SPEC
                               else {"name": data.get("service")})
        self.known: bool = self.kind in FAMILIES.get(self.api_version, ())
        # set on an OpenSLO v1 document mapped from another format's
        self.mapped_from = mapped_from
        # Owned by slopolicy.cache.facts, which alone reads and writes them:
        # the declared facts computed of this document, and those its cache
        # entry holds (still encoded until a rule asks).
        self.facts: dict[Any, Any] = {}
        self.kept: Any = None
        # where paths in it are, once located: (path, at its key) -> (line, column)
        self.located: dict[tuple[Path, bool], tuple[int, int]] | None = None

    @classmethod
    def stored(
        cls, source: SourceFile, index: int, item: int | None, api_version: str, kind: str,
        name: str, load: Callable[[Document], Mapping[str, Any]], kept: Any = None,
        located: dict[tuple[Path, bool], tuple[int, int]] | None = None,
        mapped_from: MappedFrom | None = None,
    ) -> Document:
        """A document whose data is loaded by ``load(doc)`` when first read (from a cache)."""
        doc = cls.__new__(cls)
        doc.source, doc.index, doc.item = source, index, item
        doc.api_version, doc.kind, doc.name = api_version, kind, name
        doc._data, doc._load = None, load
        doc.known = doc.kind in FAMILIES.get(doc.api_version, ())
        doc.facts, doc.kept, doc.located = {}, kept, located
        doc.mapped_from = mapped_from
        return doc

    @classmethod
    def restore(cls, source: SourceFile, kept: DocumentSnapshot) -> Document:
        doc = cls.__new__(cls)
        doc.source, doc.index, doc.item = source, kept.number, kept.item
        doc.api_version, doc.kind, doc.name = kept.api_version, kept.kind, kept.name
        doc._data, doc._load = kept.data, kept.load
        doc.known = doc.kind in FAMILIES.get(doc.api_version, ())
        doc.facts = dict(kept.facts or {})
        doc.kept = kept.kept
        doc.located = dict(kept.located) if kept.located is not None else None
        doc.mapped_from = kept.mapped_from
        return doc

    def snapshot(self) -> DocumentSnapshot:
        """Position, identity, data (or how to load it), facts and positions, as values."""
        return DocumentSnapshot(self.index, self.item, self.api_version, self.kind, self.name,
                                self._data, self._load, self.facts, self.kept, self.located,
                                self.mapped_from)

    @property
    def data(self) -> Mapping[str, Any]:
        data = self._data
        if data is None:
            data = self._data = self._load(self) if self._load is not None else {}
        return data

    @property
    def loaded(self) -> bool:
        """Whether its data has been read (a restored document's is read on demand)."""
        return self._data is not None

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

    def locate(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of ``path`` (of its key with ``key``), 1-based.

        Remembered with the document (``located``), which the result cache
        may keep (see slopolicy.cache.facts); locating changes nothing else.
        """
        at = (tuple(path), key)
        located = self.located
        if located is None:
            located = self.located = {}
        found = located.get(at)
        if found is None:
            there = at[0] if self.mapped_from is None else self.mapped_from.original(at[0])
            found = located[at] = self.source.locate(self.index, self.prefix + there, key)
        return found


class DocumentSnapshot(NamedTuple):
    """A document as values: what a worker process sends back, or a copy under another path."""

    number: int  # its place among the YAML documents of the stream
    item: int | None
    api_version: str
    kind: str
    name: str
    data: Mapping[str, Any] | None
    load: Callable[[Document], Mapping[str, Any]] | None = None
    facts: Mapping[Any, Any] | None = None
    kept: Any = None
    located: Mapping[tuple[Path, bool], tuple[int, int]] | None = None
    mapped_from: MappedFrom | None = None


class FileSnapshot(NamedTuple):
    """What loading found in a file, as values (see :meth:`SourceFile.snapshot`)."""

    documents: list[DocumentSnapshot]
    problems: list[LoadProblem]
    others: int
    foreign: list[tuple[int, int, str]]
    schema_results: dict[int, list[tuple[Path, bool, str]]]


class SourceFile(Struct, eq=False):
    """A file on disk (or at a git ref), with what it yielded."""

    path: str  # relative to the repository root, with "/"
    text: str
    documents: list[Document] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    others: int = 0  # objects of no known apiVersion
    foreign: list[tuple[int, int, str]] = field(default_factory=list)
    # schema errors per document (by position in ``documents``): analysis
    # validates every document of a known kind as it loads the file
    schema_results: dict[int, list[tuple[Path, bool, str]]] = field(default_factory=dict)
    cache_key: str = ""
    dirty: bool = False  # documents computed facts the cache does not have yet
    # a file on disk keeps no text in memory: it is read again only to locate
    # a problem (100,000 documents' text would be hundreds of megabytes)
    origin: str | None = None
    raw: bytes | None = None  # a file at a git ref: its bytes
    _positions: list[Positions | None] | None = None

    def snapshot(self) -> FileSnapshot:
        """What loading found, as values (for worker processes, or a copy under another path)."""
        return FileSnapshot([d.snapshot() for d in self.documents], list(self.problems),
                            self.others, list(self.foreign), dict(self.schema_results))

    @classmethod
    def restore(
        cls, path: str, text: str, snapshot: FileSnapshot, origin: str | None = None,
        cache_key: str = "",
    ) -> SourceFile:
        """A file from its snapshot."""
        source = cls.stored(path, cache_key, origin, list(snapshot.problems), snapshot.others,
                            list(snapshot.foreign), dict(snapshot.schema_results))
        source.text = text
        source.documents = [Document.restore(source, kept) for kept in snapshot.documents]
        return source

    @classmethod
    def stored(
        cls, path: str, cache_key: str, origin: str | None, problems: list[LoadProblem],
        others: int, foreign: list[tuple[int, int, str]],
        schema_results: dict[int, list[tuple[Path, bool, str]]],
    ) -> SourceFile:
        """A file without documents yet, for a cache to restore."""
        return cls(path, "", problems=problems, others=others, foreign=foreign,
                   schema_results=schema_results, cache_key=cache_key, origin=origin)

    @property
    def positions_parsed(self) -> bool:
        """Whether its text was parsed to locate something (not known from the cache)."""
        return self._positions is not None

    def locate(self, index: int, path: Path, key: bool = False) -> tuple[int, int]:
        if self._positions is None:
            self._positions = yamlsource.positions_of(self.read_text())
        tree = self._positions[index] if index < len(self._positions) else None
        if key:
            return yamlsource.locate_key(tree, path)
        return yamlsource.locate(tree, path)

    def read_text(self) -> str:
        """The file's text: kept, from its bytes, or read again from disk ("" if unreadable).

        Read again, the file may no longer hold the content analysed (saved
        during the run): then nothing located in it is kept for that content
        (its key is dropped, so the cache keeps nothing of this file).
        """
        if self.text:
            return self.text
        if self.raw is not None:
            return decode(self.raw)[0] or ""
        if self.origin is None:
            return ""
        raw = _read_again(self.origin)
        if self.cache_key and (raw is None or hashlib.sha256(raw).hexdigest() != self.cache_key):
            self.cache_key = ""
        return (decode(raw)[0] or "") if raw is not None else ""


MAX_FILE_BYTES = 32 * 1024 * 1024  # the largest file slopolicy reads


def _read_again(origin: str) -> bytes | None:
    """The bytes of the regular file at ``origin`` (None if it is not one now, or is over
    :data:`MAX_FILE_BYTES`: a file replaced by a FIFO, a link or a huge file since it was
    analysed is never waited on, followed or read whole)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(origin, flags)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_FILE_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # a file that grows meanwhile: never past the cap
        return raw if len(raw) <= MAX_FILE_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _name(metadata: Any) -> str:
    if type(metadata) is dict or isinstance(metadata, Mapping):
        value = metadata.get("name")
        if isinstance(value, (str, int)):
            return str(value)
    return ""
