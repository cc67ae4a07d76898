"""A file's next version read from its last one, when only values on lines of their own changed.

Most changes of an agreement in a history rewrite a few values in place: a
new ``version``, ``effective.from``, a target. When every line that changed
is ``key: value`` before and after (the same key, at the same indent, a
plain value of a few safe characters), and the earlier text has that entry
whole on that line (:func:`yamlsource.value_lines`: block style, no anchors,
aliases, tags, duplicate or merge keys), the new documents are the old ones
with those values replaced: what the parser would have built, without
parsing. Anything else is left to the loader (:func:`reload` returns None).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from slopolicy.model.documents import MAX_FILE_BYTES, Document, SourceFile
from slopolicy.model.kinds import NATIVE
from slopolicy.text import yamlsource
from slopolicy.text.yamlsource import Path, ValueLine

# ``  key: value`` and nothing else: a plain value that starts with a letter or a digit, of
# characters that can neither start nor end a plain scalar, a comment or a collection
# (no ": ", no " #", no quotes, no flow indicators).
_LINE = re.compile(rb"( *[A-Za-z_][A-Za-z0-9_-]*: )([A-Za-z0-9][A-Za-z0-9._:+/-]*)")
# Line breaks YAML counts besides "\n" (so a line of the bytes is a line of the parser's),
# and the byte-order marks that make the text another encoding.
_OTHER_BREAKS = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class Basis:
    """A file's bytes and the documents loaded from them, to read its next version from."""

    __slots__ = ("raw", "lines", "documents", "_values")

    def __init__(self, raw: bytes, lines: list[bytes], documents: Sequence[Document],
                 values: dict[int, ValueLine | None] | None | bool = False) -> None:
        self.raw = raw
        self.lines = lines
        self.documents = tuple(documents)
        self._values = values  # False: not found yet (found when first needed)

    def values(self) -> dict[int, ValueLine | None] | None:
        if self._values is False:
            self._values = yamlsource.value_lines(self.raw.decode("utf-8"))
        return self._values  # type: ignore[return-value]


def basis(raw: bytes, loaded: SourceFile) -> Basis | None:
    """What a later version of ``raw`` may be read from; None when it cannot be: the file
    had problems, objects of no kind slopolicy reads, list items or documents of another
    format, or text other than UTF-8 with plain "\\n" line breaks."""
    if (loaded.problems or loaded.others or loaded.foreign or raw.startswith(_BOMS)
            or any(b in raw for b in _OTHER_BREAKS)):
        return None
    docs = loaded.documents
    if any(d.item is not None or d.mapped_from is not None or d.api_version not in NATIVE
           for d in docs):
        return None
    return Basis(raw, raw.split(b"\n"), docs)


def reload(prior: Basis, raw: bytes, source: SourceFile) -> tuple[Basis, list[Document]] | None:
    """The documents of ``raw``, a later version of ``prior``'s file, in ``source``, read from
    ``prior``'s; None when a line that changed is not a value rewritten in place."""
    if len(raw) > MAX_FILE_BYTES:
        return None  # the loader refuses it whole: a problem, no documents
    lines = raw.split(b"\n")
    old = prior.lines
    # (no other line breaks or byte-order mark to look for: a line that changed is ASCII
    # of _LINE's, the others are the prior's, which has none)
    if len(lines) != len(old):
        return None
    changed = [n for n, (a, b) in enumerate(zip(old, lines)) if a != b]
    if not changed:
        return None
    edits: dict[int, list[tuple[Path, Any]]] = {}
    values = None
    for number in changed:
        before, after = _LINE.fullmatch(old[number]), _LINE.fullmatch(lines[number])
        if before is None or after is None or before.group(1) != after.group(1) \
                or after.group(2).endswith(b":"):
            return None
        values = prior.values() if values is None else values
        where = values.get(number) if values is not None else None
        if where is None or where[2] != len(after.group(1)):
            return None
        try:
            value = yamlsource.plain_scalar(after.group(2).decode("ascii"))
        except yamlsource.ScalarError:
            return None
        edits.setdefault(where[0], []).append((where[1], value))
    if not edits.keys() <= {doc.index for doc in prior.documents}:
        return None
    found = []
    for doc in prior.documents:
        data = _replaced(doc.data, edits.get(doc.index, ()))
        new = Document(source, doc.index, None, data)
        if (new.api_version, new.kind) != (doc.api_version, doc.kind):
            return None
        found.append(new)
    return Basis(raw, lines, found, values), found


def _replaced(data: Mapping[str, Any], edits: Sequence[tuple[Path, Any]]) -> dict[str, Any]:
    """A copy of ``data`` with each (path, value) of ``edits`` set: the collections on the
    way are copied, everything else is ``data``'s own."""
    root = dict(data)
    copied = {id(root)}
    for path, value in edits:
        node: Any = root
        for part in path[:-1]:
            child = node[part]
            if id(child) not in copied:
                child = dict(child) if type(child) is dict else list(child)
                copied.add(id(child))
                node[part] = child
            node = child
        node[path[-1]] = value
    return root
