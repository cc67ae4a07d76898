"""The result cache: what slopolicy learnt about each file, by content.

An entry is keyed by the SHA-256 of a file's bytes, in a folder whose name
binds the slopolicy version (and the state of its code), the cache format,
the project, the schema bundle and the installed plugins' versions, so a new
version, a changed schema or an upgraded plugin never reads an old answer.
Only per-file work is cached: parsing, schema errors, and the facts rules
declare of each document (:mod:`slopolicy.cache.facts`: what document-scope
rules found, with their options in the key, and the small facts that rules
spanning files read, such as references, service and terms), all of which
depend on nothing but the file's bytes. Every rule that spans files runs
again on every run, so a changed SLO that an SLA refers to, or a changed
configuration, always shows.

A second, small file, the index, remembers each file's stat signature (size,
modification and change times in nanoseconds, inode, device) with the key of
the content it had, so a warm run reads only the files whose signature
changed. Like git's index it guards against "racy" files: a signature is
recorded only when the file's modification and change times are older than
the run by more than the coarsest file-system clock tick (2 s), so an edit
made in the same tick as a run is never mistaken for no edit.

Entries live in 256 shards by the first byte of their key, so a run that
changed one file rewrites one or two small shards, not the whole cache. Each
shard is replaced atomically (a temporary file and a rename): several
processes (pre-commit, editors) may run at once, the last writer wins and no
reader sees half a file.

The folder is not trusted. Its files hold data only (JSON records, see
:mod:`slopolicy.cache.records`), never anything that is run or constructs
objects by name, and each starts with the cache format and an HMAC-SHA256
of the rest under a per-user key kept outside the folder
(:mod:`slopolicy.cache.keys`), bound to the folder and file name (the
documents' data, read later, is bound by its SHA-256 in the signed header).
A file with another format, a missing or wrong MAC, or content that does not
fit the records is a miss: the files it knew are analysed again. A run that
starts a new folder removes the folders no run has used for 30 days.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import stat as stats
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TypeVar

from slopolicy import __version__
from slopolicy.cache import blobs as blob_map
from slopolicy.cache import keys
from slopolicy.cache import project as project_index
from slopolicy.cache.codec import Malformed
from slopolicy.cache.project import DeltaRecord, ProjectRecord
from slopolicy.cache.records import (
    INDEX,
    FileEntry,
    IndexRecord,
    Shard,
    decode_shard,
    encode_shard,
    entry_of,
    unsaved,
)
from slopolicy.load.resources import data_dir
from slopolicy.load.schemas import BUNDLE, FORMATS_BUNDLE
from slopolicy.model.documents import SourceFile

_Record = TypeVar("_Record")

FORMAT = 8  # 8: data-only records, signed (7 held pickles)


def default_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("slopolicy"))


def _fingerprint(project_root: Path, rules: Iterable[str]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{project_root.resolve()}\0".encode())
    digest.update((data_dir("schemas") / BUNDLE).read_bytes())
    digest.update((data_dir("schemas") / FORMATS_BUNDLE).read_bytes())
    digest.update(code_binding().encode())
    digest.update("\0".join(sorted(rules)).encode())
    return digest.hexdigest()[:32]


def code_binding(package: str | None = None) -> str:
    """What of slopolicy's own code the results are bound to, besides its version.

    A regular install (from a wheel or an sdist) is its version and the
    hashes pip recorded of its modules: the same release gives the same
    answers wherever and whenever it was installed, so the first run after
    installing it again reuses the cache of that version, while other code
    under the same version (pre-commit pinned to another commit of main, a
    tree installed with ``pip install .``) never reads its answers. Code that
    can change under the same version (an editable install, or a checkout
    run from its folder) is bound to the state of its files, so a cached
    answer of the old code never misleads its author.
    """
    package = package or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = released_install(package)
    return f"release {installed}" if installed is not None else _code_stamp(package)


def released_install(package: str) -> str | None:
    """The version of the regular (not editable) install whose files are ``package``, and
    a digest of its modules' recorded hashes, if it is one.

    Read from the metadata pip wrote beside the package: a regular install
    puts its ``slopolicy-VERSION.dist-info`` in the folder that holds the
    package, whose ``RECORD`` lists the package's files. An editable install
    keeps its metadata apart from the files (and marks itself in
    ``direct_url.json``), and a checkout on ``PYTHONPATH`` has none beside
    it: both are code under development. Only that one folder is listed (no
    search of every path entry for a distribution), so a hook's start pays
    for none.
    """
    site = os.path.dirname(package)
    try:
        found = [name for name in os.listdir(site) if name.lower().startswith("slopolicy-")
                 and name.endswith(".dist-info")]
    except OSError:
        return None
    if len(found) != 1 or os.path.basename(package) != "slopolicy":
        return None  # none, or several installs' metadata side by side: not one release
    info = os.path.join(site, found[0])
    try:
        version = _metadata_version(os.path.join(info, "METADATA"))
        direct = _read_text(os.path.join(info, "direct_url.json"))
        record = _read_text(os.path.join(info, "RECORD"))
    except (OSError, UnicodeDecodeError):
        return None
    if version is None or record is None:
        return None
    if direct:
        try:
            data = json.loads(direct)
        except ValueError:
            return None
        info_dir = data.get("dir_info") if isinstance(data, dict) else None
        if isinstance(info_dir, dict) and info_dir.get("editable", False) is not False:
            return None  # editable: its files change under the same version
    listed = _record_hashes(record)
    if listed is None or "slopolicy/__init__.py" not in listed:
        return None
    recorded = _recorded_modules(listed)
    return None if recorded is None else f"{version} {recorded}"


def _read_text(path: str) -> str | None:
    """The file's text, or None when there is no such file."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _metadata_version(path: str) -> str | None:
    """The ``Version:`` field of a distribution's ``METADATA`` headers."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                break  # the headers end at the first blank line
            name, sep, value = line.partition(":")
            if sep and name.strip().lower() == "version":
                return value.strip()
    return None


def _record_hashes(record: str) -> dict[str, str | None] | None:
    """Each file a ``RECORD`` lists (``/``-separated) and its hash (``sha256=...``), or
    None when the file is not a ``RECORD`` (a row without its three fields)."""
    import csv

    listed: dict[str, str | None] = {}
    for row in csv.reader(record.splitlines()):
        if not row:
            continue
        if len(row) != 3:
            return None
        listed[row[0].replace("\\", "/")] = row[1] or None
    return listed


def _recorded_modules(listed: dict[str, str | None]) -> str | None:
    """A digest of the hash pip recorded of each file of the package, read from its RECORD.

    The same for every install of one build (bytecode aside: it holds the
    time it was compiled); None when a file has no hash, so what it holds
    cannot be told.
    """
    digest = hashlib.sha256()
    for name in sorted(listed):
        if not name.startswith("slopolicy/") or "/__pycache__/" in name:
            continue
        found = listed[name]
        if found is None:
            return None
        mode, _, value = found.partition("=")
        digest.update(f"{name}\0{mode}:{value}\n".encode())
    return digest.hexdigest()[:32]


def _code_stamp(package: str) -> str:
    """Size and modification time of slopolicy's own modules (code under development)."""
    parts = []
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                parts.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def content_key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


Signature = tuple[int, int, int, int, int]
UNUSED_DAYS = 30  # a results folder no run used for this long is removed
_FOLDER = re.compile(r"results-[0-9a-f]{32}")
# this format's files and older ones' (never read, but removed with their folder)
_FILE = re.compile(r"(index|project|project-delta|blobs|[0-9a-f]{2})\.(cache|pickle)"
                   r"|\.(index|project|project-delta|blobs|[0-9a-f]{2})\.(cache|pickle)-\w+\.tmp")
RACY_NS = 2_000_000_000  # FAT keeps modification times to 2 s
MAX_FILE_BYTES = 256 * 1024 * 1024  # a cache file larger than this is not read
MAGIC = b"slopolicy-cache"


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)


def open_cache(folder: Path, project_root: Path, rules: Iterable[str] = ()) -> Cache | None:
    """The project's cache in ``folder``, or None (with a note) when there is no key to sign it."""
    try:
        key = keys.user_key(folder)
    except keys.KeyUnavailable as reason:
        keys.note(reason)
        return None
    except OSError as exc:  # the config folder itself cannot be looked at
        keys.note(keys.KeyUnavailable(f"cannot use the cache key: {exc.strerror}"))
        return None
    return Cache(folder, project_root, rules, key=key)


class Cache:
    """Snapshots of analysed files by content hash, for one project."""

    def __init__(self, folder: Path, project_root: Path, rules: Iterable[str] = (), *,
                 key: bytes) -> None:
        """``rules``: where the project's rules come from (plugins with their versions)."""
        self.path = folder / f"results-{_fingerprint(project_root, rules)}"
        self.key = key
        self.shards: dict[str, Shard] = {}
        self.written: set[str] = set()  # shards this run saved: read back if needed again
        self.fresh: dict[str, dict[str, FileEntry]] = {}  # by shard: entries to write
        self.used: set[str] = set()
        self.dirty: set[str] = set()
        self.started_ns = time.time_ns()
        self.seen: dict[str, tuple[Signature, str]] = {}
        self.stated = False  # whether this run looked files up by signature
        # A run that restored only some files (a warm check, see slopolicy.check.incremental)
        # keeps every entry of a shard it writes: it cannot tell which the others still need.
        self.partial = False
        # a folder that is a link could send writes anywhere: not used
        self.usable = not os.path.islink(self.path)
        self._index: dict[str, tuple[Signature, str]] | None = None  # read when first needed
        self.tried: set[str] = set()  # shards read, or found missing or unreadable
        try:
            if not self.usable:
                raise NotADirectoryError
            os.utime(self.path)  # in use: see prune()
            self.existed = True
        except OSError:
            self.existed = False  # no cache yet
            self.tried.update(f"{n:02x}" for n in range(256))

    @property
    def index(self) -> dict[str, tuple[Signature, str]]:
        """The stat index, read on first use (a run that needs no signature never reads it)."""
        if self._index is None:
            self._index = self._read_index() if self.existed else {}
        return self._index

    @index.setter
    def index(self, value: dict[str, tuple[Signature, str]]) -> None:
        self._index = value

    def note(self, path: str, stat: Signature, key: str) -> None:
        """Record ``path``'s signature and content key, unless the file is racy."""
        if max(stat[1], stat[2]) < self.started_ns - RACY_NS:
            self.seen[path] = (stat, key)

    def known(self, path: str, stat: Signature, origin: str | None) -> SourceFile | None:
        """The unchanged file at ``path``, restored: its signature is recorded with its content."""
        self.stated = True
        entry = self.index.get(path)
        if entry is None or entry[0] != stat:
            return None
        source = self.restore(entry[1], path, origin)
        if source is not None:
            self.seen[path] = entry
        return source

    def restore(self, key: str, path: str, origin: str | None) -> SourceFile | None:
        """The file of content ``key`` as ``path``, if the cache has it."""
        shard = self.shards.get(key[:2])
        if shard is None:
            shard = self._shard(key[:2])
        if shard is None:
            return None
        try:
            source = shard.restore(key, path, origin)
        except (Malformed, LookupError, TypeError, ValueError):
            return None  # checked when read; anything else that does not fit is a miss too
        if source is not None:
            self.used.add(key)
        return source

    def keep(self, files: Iterable[SourceFile]) -> None:
        """Store what this run learnt of each file (after the rules ran), then save."""
        for source in files:
            if not (source.dirty or source.positions_parsed):
                continue  # nothing new: most files of a warm run
            key = source.cache_key
            if not key or not unsaved(source):
                continue
            try:
                entry = entry_of(source)
            except (TypeError, ValueError):
                continue  # a value with no JSON form: that file is analysed again next time
            self.fresh.setdefault(key[:2], {})[key] = entry
            self.used.add(key)
            self.dirty.add(key[:2])
            source.dirty = False
        self.save()

    def save(self) -> None:
        """Write the shards this run changed, dropping entries no file has any more."""
        # Shards this run never read hold only entries it did not touch: left as they are.
        for prefix in sorted(set(self.shards) | set(self.fresh)):
            shard = self._shard(prefix)
            fresh = self.fresh.get(prefix, {})
            old = shard.keys() if shard is not None else []
            if prefix not in self.dirty and (self.partial or self.used.issuperset(old)):
                continue
            entries: dict[str, FileEntry] = {}
            for key in old:
                if (self.partial or key in self.used) and key not in fresh:
                    try:
                        entries[key] = shard.entry(key)  # type: ignore[union-attr]
                    except (Malformed, LookupError, TypeError, ValueError):
                        continue
            entries.update(fresh)
            body, texts = encode_shard(entries)
            if self._write(f"{prefix}.cache", body, texts):
                # Read back only if this run restores from it again (the language server
                # saves often); a check ends here, and reading it would be work for nothing.
                self.shards.pop(prefix, None)
                self.written.add(prefix)
        self.fresh.clear()
        self.dirty.clear()
        if self.stated and self.seen != self.index:  # a run of a commit's files keeps it
            self._write("index.cache", _encode_index(self.seen), [])
            self.index = dict(self.seen)
        if not self.existed and self.path.is_dir():
            self.existed = True
            self.prune()

    def read_project(self) -> ProjectRecord | None:
        """The project index (:mod:`slopolicy.cache.project`), if it is there, signed and whole."""
        return self._read_record(project_index.NAME, project_index.decode)

    def write_project(self, record: ProjectRecord) -> None:
        """Replace the project index (atomically, as every cache file), and drop its delta."""
        try:
            text, columns = project_index.encode(record)
        except (TypeError, ValueError):
            self.drop_project()
            return  # a value with no JSON form: the next check runs in full
        if not self._write(project_index.NAME, text, columns):
            self.drop_project()
        with contextlib.suppress(OSError):
            os.unlink(self.path / project_index.DELTA_NAME)  # of another generation now

    def read_delta(self) -> DeltaRecord | None:
        """What changed since the project index was written whole, if it is signed and whole."""
        return self._read_record(project_index.DELTA_NAME, project_index.decode_delta)

    def _read_record(self, name: str, decode: Callable[[bytes, memoryview], _Record]
                     ) -> _Record | None:
        """The record in file ``name`` and its data, signed and whole; anything else is a miss."""
        found = self._read_whole(name) if self.existed else None
        if found is None:
            return None
        try:
            return decode(*found)
        except (Malformed, LookupError, TypeError, ValueError, RecursionError):
            return None

    def write_delta(self, record: DeltaRecord) -> None:
        try:
            text = project_index.encode_delta(record)
        except (TypeError, ValueError):
            self.drop_project()
            return
        if not self._write(project_index.DELTA_NAME, text, []):
            self.drop_project()

    def read_blobs(self) -> dict[str, bytes]:
        """The blob map (:mod:`slopolicy.cache.blobs`): each git blob id's content key, as far
        as it is signed and whole (else empty)."""
        return self._read_record(blob_map.NAME, blob_map.decode) or {}

    def write_blobs(self, blobs: dict[str, bytes]) -> None:
        """Replace the blob map; one that cannot be written only costs the next run speed."""
        try:
            record, data = blob_map.encode(blobs)
        except ValueError:
            return
        self._write(blob_map.NAME, record, data)

    def drop_project(self) -> None:
        """Remove the project index: the next check runs in full."""
        for name in (project_index.NAME, project_index.DELTA_NAME):
            with contextlib.suppress(OSError):  # none, or another run removed it
                os.unlink(self.path / name)

    def _shard(self, prefix: str) -> Shard | None:
        """The shard of ``prefix``: as read, or read now (first use, or as this run saved it).

        Shards are read when a file of theirs is first restored: a warm run
        that restores few files reads few of them.
        """
        if prefix in self.written or prefix not in self.tried:
            self.written.discard(prefix)
            self.tried.add(prefix)
            # Reading builds many containers and frees none: callers keep the
            # cyclic garbage collector off meanwhile (runtime.loading).
            shard = self._read_shard(f"{prefix}.cache")
            if shard is not None:
                self.shards[prefix] = shard
        return self.shards.get(prefix)

    def prune(self) -> None:
        """Remove the folders of other fingerprints that no run used for UNUSED_DAYS.

        A new version, an edited schema or a moved project starts a new folder;
        the old one would stay forever. Only folders that hold nothing but
        slopolicy's own files are removed, whatever ``--cache-dir`` names.
        """
        limit = time.time() - UNUSED_DAYS * 86400
        for sibling in self.path.parent.iterdir():
            if sibling == self.path or not _FOLDER.fullmatch(sibling.name):
                continue
            try:
                if sibling.is_symlink() or sibling.stat().st_mtime >= limit:
                    continue
                names = os.listdir(sibling)
                if all(_FILE.fullmatch(name) for name in names):
                    for name in names:
                        os.unlink(sibling / name)
                    sibling.rmdir()
            except OSError:
                continue  # another run is using or removing it

    # -- signed files --------------------------------------------------------------------
    #
    # A cache file is one header line, "slopolicy-cache FORMAT MAC DIGEST", then
    # a record (JSON, one line), then the documents' data. MAC is the HMAC of
    # the record and DIGEST under the user's key, bound to the format, this
    # folder and the file's name; DIGEST is the SHA-256 of the data, checked
    # when a document's data is first read (a warm run reads few).

    def _mac(self, name: str, digest: bytes, record: bytes) -> str:
        mac = hmac.new(self.key, b"\0".join([MAGIC, str(FORMAT).encode(), self.path.name.encode(),
                                             name.encode(), digest, b""]), "sha256")
        mac.update(record)  # not joined: a project index's record is megabytes
        return mac.hexdigest()

    def _read(self, name: str) -> tuple[bytes, int, Callable[[], bytes | None], bytes] | None:
        """A cache file whose format and MAC are right: its record, and how to read its data.

        Only the header and the record are read now; the data (most of the
        file, and mostly not needed) is read when a document's data is.
        """
        found = _read_head(self.path / name)
        if found is None:
            return None
        head, identity = found
        signed = self._signed(name, head)
        if signed is None:
            return None
        record, end, digest = signed
        size = identity[2] - (end + 1)
        return record, size, partial(_read_data, self.path / name, identity, end + 1), digest

    def _read_whole(self, name: str) -> tuple[bytes, memoryview] | None:
        """A cache file read in one go, its MAC and its data's digest right: record and data."""
        found = _read_all(self.path / name)
        if found is None:
            return None
        head = found[0]
        signed = self._signed(name, head)
        if signed is None:
            return None
        record, end, digest = signed
        data = memoryview(head)[end + 1:]
        if not hmac.compare_digest(hashlib.sha256(data).digest(), digest):
            return None  # cut short, or not the data the header vouches for
        return record, data

    def _signed(self, name: str, head: bytes) -> tuple[bytes, int, bytes] | None:
        """The record of a cache file's first two lines if the format and MAC are right, where
        it ends, and the digest of the data the header vouches for."""
        start = head.find(b"\n", 0, 256) + 1
        end = head.find(b"\n", start)
        header = head[:start - 1].split(b" ") if start > 0 else []
        if len(header) != 4 or header[0] != MAGIC or header[1] != str(FORMAT).encode():
            return None  # not ours, or another version's
        if end < 0 or len(header[3]) != 64:
            return None
        try:
            digest = bytes.fromhex(header[3].decode("ascii"))
        except ValueError:
            return None
        record = head[start:end]
        if not hmac.compare_digest(self._mac(name, digest, record).encode(), header[2]):
            return None
        return record, end, digest

    def _read_shard(self, name: str) -> Shard | None:
        found = self._read(name)
        if found is None:
            return None
        try:
            return decode_shard(*found)
        except (Malformed, LookupError, TypeError, ValueError):
            return None

    def _read_index(self) -> dict[str, tuple[Signature, str]]:
        found = self._read("index.cache")
        if found is None or found[1] != 0:
            return {}
        try:
            record: IndexRecord = INDEX.decode(json.loads(found[0]))
        except (Malformed, ValueError, RecursionError):
            return {}
        columns = (record.path, record.size, record.mtime_ns, record.ctime_ns, record.inode,
                   record.device, record.key)
        if len({len(column) for column in columns}) != 1:
            return {}
        signatures = zip(record.size, record.mtime_ns, record.ctime_ns, record.inode,
                         record.device)
        return dict(zip(record.path, zip(signatures, record.key)))

    def _write(self, name: str, record: bytes, data: list[bytes]) -> bool:
        """Whether the file is now ``record`` and ``data``, signed."""
        if not self.usable:
            return False
        digest = hashlib.sha256()
        for text in data:
            digest.update(text)
        mac = self._mac(name, digest.digest(), record)
        header = b"%s %d %s %s\n" % (MAGIC, FORMAT, mac.encode(), digest.hexdigest().encode())
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(header)
                    f.write(record)
                    f.write(b"\n")
                    f.writelines(data)
                os.replace(tmp, self.path / name)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            return False  # a read-only or full cache folder only costs speed
        return True


FileIdentity = tuple[int, int, int, int]  # inode, device, size, mtime_ns: this very file
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _open(path: Path) -> tuple[int, FileIdentity] | None:
    """A regular file, open, if it is one and not too large (a FIFO would never end)."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None
    if not stats.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
        os.close(fd)
        return None
    return fd, (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns)


def _read_head(path: Path) -> tuple[bytes, FileIdentity] | None:
    """A cache file's first two lines (header and record), and which file it is."""
    opened = _open(path)
    if opened is None:
        return None
    fd, identity = opened
    head = bytearray()
    end = -1
    try:
        while end < 0 and len(head) < identity[2]:
            part = os.read(fd, max(1 << 16, len(head)))
            if not part:
                break
            searched = len(head)
            head += part
            first = head.find(b"\n", 0, 256)
            if first < 0 and len(head) >= 256:
                break  # no header: not a cache file
            if first >= 0:
                end = head.find(b"\n", max(first + 1, searched))
    except OSError:
        return None
    finally:
        os.close(fd)
    return bytes(head if end < 0 else head[:end + 1]), identity


def _read_all(path: Path) -> tuple[bytes, FileIdentity] | None:
    """A cache file, whole (a record with no data after it), and which file it is."""
    opened = _open(path)
    if opened is None:
        return None
    fd, identity = opened
    try:
        return _read_up_to(fd, identity[2]), identity
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_up_to(fd: int, size: int) -> bytes:
    """At most ``size`` bytes from ``fd`` (fewer if the file ends first: it was cut short)."""
    parts = []
    while size > 0:
        part = os.read(fd, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _read_data(path: Path, identity: FileIdentity, offset: int) -> bytes | None:
    """The data of a cache file read earlier, if it is still that very file."""
    opened = _open(path)
    if opened is None:
        return None
    fd, now = opened
    try:
        if now != identity:
            return None  # replaced since (by another run): a miss, not a mix
        os.lseek(fd, offset, os.SEEK_SET)
        return _read_up_to(fd, identity[2] - offset)
    except OSError:
        return None
    finally:
        os.close(fd)


def _encode_index(seen: dict[str, tuple[Signature, str]]) -> bytes:
    entries = list(seen.values())
    columns = [list(column) for column in zip(*(entry[0] for entry in entries))]
    size, mtime_ns, ctime_ns, inode, device = columns or [[], [], [], [], []]
    record = IndexRecord(list(seen), size, mtime_ns, ctime_ns, inode, device,
                         [entry[1] for entry in entries])
    return json.dumps(INDEX.encode(record), separators=(",", ":")).encode("ascii")
