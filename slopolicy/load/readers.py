"""The files of one side, by repository-relative path: the working tree, or a commit.

Configuration, house rules, approval records and documents are read through
a :class:`Reader`, so the same code reads them from disk or at a git ref, and
a message names a file as the user knows it: ``path`` in the working tree,
``REF:path`` at a ref. Paths use ``/`` and are relative to the repository
root; a commit holds nothing outside it, while a path in the working tree
may leave it (``--config`` elsewhere, ``extends: ../shared.yaml``) and is
then absolute.
"""
from __future__ import annotations

import abc
import os
import posixpath
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


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


class Tree(Protocol):
    """A repository a commit is read from: its tree listing and batched blob reads."""

    def tree(self, sha: str) -> Iterable[Entry]: ...

    def read_blobs(self, ids: Iterable[str]) -> dict[str, bytes]: ...


class CommitReader(Reader):
    """The files of a commit: its tree listed once, the blobs read in one batch per call."""

    def __init__(self, repo: Tree, commit: str, label: str) -> None:
        self.repo = repo
        self.commit = commit
        self.label = label
        self._tree = {e.path: e.blob for e in repo.tree(commit)}

    def paths(self) -> list[str]:
        return list(self._tree)

    def exists(self, path: str) -> bool:
        return path in self._tree

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        wanted = {p: self._tree[p] for p in paths if p in self._tree}
        blobs = self.repo.read_blobs(wanted.values())
        return {p: blobs[b] for p, b in wanted.items() if b in blobs}


class WorktreeReader(Reader):
    """The files of a folder on disk: the working tree (or the presets shipped with slopolicy)."""

    def __init__(self, root: Path, commit: str | None = None,
                 label: str = "the working tree") -> None:
        self.root = root
        self.commit = commit  # HEAD, which uncommitted changes build on
        self.label = label

    def paths(self) -> list[str]:
        found = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            rel = Path(folder).relative_to(self.root).as_posix()
            found += [n if rel == "." else f"{rel}/{n}" for n in sorted(names)]
        return found

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()

    def is_folder(self, path: str) -> bool:
        return (self.root / path).is_dir()

    def files_in(self, folder: str) -> list[str]:
        top = self.root / folder
        try:
            names = sorted(p.name for p in top.iterdir() if p.is_file())
        except OSError:
            return []
        return [self.join(folder, name) for name in names]

    def under(self, folder: str) -> list[str]:
        top = self.root / folder
        if top.is_file():
            return [folder]
        found = []
        for current, dirs, names in os.walk(top):
            dirs.sort()
            rel = Path(current).relative_to(self.root).as_posix()
            found += [f"{rel}/{n}" for n in sorted(names)]
        return found

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        from slopolicy.load.files import read_regular

        out = {}
        for path in paths:
            raw = read_regular(self.root / path)[0]  # never a FIFO or a device, within the cap
            if raw is not None:
                out[path] = raw
        return out

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
