"""The blob map: each git blob's content key, kept signed; an altered map is not read.

A warm ``check --base`` tells the base's unchanged files by this map
(``slopolicy.gitops.warm``), so a map that says a blob holds other bytes
would hide a change: only the map this user's key signed is believed.
"""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from slopolicy.cache import blobs
from slopolicy.cache.store import Cache

BLOB = "8b37246ea567a6af5a5fed57919ec9ae12a47f75"
OTHER = "f9ebf5c529c50bb83c180d0d39facc295a7a30a0"


def keys_of(*texts: bytes) -> list[bytes]:
    return [hashlib.sha256(t).digest()[:16] for t in texts]


def test_a_map_written_is_read_back(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    first, second = keys_of(b"a", b"b")
    Cache(tmp_path, tmp_path, key=key).write_blobs({BLOB: first, OTHER: second})
    assert Cache(tmp_path, tmp_path, key=key).read_blobs() == {BLOB: first, OTHER: second}


def test_an_altered_map_is_not_believed(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    cache = Cache(tmp_path, tmp_path, key=key)
    true_key, false_key = keys_of(b"what the blob holds", b"what a forger wants")
    cache.write_blobs({BLOB: true_key})
    [stored] = tmp_path.glob("results-*/blobs.cache")
    content = stored.read_bytes()
    # the key swapped in the data (the data's digest in the header no longer fits)
    stored.write_bytes(content.replace(true_key, false_key))
    assert Cache(tmp_path, tmp_path, key=key).read_blobs() == {}
    # ... and with the digest made to fit: the MAC, which only the key makes, does not
    head, _, rest = content.partition(b"\n")
    record, _, _ = rest.partition(b"\n")
    magic, fmt, mac, _ = head.split(b" ")
    forged = b"".join(blobs.encode({BLOB: false_key})[1])
    stored.write_bytes(b" ".join([magic, fmt, mac, hashlib.sha256(forged).hexdigest().encode()])
                       + b"\n" + record + b"\n" + forged)
    assert Cache(tmp_path, tmp_path, key=key).read_blobs() == {}
    # the same map signed with another key is not this user's either
    Cache(tmp_path, tmp_path, key=secrets.token_bytes(32)).write_blobs({BLOB: false_key})
    assert Cache(tmp_path, tmp_path, key=key).read_blobs() == {}


def test_a_map_that_does_not_fit_its_record_is_a_miss(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    [content] = keys_of(b"a")
    record, data = blobs.encode({BLOB: content})
    # signed by this user's key, but a record of two entries with the data of one
    assert b'"entries":1' in record
    Cache(tmp_path, tmp_path, key=key)._write(
        blobs.NAME, record.replace(b'"entries":1', b'"entries":2'), data)
    assert Cache(tmp_path, tmp_path, key=key).read_blobs() == {}
    assert Cache(tmp_path, tmp_path, key=secrets.token_bytes(32)).read_blobs() == {}
