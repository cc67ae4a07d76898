"""Where the cursor is: the document and the path under a position, and the span of a value.

Positions here are 0-based lines and columns counted in characters (code
points); the server converts them to the client's encoding. YAML positions
come from :func:`slopolicy.text.yamlsource.positions_of`, which marks where
each node starts; a node ends where the next one at its level starts, so the
cursor belongs to the last key (or item) that starts before it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from msgspec import Struct

from slopolicy.model.documents import Document, SourceFile
from slopolicy.text.yamlsource import Path, Positions, contains, locate, locate_key, positions_of


class Span(Struct, frozen=True):
    """A range on one line of a file: ``file`` relative to the repository root."""

    file: str
    line: int  # 0-based
    start: int  # 0-based columns, in characters
    end: int


class At(Struct, frozen=True):
    """The document under the cursor and the path inside it."""

    document: Document
    path: Path
    on_key: bool  # on the key that ends ``path``, not on its value
    tree: Positions | None  # the positions of the document's YAML stream entry


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def node_at(source: SourceFile, text: str, line: int, column: int) -> At | None:
    """The document of ``source`` at (line, column) of ``text``, and the path to the cursor."""
    trees = positions_of(text)
    cursor = (line, column)
    index = None
    for position, tree in enumerate(trees):
        if tree is not None and (tree.line, tree.column) <= cursor:
            index = position
    if index is None:
        index = 0 if trees else None
    if index is None:
        return None
    tree = trees[index]
    path, on_key = _path(tree, cursor) if tree is not None else ((), False)
    for doc in source.documents:
        if doc.index != index:
            continue
        if doc.item is None:
            return At(doc, path, on_key, tree)
        if path and path[0] == doc.item:
            return At(doc, path[1:], on_key, tree)
    return None


def _path(tree: Positions, cursor: tuple[int, int]) -> tuple[Path, bool]:
    path: list[str | int] = []
    node = tree
    while True:
        if node.keys:
            chosen = None
            for key, (key_line, key_column, child) in node.keys.items():
                if (key_line, key_column) <= cursor and (
                        chosen is None or (key_line, key_column) > chosen[0]):
                    chosen = ((key_line, key_column), key, child)
            if chosen is None:
                break
            _, key, child = chosen
            path.append(key)
            if cursor < (child.line, child.column):
                return tuple(path), True
            node = child
        elif node.items:
            picked = None
            for number, item in enumerate(node.items):
                if (item.line, item.column) <= cursor:
                    picked = number
            if picked is None:
                break
            path.append(picked)
            node = node.items[picked]
        else:
            break
    return tuple(path), False


def value_at(tree: Positions | None, path: Path) -> tuple[int, int] | None:
    """0-based start of the node at ``path`` of ``tree``, when it is written."""
    if not contains(tree, path):
        return None
    line, column = locate(tree, path)
    return line - 1, column - 1


def key_at(tree: Positions | None, path: Path) -> tuple[int, int] | None:
    """0-based start of the key that ends ``path``, when it is written (not a list item)."""
    if not path or isinstance(path[-1], int) or not contains(tree, path):
        return None
    line, column = locate_key(tree, path)
    return line - 1, column - 1


def token_end(line: str, start: int) -> int:
    """Where the scalar (or key) that starts at ``start`` of ``line`` ends."""
    if start >= len(line):
        return start
    quote = line[start]
    if quote in "'\"":
        at = start + 1
        while at < len(line):
            if quote == '"' and line[at] == "\\":
                at += 2
                continue
            if line[at] == quote:
                if quote == "'" and line[at + 1:at + 2] == "'":
                    at += 2
                    continue
                return at + 1
            at += 1
        return len(line)
    flow = "{" in line[:start] or "[" in line[:start]
    stops = re.compile(r": | #|:$" + (r"|[,\]}]" if flow else ""))
    found = stops.search(line, start)
    end = found.start() if found is not None else len(line)
    return len(line[start:end].rstrip()) + start


def span_of(file: str, lines: Sequence[str], line: int, column: int) -> Span:
    """The token at (line, column), at least one character where the line has one."""
    if line >= len(lines):
        return Span(file, max(0, len(lines) - 1), 0, 0)
    text = lines[line]
    column = min(column, len(text))
    end = token_end(text, column)
    if end == column and column < len(text):
        end = column + 1
    return Span(file, line, column, end)


def indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
