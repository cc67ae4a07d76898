"""The project index: what the last check of a project found, so the next one redoes only what changed.

One signed file per project (``project.cache`` in the results folder, see
:mod:`slopolicy.cache.store`), read whole by a warm check instead of the
20,000 snapshots of a large project. It holds, in columns:

* every file the document globs selected, in scan order, with its stat
  signature and (part of) its content key, as the stat index keeps them,
  how many documents it holds, a digest of the names its documents declare
  (a did-you-mean reads every name of a kind: while no file's digest
  changes, no name did), the CEL steps the house rules took on its
  documents (their run has a limit: a warm check must know what a cold
  one would take), and its *group*;
* the folders the scan walked, with their signatures: while none changed,
  the list of files is the one kept, and the folders are not listed again;
* the *links* of each group (hashed): the names by which documents read one
  another (an SLO's name, an SLA's service, an SLI's name, ...). Documents
  that share a link are in one group, so a rule that spans documents finds
  in a group everything it reads; a changed file re-runs the rules over its
  groups only (those of its old links and its new ones);
* every problem the rules found, before waivers, stamped and located.

What the problems depend on besides the files (the rules' settings, the
options of the run) is the ``run`` fingerprint: another one, and the index
is not used. Like every cache file it is data only and signed; one that
does not fit these declarations is a miss, and the check runs in full.

The columns of numbers (and content keys) follow the JSON record as the
file's data, their bytes as they are (little-endian), bound by the data's
SHA-256 in the signed header: a warm check of 20,000 files reads them
without parsing or decoding 1.6 MB of text.
"""
from __future__ import annotations

import array
import json
import sys
from typing import Annotated, NamedTuple

from msgspec import Struct

from slopolicy.cache.codec import Malformed, Packed, codec

Int64s = Annotated[list[int], Packed("q")]
Naturals = Annotated[list[int], Packed("Q")]
NAME = "project.cache"
NO_SIGNATURE = -1  # in the size column: the file is read and hashed next time (it was racy)
KEY_BYTES = 16  # of a content key (a SHA-256): enough to tell whether a file changed
_NO_KEY = bytes(KEY_BYTES)


Buffer = bytes | memoryview  # a packed column: its numbers' bytes, little-endian


class FileColumns(NamedTuple):
    """One row per file; each column of numbers packed (little-endian), read as one."""

    path: list[str]
    size: Buffer  # q; NO_SIGNATURE: not to be trusted
    mtime_ns: Buffer  # q
    ctime_ns: Buffer  # q
    inode: Buffer  # Q
    keys: Buffer  # each file's content digest (KEY_BYTES; zeros: none) in turn
    group: Buffer  # i
    documents: Buffer  # i: the documents a report counts (known kind, not mapped)
    others: Buffer  # i: objects of no known apiVersion
    names: Buffer  # q: a digest of the names its documents declare, in order
    steps: Buffer  # q: the CEL steps the house rules took on its documents in a cold run


# bytes per file of each packed column of FileColumns, in order (links: 4 and 4 per link)
WIDTHS = (8, 8, 8, 8, KEY_BYTES, 4, 4, 4, 8, 8)


class Files(Struct):
    """The file columns as arrays, to read and change in place."""

    path: list[str]
    size: array.array[int]
    mtime_ns: array.array[int]
    ctime_ns: array.array[int]
    inode: array.array[int]
    keys: bytearray
    group: array.array[int]
    documents: array.array[int]
    others: array.array[int]
    names: array.array[int]
    steps: array.array[int]

    @classmethod
    def empty(cls) -> Files:
        return cls([], array.array("q"), array.array("q"), array.array("q"), array.array("Q"),
                   bytearray(), array.array("i"), array.array("i"), array.array("i"),
                   array.array("q"), array.array("q"))

    def key(self, row: int) -> bytes:
        """The content digest of the file at ``row`` (zeros where it has none)."""
        return bytes(self.keys[row * KEY_BYTES:(row + 1) * KEY_BYTES])

    def columns(self) -> FileColumns:
        return FileColumns(self.path, pack(self.size), pack(self.mtime_ns), pack(self.ctime_ns),
                           pack(self.inode), bytes(self.keys), pack(self.group),
                           pack(self.documents), pack(self.others), pack(self.names),
                           pack(self.steps))


def files_of(columns: FileColumns) -> Files:
    """The arrays of the file columns; Malformed if a column does not fit the files."""
    count = len(columns.path)
    if len(columns.keys) != KEY_BYTES * count:
        raise Malformed("content keys do not match the files")
    return Files(columns.path, unpack(columns.size, "q", count),
                 unpack(columns.mtime_ns, "q", count), unpack(columns.ctime_ns, "q", count),
                 unpack(columns.inode, "Q", count), bytearray(columns.keys),
                 unpack(columns.group, "i", count), unpack(columns.documents, "i", count),
                 unpack(columns.others, "i", count), unpack(columns.names, "q", count),
                 unpack(columns.steps, "q", count))


def unpack(packed: Buffer, typecode: str, count: int | None = None) -> array.array[int]:
    """A packed column (of ``count`` numbers, when given); Malformed if it is not one."""
    column = array.array(typecode)
    try:
        column.frombytes(packed)
    except ValueError:  # not a whole number of items
        raise Malformed("not a packed column") from None
    if count is not None and len(column) != count:
        raise Malformed("a column does not match the files")
    if sys.byteorder == "big":
        column.byteswap()
    return column


def pack(column: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        column = array.array(column.typecode, column)
        column.byteswap()
    return column.tobytes()


def key_bytes(key: str) -> bytes:
    """A content key (hex, or "" for none) as it is kept."""
    return bytes.fromhex(key)[:KEY_BYTES] if key else _NO_KEY


class FolderColumns(NamedTuple):
    path: list[str]
    mtime_ns: Int64s
    ctime_ns: Int64s
    inode: Naturals


class RelatedRow(NamedTuple):
    file: str
    line: int
    column: int
    message: str


class ProblemRow(NamedTuple):
    file: str
    line: int
    column: int
    rule: str
    severity: str
    message: str
    document: str
    path: str
    related: list[RelatedRow]


class ProjectRecord(NamedTuple):
    run: str
    generation: str  # random, new with each index written whole: what a delta applies to
    device: int  # of every file with a signature (a file on another one is always read)
    files: FileColumns
    folders: FolderColumns  # empty: the file list is not kept (the scan runs)
    # a hash of each link, sorted (links of one hash are one: that only joins two groups)
    links: Buffer  # i
    link_group: Buffer  # i: the group of each link
    explicit: list[str]  # files named on the command line (a rule reads that)
    problems: list[ProblemRow]


class DeltaRecord(NamedTuple):
    """What changed since the index was written whole (a small file, written instead).

    A warm check that changed a few files of an unchanged list writes this:
    the rows changed since, with their values now, the groups whose links
    were dropped and the links added, and the problems and named files now.
    """

    generation: str  # of the index it applies to; another one's delta is not read
    rows: list[int]
    size: list[int]
    mtime_ns: list[int]
    ctime_ns: list[int]
    inode: list[int]
    keys: list[str]  # hex, KEY_BYTES each
    group: list[int]
    documents: list[int]
    others: list[int]
    names: list[int]
    steps: list[int]
    dropped: list[int]  # groups whose links are dropped
    links: list[int]  # links added, with their groups
    link_group: list[int]
    explicit: list[str]
    problems: list[ProblemRow]


class _Stored(NamedTuple):
    """A project index as its JSON record holds it: the packed columns follow as data."""

    run: str
    generation: str
    device: int
    path: list[str]  # of each file: its numbers are the data's columns, in FileColumns order
    folders: FolderColumns
    links: int  # how many: their hashes, then their groups, end the data
    explicit: list[str]
    problems: list[ProblemRow]


PROJECT = codec(_Stored)
DELTA = codec(DeltaRecord)
DELTA_NAME = "project-delta.cache"


def decode(record: bytes, data: Buffer) -> ProjectRecord:
    """The index from its JSON record and the data after it; Malformed if they do not fit."""
    found: _Stored = PROJECT.decode(_json(record))
    if len({len(column) for column in found.folders}) != 1:
        raise Malformed("columns differ in length")
    count, links = len(found.path), found.links
    if links < 0 or len(data) != sum(WIDTHS) * count + 8 * links:
        raise Malformed("the columns do not match the files")
    view, at, columns = memoryview(data), 0, []
    for size in [width * count for width in WIDTHS] + [4 * links, 4 * links]:
        columns.append(view[at:at + size])
        at += size
    return ProjectRecord(found.run, found.generation, found.device,
                         FileColumns(found.path, *columns[:-2]), found.folders, columns[-2],
                         columns[-1], found.explicit, found.problems)


def encode(record: ProjectRecord) -> tuple[bytes, list[bytes]]:
    """The index's JSON record, and its packed columns to follow it; ValueError if a column
    does not fit the files."""
    files, count = record.files, len(record.files.path)
    links = len(record.links) // 4
    if any(len(column) != width * count for column, width in zip(files[1:], WIDTHS)) or len(
            record.links) != 4 * links or len(record.link_group) != 4 * links:
        raise ValueError("a column does not fit the files")
    text = json.dumps(PROJECT.encode(_Stored(
        record.run, record.generation, record.device, files.path, record.folders, links,
        record.explicit, record.problems)), ensure_ascii=True, separators=(",", ":"),
        allow_nan=False).encode("ascii")
    return text, [bytes(column) for column in (*files[1:], record.links, record.link_group)]


def _json(record: bytes) -> object:
    try:
        return json.loads(record)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"not JSON: {exc}") from None


def decode_delta(record: bytes, data: Buffer = b"") -> DeltaRecord:
    """What changed since the index was written whole (a record, no data); Malformed if it
    does not fit."""
    if len(data):
        raise Malformed("a delta has no data")
    found: DeltaRecord = DELTA.decode(_json(record))
    rows = len(found.rows)
    if any(len(column) != rows for column in found[2:12]) or len(found.links) != len(
            found.link_group) or any(len(key) != KEY_BYTES * 2 for key in found.keys):
        raise Malformed("columns differ in length")
    bytes.fromhex("".join(found.keys))  # ValueError: not hex
    return found


def encode_delta(record: DeltaRecord) -> bytes:
    return json.dumps(DELTA.encode(record), ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False).encode("ascii")
