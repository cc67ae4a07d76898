"""The blob map: the content key of each git blob a check against a base has read.

``check --base REF`` compares the head (the working tree, whose files the
project index knows by content key, :mod:`slopolicy.cache.project`) with the
merge base, whose files git names by blob id. With the content key of each
blob id, a warm ``check --base`` tells which files differ between the sides
without reading the base's files from git: it reads only those.

A blob id names one content (git refuses to store either half of a known
SHA-1 collision), so the pair holds in every repository and for every
commit; the key is what slopolicy computed from the bytes git gave for that
id. The map is one signed cache file (``blobs.cache``), data only: one that
is altered, cut short or of another format is a miss, and the files are read
from git again. In the file, a JSON record (how wide an id is, how many
there are) is followed by the ids (ASCII hex) and then the keys (their
first :data:`~slopolicy.cache.project.KEY_BYTES` bytes), bound by the data's
SHA-256 in the signed header.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import NamedTuple

from slopolicy.cache.codec import Malformed, codec
from slopolicy.cache.project import KEY_BYTES, Buffer

NAME = "blobs.cache"
WIDTHS = (40, 64)  # hex digits of an object id: SHA-1, SHA-256


class _Stored(NamedTuple):
    width: int
    entries: int


STORED = codec(_Stored)


def decode(record: bytes, data: Buffer) -> dict[str, bytes]:
    """Each blob id's content key; Malformed if the record and data do not fit."""
    try:
        found: _Stored = STORED.decode(json.loads(record))
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"not a blob map: {exc}") from None
    width, count = found.width, found.entries
    if width not in WIDTHS or count < 0 or len(data) != count * (width + KEY_BYTES):
        raise Malformed("the data does not fit the record")
    text = bytes(data[:count * width]).decode("ascii")
    keys = bytes(data[count * width:])
    return dict(zip([text[at:at + width] for at in range(0, len(text), width)],
                    [keys[at:at + KEY_BYTES] for at in range(0, len(keys), KEY_BYTES)]))


def encode(blobs: Mapping[str, bytes]) -> tuple[bytes, list[bytes]]:
    """The record and data of ``blobs`` (ids of one width; ValueError for any other entry)."""
    width = len(next(iter(blobs), "0" * WIDTHS[0]))
    if width not in WIDTHS or any(len(i) != width or len(k) != KEY_BYTES
                                  for i, k in blobs.items()):
        raise ValueError("a blob id or content key of another size")
    record = json.dumps(STORED.encode(_Stored(width, len(blobs))), separators=(",", ":"))
    return record.encode("ascii"), ["".join(blobs).encode("ascii"), b"".join(blobs.values())]
