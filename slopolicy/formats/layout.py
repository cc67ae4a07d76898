"""One canonical layout for a YAML file of documents, keeping its meaning and its comments.

The layout: mappings indented by two spaces, list items by two more with the
dash, block style throughout (flow ``{...}`` and ``[...]`` only when empty),
strings quoted only where YAML needs it, lines never folded, one ``---``
between documents, a newline at the end. A document's ``apiVersion``,
``kind``, ``metadata`` and ``spec`` come first, in that order, unless a
comment is written among them (moving a key would move the comment that
introduces the next one). Values are written as they were (``99.90`` stays
``99.90``, a block of text stays a block).

The result is checked before it is given: read again, it must hold the same
data and the same comments, or :class:`LayoutError` says why it cannot be
formatted.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from slopolicy.text import yamlsource
from slopolicy.text.comments import comment_lines
from slopolicy.text.roundtrip import roundtrip

FIRST = ("apiVersion", "version", "kind", "metadata", "spec")


class LayoutError(Exception):
    """The file cannot be laid out without changing what it says."""


def canonical(text: str) -> str:
    """``text`` in the canonical layout."""
    head, body = _header(text)
    yaml = roundtrip()
    try:
        documents = list(yaml.load_all(body))
    except YAMLError as problem:
        raise LayoutError(f"not valid YAML: {str(problem).splitlines()[0]}") from None
    trees = yamlsource.positions_of(body)
    between = _commented_lines(body)
    for index, document in enumerate(documents):
        _block(document)
        tree = trees[index] if index < len(trees) else None
        items = list(document) if isinstance(document, CommentedSeq) else [document]
        places = (tree.items or []) if tree is not None and tree.items is not None else [tree]
        for item, place in zip(items, places):
            if isinstance(item, CommentedMap) and not _comment_among_keys(place, between):
                _first(item)
    stream = io.StringIO()
    yaml.dump_all(documents, stream)
    out = head + "\n".join(line.rstrip() for line in stream.getvalue().splitlines()) + "\n"
    if _crlf(text):  # a file checked out with CRLF (git's core.autocrlf) keeps its line ends
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    _same(text, out)
    return out


def _crlf(text: str) -> bool:
    """Whether the file's lines end with CRLF, as its first line does."""
    end = text.find("\n")
    return end > 0 and text[end - 1] == "\r"


def _header(text: str) -> tuple[str, str]:
    """The comments above a file's first ``---``, kept as they are, and the rest."""
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "---" and number:
            return "".join(lines[:number + 1]).rstrip(" \t") , "".join(lines[number + 1:])
        if stripped and not stripped.startswith("#"):
            break
    return "", text


def _block(node: Any) -> None:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        if len(node):
            node.fa.set_block_style()
        for value in node.values() if isinstance(node, CommentedMap) else node:
            _block(value)


def _commented_lines(text: str) -> set[int]:
    """The 0-based lines that hold nothing but a comment."""
    lines = text.splitlines()
    return {line for line, column, _ in comment_lines(text)
            if line < len(lines) and not lines[line][:column].strip()}


def _comment_among_keys(place: Any, commented: set[int]) -> bool:
    """Whether a comment line stands between the first and last key of a document.

    Such a comment introduces the key after it, but is kept with the value
    before it: moving keys would move it away from what it says.
    """
    if place is None or not place.keys:
        return True
    lines = [line for line, _column, _child in place.keys.values()]
    return any(min(lines) < line < max(lines) for line in commented)


def _first(document: CommentedMap) -> None:
    """apiVersion, kind, metadata, spec first, the other keys after them as they were."""
    keys = list(document)
    wanted = [k for k in FIRST if k in document] + [k for k in keys if k not in FIRST]
    if keys != wanted:
        for key in wanted:
            document.move_to_end(key)


def _same(before: str, after: str) -> None:
    if _data(before) != _data(after):
        raise LayoutError("laid out, the file would say something else: left as it is")
    if [c for _, _, c in comment_lines(before)] != [c for _, _, c in comment_lines(after)]:
        raise LayoutError("laid out, the file would lose or move a comment: left as it is")


def _data(text: str) -> list[Any]:
    out = []
    for document in yamlsource.iter_documents(text):
        if isinstance(document, yamlsource.LoadError):
            raise LayoutError(f"line {document.line}: {document.message}")
        out.append(_normal(document.data))
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value
