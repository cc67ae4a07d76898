"""Which files written in a range carried a file's change there: who made it, wherever they wrote it.

Nobody approves their own change, and git's record of a change names only
the commits that wrote its file. A change written elsewhere (a draft, under
another name or extension, outside the documents' globs) and then moved,
copied or pasted over the file is its writer's change as much as the
mover's: git calls an overwrite of an existing file a modification, not a
rename, and a byte changed on the way makes it no copy at all.

So a file written in the range carried the change when it holds the change's
content: the same bytes as a version the file took in the range, or a near
copy of one. A near copy shares at least half of that version's lines (it is
a version of the same document) and makes at least half of the edits the
change makes to the file's base content (each line added, each line removed),
so a copy of the old agreement beside it, or a sibling agreement edited in
the same way on one line, carries nothing. Lines are compared without their
indentation. Pure: the texts come from the caller.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping


def lines(raw: bytes) -> frozenset[str]:
    """The distinct non-blank lines of ``raw``, without their indentation."""
    text = raw.decode("utf-8", "replace")
    return frozenset(s for s in (line.strip() for line in text.splitlines()) if s)


class Change:
    """The versions a file took in a range, against the content it had before."""

    def __init__(self, versions: Iterable[bytes], before: Iterable[bytes]) -> None:
        old: frozenset[str] = frozenset().union(*(lines(b) for b in before))
        self.versions = []
        for raw in versions:
            new = lines(raw)
            self.versions.append((new, new - old, old - new))

    def carried_by(self, raw: bytes) -> bool:
        """Whether a file of content ``raw`` holds one of the versions, or a near copy."""
        return self.carried_in(lines(raw))

    def carried_in(self, written: frozenset[str]) -> bool:
        """:meth:`carried_by`, of a file's :func:`lines`."""
        for new, added, removed in self.versions:
            edits = len(added) + len(removed)
            if not new or not edits:
                continue
            if 2 * len(written & new) < len(new):
                continue  # no version of this document
            made = len(written & added) + len(removed - written)
            if 2 * made >= edits:
                return True
        return False


class Carriers:
    """Whether a file written (by blob id) carried a file's change, each asked once."""

    def __init__(self, changes: Mapping[str, Change], texts: Mapping[str, bytes]) -> None:
        self.changes = changes
        self.texts = texts
        self._lines: dict[str, frozenset[str]] = {}
        self._asked: dict[tuple[str, str], bool] = {}

    def carried(self, blob: str, path: str) -> bool:
        """Whether content ``blob`` holds the change of ``path`` (False: a blob not read)."""
        found = self._asked.get((blob, path))
        if found is None:
            held = self._lines.get(blob)
            if held is None:
                raw = self.texts.get(blob)
                held = self._lines[blob] = lines(raw) if raw is not None else frozenset()
            found = self._asked[blob, path] = bool(held) and self.changes[path].carried_in(held)
        return found
