"""The project index: what the last check of a project found, so the next one redoes only what changed.

One signed file per project (``project.cache`` in the results folder, see
:mod:`slopolicy.cache.store`), read whole by a warm check instead of the
20,000 snapshots of a large project. It holds, in columns:

* every file the document globs selected, in scan order, with its stat
  signature and content key (as the stat index does), how many documents
  it holds, a hash of their names, and its *group*;
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
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, NamedTuple

from slopolicy.cache.codec import Malformed, Packed, codec

Ints = Annotated[list[int], Packed("i")]
Int64s = Annotated[list[int], Packed("q")]
Naturals = Annotated[list[int], Packed("Q")]
NAME = "project.cache"
NO_SIGNATURE = -1  # in the size column: the file is read and hashed next time (it was racy)


class FileColumns(NamedTuple):
    path: list[str]
    size: Int64s  # NO_SIGNATURE: not to be trusted
    mtime_ns: Int64s
    ctime_ns: Int64s
    inode: Naturals
    device: Naturals
    keys: str  # base64 of each file's content key (SHA-256, 32 bytes; zeros: none) in turn
    group: Int64s
    names: Int64s  # a hash of the identities of its documents
    documents: Ints  # the documents a report counts (known kind, not mapped)
    others: Ints  # objects of no known apiVersion


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
    files: FileColumns
    folders: FolderColumns  # empty: the file list is not kept (the scan runs)
    links: Int64s  # a hash of each link, sorted (two links of one hash are one: safe)
    link_group: Int64s  # the group of each link
    explicit: list[str]  # files named on the command line (a rule reads that)
    problems: list[ProblemRow]


PROJECT = codec(ProjectRecord)


def decode(record: bytes) -> ProjectRecord:
    """The index from its JSON text; Malformed if it does not fit."""
    try:
        raw = json.loads(record)
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"not JSON: {exc}") from None
    found: ProjectRecord = PROJECT.decode(raw)
    files, folders = found.files, found.folders
    lengths = {len(files.path), *(len(column) for column in (
        files.size, files.mtime_ns, files.ctime_ns, files.inode, files.device, files.group,
        files.names, files.documents, files.others))}
    if len(lengths) != 1 or len({len(c) for c in folders}) != 1:
        raise Malformed("columns differ in length")
    if len(found.links) != len(found.link_group):
        raise Malformed("columns differ in length")
    return found


KEY_BYTES = 32
_NO_KEY = bytes(KEY_BYTES)


def raw_keys(files: FileColumns) -> bytes:
    """The content keys of the files, 32 bytes each; Malformed if they do not fit."""
    try:
        raw = base64.b64decode(files.keys, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("content keys are not base64") from None
    if len(raw) != KEY_BYTES * len(files.path):
        raise Malformed("content keys do not match the files")
    return raw


def key_at(raw: bytes, row: int) -> str:
    """The content key (hex) of the file at ``row``; "" where it has none."""
    key = raw[row * KEY_BYTES:(row + 1) * KEY_BYTES]
    return "" if key == _NO_KEY else key.hex()


def key_bytes(key: str) -> bytes:
    """A content key (hex, or "" for none) as it is kept."""
    return bytes.fromhex(key) if key else _NO_KEY


def pack_keys(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def encode(record: ProjectRecord) -> bytes:
    return json.dumps(PROJECT.encode(record), ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False).encode("ascii")
