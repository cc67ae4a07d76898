"""The cache's records: what a cache file holds, named and typed, and files to and from them.

A shard is one :class:`ShardRecord`: a table of the files it knows (by
content key), a table of their documents (a document's row follows its
file's), the distinct fact values those documents point to, and rows for
the rare things (load problems, schema errors, kept positions, documents
mapped from another format) that name the file or document they belong to.
Columns rather than one object per document: a warm run of 20,000 documents
reads them all, and a column of 20,000 names is checked and read at C
speed; columns of numbers are packed as bytes. Documents' data follows the
record in the file, each document's JSON text after the previous one's, and
is read and decoded only when a rule reads it.

Everything is checked against these declarations when read
(:mod:`slopolicy.cache.codec`); a record that does not fit is a miss, never
a crash.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, NamedTuple

from slopolicy.cache import data as document_data
from slopolicy.cache import facts as contract
from slopolicy.cache.codec import Json, Malformed, Packed, Raw, codec
from slopolicy.cache.facts import NOT_KEPT, Fact, decoded_column, encode_facts
from slopolicy.load.files import load_text
from slopolicy.model.documents import Document, LoadProblem, MappedFrom, SourceFile
from slopolicy.text.yamlsource import Path

# Columns of numbers, kept as their bytes (see slopolicy.cache.codec.Packed): counts,
# places and lengths in 32 bits, a file's signature in 64.
Ints = Annotated[list[int], Packed("i")]
Int64s = Annotated[list[int], Packed("q")]
Naturals = Annotated[list[int], Packed("Q")]
NONE = -1  # in a column of places or positions: there is none


class FileTable(NamedTuple):
    """One row per file, by the SHA-256 of its bytes."""

    key: list[str]
    documents: Ints  # how many documents it holds (their rows follow one another)
    others: Ints  # objects of no known apiVersion


class DocumentTable(NamedTuple):
    """One row per document, in the order of the files' rows."""

    number: Ints  # its place among the YAML documents of the stream
    item: Ints  # the place in a top-level list (NONE: not in one)
    api_version: list[str]
    kind: list[str]  # one of a known kind (not mapped) was validated: errors are rows of schema
    name: list[str]
    data: Ints  # bytes of its data's JSON text (the texts follow the record in order)
    facts: list[str]  # the facts kept of these documents
    places: Ints  # for each of those facts in turn, each document's: a place in values, or NONE


class Mark(NamedTuple):
    line: int
    column: int
    message: str


class LoadProblemRow(NamedTuple):
    file: int
    rule: str
    message: str
    line: int
    column: int
    related: list[Mark]


class ForeignRow(NamedTuple):
    """An object of no known apiVersion, or not a mapping."""

    file: int
    line: int
    column: int
    message: str


class SchemaErrorRow(NamedTuple):
    document: int
    path: Path
    key: bool
    message: str


class PositionRow(NamedTuple):
    """Where a path of a document is (kept so a standing finding needs no parse)."""

    document: int
    path: Path
    key: bool
    line: int
    column: int


class MappedRow(NamedTuple):
    """A document mapped from another format's, and where its parts stand in the original."""

    document: int
    mapped_from: MappedFrom


class ShardRecord(NamedTuple):
    files: FileTable
    documents: DocumentTable
    values: list[Raw]  # distinct fact values, each decoded by the codec of its fact
    digests: list[str]  # of each value's canonical text: equal values in other files match
    problems: list[LoadProblemRow]
    foreign: list[ForeignRow]
    schema: list[SchemaErrorRow]
    positions: list[PositionRow]
    mapped: list[MappedRow]


class IndexRecord(NamedTuple):
    """The stat index: one column per field of each path's signature, and its content key."""

    path: list[str]
    size: Int64s
    mtime_ns: Int64s
    ctime_ns: Int64s
    inode: Naturals
    device: Naturals
    key: list[str]


SHARD = codec(ShardRecord)
INDEX = codec(IndexRecord)
# one text per value, whatever the order of its keys: equal facts are stored once
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


# -- what a file yields, ready to be written ---------------------------------------------


class DocumentEntry(NamedTuple):
    number: int
    item: int | None
    identity: tuple[str, str, str]
    data: bytes  # JSON text (see slopolicy.cache.data)
    facts: dict[str, Json]
    schema: list[tuple[Path, bool, str]]
    positions: list[tuple[Path, bool, int, int]]
    mapped_from: MappedFrom | None


class FileEntry(NamedTuple):
    documents: list[DocumentEntry]
    others: int
    problems: list[LoadProblem]
    foreign: list[tuple[int, int, str]]


def entry_of(source: SourceFile) -> FileEntry:
    """What the cache keeps of a file; TypeError or ValueError for a value it cannot keep."""
    documents = []
    for position, doc in enumerate(source.documents):
        errors = source.schema_results.get(position)
        kept: tuple[Shard, int] | None = doc.kept if isinstance(doc.kept, tuple) else None
        if kept is not None and not doc.loaded:
            text = kept[0].data_bytes(kept[1])  # as it was read: not decoded, not encoded again
        else:
            text = document_data.dumps(doc.data).encode("ascii")
        located = doc.located if contract.KEEP_POSITIONS and doc.located else {}
        documents.append(DocumentEntry(
            doc.index, doc.item, doc.identity, text, encode_facts(doc),
            list(errors or ()), [(path, key, *at) for (path, key), at in located.items()],
            doc.mapped_from))
    return FileEntry(documents, source.others, list(source.problems), list(source.foreign))


def unsaved(source: SourceFile) -> bool:
    """Whether the cache's entry lacks something of ``source``: facts, or (when kept) positions.

    A position that is not kept is found by parsing the file again, so a
    file whose text was parsed for positions this run has new ones.
    """
    return source.dirty or (contract.KEEP_POSITIONS and source.positions_parsed)


def encode_shard(entries: Mapping[str, FileEntry]) -> tuple[bytes, list[bytes]]:
    """The record of a shard as JSON text, and the documents' data texts in order."""
    files = FileTable([], [], [])
    docs = DocumentTable([], [], [], [], [], [], [], [])
    places: dict[str, int] = {}
    columns: dict[str, list[int]] = {}  # each fact's places, one per document
    record = ShardRecord(files, docs, [], [], [], [], [], [], [])
    texts: list[bytes] = []
    for key, entry in entries.items():
        row = len(files.key)
        files.key.append(key)
        files.documents.append(len(entry.documents))
        files.others.append(entry.others)
        for p in entry.problems:
            record.problems.append(LoadProblemRow(row, p.rule, p.message, p.line, p.column,
                                                  [Mark(*r) for r in p.related]))
        record.foreign.extend(ForeignRow(row, *f) for f in entry.foreign)
        for doc in entry.documents:
            _add_document(record, doc, places, columns, texts)
    docs.facts.extend(columns)
    for column in columns.values():
        docs.places.extend(column)
    body = json.dumps(SHARD.encode(record), ensure_ascii=True, separators=(",", ":"),
                      allow_nan=True).encode("ascii")
    return body, texts


def _add_document(record: ShardRecord, doc: DocumentEntry, places: dict[str, int],
                  columns: dict[str, list[int]], texts: list[bytes]) -> None:
    docs = record.documents
    row = len(docs.number)
    docs.number.append(doc.number)
    docs.item.append(NONE if doc.item is None else doc.item)
    docs.api_version.append(doc.identity[0])
    docs.kind.append(doc.identity[1])
    docs.name.append(doc.identity[2])
    docs.data.append(len(doc.data))
    texts.append(doc.data)
    for name, value in doc.facts.items():
        text = _canonical(value)
        place = places.get(text)
        if place is None:
            place = places[text] = len(record.values)
            record.values.append(value)
            record.digests.append(hashlib.sha256(text.encode()).hexdigest()[:32])
        column = columns.get(name)
        if column is None:
            column = columns[name] = [NONE] * row
        column.append(place)
    for column in columns.values():
        if len(column) == row:
            column.append(NONE)  # this document does not keep that fact
    record.schema.extend(SchemaErrorRow(row, *error) for error in doc.schema)
    record.positions.extend(PositionRow(row, *at) for at in doc.positions)
    if doc.mapped_from is not None:
        record.mapped.append(MappedRow(row, doc.mapped_from))


# -- a shard as read ---------------------------------------------------------------------


class Shard:
    """A shard read from disk: files restored from it on demand, documents' data on read."""

    def __init__(self, record: ShardRecord, size: int, read_data: Callable[[], bytes | None],
                 digest: bytes) -> None:
        """``read_data()``: the data that follows the record (``size`` bytes), or None."""
        _check_shape(record, size)
        self.record = record
        self.read_data = read_data
        self.digest = digest  # SHA-256 of the data, as the record's MAC vouches for it
        self.data: bytes | None = None  # read, and checked, when a document's data is first read
        self.intact: bool | None = None
        docs = record.documents
        self.ends: list[int] = []  # where each data text ends, once data is read
        self.first = [0, *itertools.accumulate(record.files.documents)]  # each file's first row
        self.rows = dict(zip(record.files.key, range(len(record.files.key))))
        self.others = record.files.others
        count = len(docs.number)
        self.facts = {name: docs.places[at * count:(at + 1) * count]
                      for at, name in enumerate(docs.facts)}
        self.columns: dict[Fact[Any], list[Any]] = {}  # decoded fact columns
        # the rare rows by the file or document they name
        self.problems: dict[int, list[LoadProblemRow]] = {}
        self.foreign: dict[int, list[ForeignRow]] = {}
        self.schema: dict[int, list[SchemaErrorRow]] = {}
        self.positions: dict[int, list[PositionRow]] = {}
        for problem in record.problems:
            self.problems.setdefault(problem.file, []).append(problem)
        for foreign in record.foreign:
            self.foreign.setdefault(foreign.file, []).append(foreign)
        for error in record.schema:
            self.schema.setdefault(error.document, []).append(error)
        for at in record.positions:
            self.positions.setdefault(at.document, []).append(at)
        self.mapped = {row.document: row.mapped_from for row in record.mapped}

    def keys(self) -> list[str]:
        return self.record.files.key

    # the facts of its documents (slopolicy.cache.facts.KeptFacts)

    def column(self, fact: Fact[Any]) -> list[Any]:
        found = self.columns.get(fact)
        if found is None:
            places = self.facts.get(fact.name)
            found = self.columns[fact] = (
                decoded_column(places, self.record.values, self.record.digests, fact.codec)
                if places is not None
                else [NOT_KEPT] * len(self.record.documents.number))
        return found

    def raw_facts(self, row: int) -> dict[str, Json]:
        values = self.record.values
        out: dict[str, Json] = {}
        for name, column in self.facts.items():
            place = column[row]
            if place != NONE:
                out[name] = values[place]
        return out

    def data_bytes(self, row: int) -> bytes:
        """A document's data text; DataError if the data is not the data written."""
        if self.intact is None:
            # read and hashed once, when a document's data is first read: a warm run reads few
            self.data = self.read_data()
            self.intact = self.data is not None and hmac.compare_digest(
                hashlib.sha256(self.data).digest(), self.digest)
            self.ends = list(itertools.accumulate(self.record.documents.data))
        if not self.intact or self.data is None:
            raise document_data.DataError("the data does not match its record")
        return self.data[self.ends[row] - self.record.documents.data[row]:self.ends[row]]

    def restore(self, key: str, path: str, origin: str | None) -> SourceFile | None:
        """The file of content ``key``, as ``path``; None if this shard does not have it."""
        row = self.rows.get(key)
        if row is None:
            return None
        problems = [LoadProblem(p.rule, p.message, p.line, p.column,
                                tuple((m.line, m.column, m.message) for m in p.related))
                    for p in self.problems[row]] if row in self.problems else []
        foreign = ([(f.line, f.column, f.message) for f in self.foreign[row]]
                   if row in self.foreign else [])
        schema: dict[int, list[tuple[Path, bool, str]]] = {}
        source = SourceFile.stored(path, key, origin, problems, self.others[row], foreign,
                                   schema)
        first, end = self.first[row], self.first[row + 1]
        docs = self.record.documents
        errors, positions, mapped = self.schema, self.positions, self.mapped
        stored, load, documents = Document.stored, self.load, source.documents
        for doc_row in range(first, end):
            item = docs.item[doc_row]
            doc = stored(
                source, docs.number[doc_row], None if item == NONE else item,
                docs.api_version[doc_row], docs.kind[doc_row], docs.name[doc_row], load,
                (self, doc_row),
                {(p.path, p.key): (p.line, p.column) for p in positions[doc_row]}
                if doc_row in positions else None, mapped.get(doc_row) if mapped else None)
            if doc.known and doc.mapped_from is None:
                # analysis validated it: its errors, if any, are rows of the record
                schema[doc_row - first] = ([(e.path, e.key, e.message) for e in errors[doc_row]]
                                           if doc_row in errors else [])
            documents.append(doc)
        return source

    def entry(self, key: str) -> FileEntry:
        """The file of content ``key`` as an entry, to be written again."""
        source = self.restore(key, "", None)
        assert source is not None
        return entry_of(source)

    def load(self, doc: Document) -> Mapping[str, Any]:
        """A document's data, decoded from this shard when a rule first reads it."""
        try:
            loaded = document_data.loads(self.data_bytes(doc.kept[1]))
        except document_data.DataError:
            loaded = None
        return loaded if type(loaded) is dict else _reload(doc)


def _reload(doc: Document) -> Mapping[str, Any]:
    """A document's data parsed again from its file: what the cache held was unreadable."""
    source = doc.source
    for candidate in load_text(source.path, source.read_text()).documents:
        # by identity too: a translated document (v2alpha's openslo/v1 form) shares its
        # place with the document it was translated from
        if (candidate.index, candidate.item, candidate.identity) == (doc.index, doc.item,
                                                                     doc.identity):
            return candidate.data
    return {}


def decode_shard(body: bytes, size: int, read_data: Callable[[], bytes | None],
                 digest: bytes) -> Shard:
    """A shard from its record's JSON text and how to read its data; Malformed if it does not fit."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"not JSON: {exc}") from None
    return Shard(SHARD.decode(raw), size, read_data, digest)


def _check_shape(record: ShardRecord, size: int) -> None:
    """Every column as long as its table, and every row reference in range."""
    files, docs = record.files, record.documents
    count = len(docs.number)
    if not len(files.key) == len(files.documents) == len(files.others):
        raise Malformed("the file table's columns differ in length")
    columns: list[list[Any]] = [docs.item, docs.api_version, docs.kind, docs.name, docs.data]
    if any(len(column) != count for column in columns) or sum(files.documents) != count:
        raise Malformed("the document table does not match the files")
    if min(files.documents, default=0) < 0 or min(docs.data, default=0) < 0:
        raise Malformed("a negative count")
    if sum(docs.data) != size:
        raise Malformed("the data does not match the documents")
    places = len(record.values)
    if len(record.digests) != places:
        raise Malformed("a value without its digest")
    if len(docs.places) != len(docs.facts) * count or len(set(docs.facts)) != len(docs.facts):
        raise Malformed("the facts' places do not match the documents")
    if docs.places and (min(docs.places) < NONE or max(docs.places) >= places):
        raise Malformed("a fact points outside the values")
    if docs.item and min(docs.item) < NONE:
        raise Malformed("a negative place in a list")
    file_rows, doc_rows = range(len(files.key)), range(count)
    if any(p.file not in file_rows for p in record.problems) or any(
            f.file not in file_rows for f in record.foreign) or any(
            e.document not in doc_rows for e in record.schema) or any(
            at.document not in doc_rows for at in record.positions) or any(
            row.document not in doc_rows for row in record.mapped):
        raise Malformed("a row names no file or document")
