"""The files of one side, by repository-relative path: the working tree, or a commit.

Configuration, house rules, approval records and documents are read through
a :class:`Reader`, so the same code reads them from disk or at a git ref, and
a message names a file as the user knows it: ``path`` in the working tree,
``REF:path`` at a ref. Paths use ``/`` and are relative to the repository
root; a commit holds nothing outside it, while a path in the working tree
may leave it (``--config`` elsewhere, ``extends: ../shared.yaml``) and is
then absolute.

Both sides hold the same files: regular files. A symbolic link inside the
repository is none (git records the name of its target, never who changed
the file it points to), and neither is a submodule or any nested repository
(its files are another repository's history): the working tree skips what a
commit's tree cannot hold, so every mode sees one set of files.
"""
from __future__ import annotations

import abc
import hashlib
import os
import posixpath
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

SYMLINK = "120000"  # git's mode of a symbolic link


class Reader(abc.ABC):
    """The files of one side: a commit (listed once, read in batches) or a folder on disk."""

    label: str  # the side, as messages name it: the ref, or "the working tree"
    commit: str | None

    @abc.abstractmethod
    def paths(self) -> list[str]:
        """Every file of the side."""

    @abc.abstractmethod
    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The content of each of ``paths`` that is a file there (the others are left out)."""

    @abc.abstractmethod
    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file there."""

    def read_one(self, path: str) -> bytes | None:
        return self.read([path]).get(path)

    def named(self, name: str) -> list[str]:
        """Every file called ``name`` (the last part of its path), sorted."""
        return sorted(p for p in self.paths() if posixpath.basename(p) == name)

    def links(self) -> list[str]:
        """The symbolic links of the side: never read as files (see the module's docstring)."""
        return []

    def link_targets(self, paths: Iterable[str]) -> dict[str, str]:
        """What each of the links ``paths`` points to, as written in the link."""
        return {}

    def under(self, folder: str) -> list[str]:
        """The files in ``folder`` and below (or the file itself)."""
        prefix = folder.rstrip("/") + "/"
        return [p for p in self.paths() if p.startswith(prefix) or p == folder]

    def is_folder(self, path: str) -> bool:
        """Whether ``path`` is a folder there (one that holds files)."""
        if path in ("", "."):
            return True
        prefix = path.rstrip("/") + "/"
        return any(p.startswith(prefix) for p in self.paths())

    def files_in(self, folder: str) -> list[str]:
        """The files directly in ``folder``, not below it, sorted."""
        folder = "" if folder in ("", ".") else folder.rstrip("/")
        return sorted(p for p in self.paths() if posixpath.dirname(p) == folder)

    def join(self, folder: str, target: str) -> str:
        """``target``, written relative to ``folder``, as a path of this side."""
        joined = posixpath.normpath(posixpath.join(folder, target))
        return "" if joined == "." else joined

    def name(self, path: str) -> str:
        """``path`` as a listing names it (where a house rule is defined): ``REF:path``."""
        return f"{self.label}:{path or '.'}"

    def shown(self, path: str) -> str:
        """``path`` as a message names it: ``REF:path``."""
        return self.name(path)


class Entry(Protocol):
    """One file of a commit's tree."""

    @property
    def path(self) -> str: ...

    @property
    def blob(self) -> str: ...

    @property
    def mode(self) -> str: ...


class Tree(Protocol):
    """A repository a commit is read from: its tree listing and batched blob reads."""

    def tree(self, sha: str) -> Iterable[Entry]: ...

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]: ...


class CommitReader(Reader):
    """The files of a commit: its tree listed once, the blobs read in one batch per call.

    Readers of one repository may share ``blobs``, what they read by object
    id: git keeps one content under one id, so two commits' file of the same
    id is read once (the sides of ``check --base REF --head REF``).
    """

    def __init__(self, repo: Tree, commit: str, label: str,
                 blobs: dict[str, bytes] | None = None) -> None:
        self.repo = repo
        self.commit = commit
        self.label = label
        self.blobs = blobs
        self._tree: dict[str, str] = {}
        self._links: dict[str, str] = {}
        for entry in repo.tree(commit):
            (self._links if entry.mode == SYMLINK else self._tree)[entry.path] = entry.blob

    def learn(self, contents: Iterable[bytes]) -> None:
        """Contents read elsewhere (the working tree's), known by their object id from now on:
        a file of this commit with one of those ids is not read from git again.

        An id is the hash git gives the bytes (SHA-1, or SHA-256 in a repository
        of that object format), so only the same bytes match: git refuses to
        store either half of a known SHA-1 collision, so no blob of the commit
        can share its id with other bytes.
        """
        if self.blobs is None:
            return
        size = len(next(iter(self._tree.values()), ""))
        algorithm = hashlib.sha1 if size == 40 else hashlib.sha256 if size == 64 else None
        if algorithm is None:
            return  # an empty tree, or an object format this reader cannot name
        for raw in contents:
            found = algorithm(b"blob %d\0" % len(raw), usedforsecurity=False)
            found.update(raw)
            self.blobs.setdefault(found.hexdigest(), raw)

    def blobs_of(self, paths: Iterable[str]) -> list[str | None]:
        """The object id of each of ``paths`` (None: no such file), in order."""
        return list(map(self._tree.get, paths))

    def links(self) -> list[str]:
        return list(self._links)

    def link_targets(self, paths: Iterable[str]) -> dict[str, str]:
        wanted = {p: self._links[p] for p in paths if p in self._links}
        blobs = self.repo.read_blobs(wanted.values())
        return {p: blobs[b].decode("utf-8", "replace") for p, b in wanted.items() if b in blobs}

    def paths(self) -> list[str]:
        return list(self._tree)

    def exists(self, path: str) -> bool:
        return path in self._tree

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        wanted = {p: self._tree[p] for p in paths if p in self._tree}
        known = self.blobs
        if known is None:
            blobs = self.repo.read_blobs(wanted.values())
        else:
            blobs = {b: known[b] for b in wanted.values() if b in known}
            blobs.update(self.repo.read_blobs(b for b in wanted.values() if b not in blobs))
            known.update(blobs)
        return {p: blobs[b] for p, b in wanted.items() if b in blobs}


class WorktreeReader(Reader):
    """The files of a folder on disk: the working tree (or the presets shipped with slopolicy)."""

    def __init__(self, root: Path, commit: str | None = None,
                 label: str = "the working tree") -> None:
        self.root = root
        self.commit = commit  # HEAD, which uncommitted changes build on
        self.label = label

    def paths(self) -> list[str]:
        return list(_regular_files(self.root, "", nested=False))

    def exists(self, path: str) -> bool:
        full = self._inside(path)
        return full is not None and full.is_file()

    def is_folder(self, path: str) -> bool:
        full = self._inside(path)
        return full is not None and full.is_dir()

    def files_in(self, folder: str) -> list[str]:
        top = self._inside(folder)
        try:
            names = sorted(e.name for e in os.scandir(top) if e.is_file(follow_symlinks=False)) \
                if top is not None else []
        except OSError:
            return []
        return [self.join(folder, name) for name in names]

    def under(self, folder: str) -> list[str]:
        top = self._inside(folder)
        if top is None:
            return []
        if top.is_file():
            return [folder]
        prefix = folder.rstrip("/") + "/" if folder not in ("", ".") else ""
        return list(_regular_files(top, prefix, nested=bool(prefix)))

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        from slopolicy.load.files import read_regular

        out = {}
        for path in paths:
            full = self._inside(path)
            raw = read_regular(full)[0] if full is not None else None  # no FIFO, within the cap
            if raw is not None:
                out[path] = raw
        return out

    def _inside(self, path: str) -> Path | None:
        """``path`` on disk; None where a symbolic link inside the root leads to it.

        A path outside the root (``--config`` elsewhere) is the user's own, and followed.
        """
        full = self.root / path
        if os.path.isabs(path) or path.startswith("../") or path == "..":
            return full
        current = self.root
        for part in Path(path).parts:
            current = current / part
            if current.is_symlink():
                return None
        return full

    def join(self, folder: str, target: str) -> str:
        """Relative to the root while inside it; absolute once it leaves the root."""
        full = os.path.normpath(os.path.join(self.root, folder, target))
        rel = os.path.relpath(full, self.root)
        if rel == os.curdir:
            return ""
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return Path(full).as_posix()
        return Path(rel).as_posix()

    def name(self, path: str) -> str:
        """Relative to the root, as reports name files."""
        return path

    def shown(self, path: str) -> str:
        """As the user would type it: relative to the current folder."""
        full = self.root / path
        try:
            return full.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(full)


def _regular_files(top: Path, prefix: str, nested: bool) -> Iterator[str]:
    """The regular files under the folder ``top``, named ``prefix`` + their path there,
    sorted folder by folder.

    Symbolic links are neither followed nor listed; ``.git``, and every
    folder below the repository root (``nested``) that holds one (a
    submodule, a nested repository), are another repository's, and skipped.
    """
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    if nested and any(e.name == ".git" for e in entries):
        return
    folders = []
    for entry in entries:
        if entry.is_symlink() or entry.name == ".git":
            continue
        if entry.is_dir():
            folders.append(entry)
        elif entry.is_file():
            yield prefix + entry.name
    for entry in folders:
        yield from _regular_files(Path(entry.path), f"{prefix}{entry.name}/", nested=True)
