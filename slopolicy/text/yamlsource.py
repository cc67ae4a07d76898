"""YAML (and JSON) text to plain data, with positions on demand.

Documents are built from the parser's event stream (libyaml through
ruamel.yaml's C extension where available) by a small iterative builder, so
that hostile input is bounded: nesting depth and alias expansion are counted
as the events arrive, tags are never constructed, and a 20,000-level nested
file costs no Python recursion.

Data model: mappings are ``dict``, sequences ``list``, YAML integers ``int``,
YAML floats ``decimal.Decimal`` (the exact source text, so 99.95 stays
99.95), timestamps ``str`` (their source text), booleans ``bool``, nulls
``None``. Mapping keys are text, as written (as in JSON, so ``1`` and ``'1'``
are one key, a duplicate). An integer longer than Python converts to text
(4,300 digits) stops its document, and alias expansion is bounded per
document and per file.

Positions are not kept while loading. When a document has a problem,
:func:`locate` parses the text again in position mode and walks to the path.
"""
from __future__ import annotations

import decimal
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

import ruamel.yaml.main
from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.error import MarkedYAMLError, YAMLError

MAX_DEPTH = 256
MAX_NODES = 250_000  # per document, counting every alias expansion
MAX_ALIASED = 250_000  # per file: nodes brought in by aliases, over all its documents
MAX_INT_DIGITS = 4_300  # what Python converts between int and text (sys.get_int_max_str_digits)
_MAX_INT_BITS = 14_284  # below 2**14284 an integer has at most 4,300 digits
_INTERN_MAX = 64

PathPart = Union[str, int]
Path = tuple[PathPart, ...]

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_INT_OTHER = re.compile(r"^(?:0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$")
_FLOAT = re.compile(
    r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$"
)
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?$")

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp"}


class LoadError(Exception):
    """A problem that stops a document (or the whole stream) from loading."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class _StreamLimit(LoadError):
    """A limit of the whole file (its alias budget): the rest of the file is not loaded."""


class ScalarError(ValueError):
    """A scalar that cannot be read as its YAML type (an integer too long to convert)."""


@dataclass(frozen=True)
class Issue:
    """A non-fatal problem found while loading (a duplicate key, a tag)."""

    kind: str  # "duplicate-key" | "tag"
    message: str
    line: int
    column: int
    related: tuple[tuple[int, int, str], ...] = ()


@dataclass
class LoadedDocument:
    """One YAML document of a stream, as plain data."""

    data: Any
    line: int  # 1-based line of the document's first node
    column: int
    issues: list[Issue] = field(default_factory=list)
    error: LoadError | None = None  # set when the document could not be built
    positions: Positions | None = None  # only in position mode


@dataclass
class Positions:
    """Where a node and its children stand in the text (0-based marks)."""

    line: int
    column: int
    keys: dict[Any, tuple[int, int, Positions]] | None = None  # key -> key mark, value
    items: list[Positions] | None = None


_PARSER = YAML(typ="safe", pure=False)


class _Events(_PARSER.Parser, _PARSER.Constructor, _PARSER.Resolver):  # type: ignore[misc,name-defined]
    """ruamel's C parser as ``YAML.parse`` sets it up, with its class made once: ``parse``
    makes a class per call (cyclic garbage, and a record per call kept on the YAML object)."""

    def __init__(self, text: str) -> None:
        _PARSER.Parser.__init__(self, text)
        self._parser = self._composer = self
        _PARSER.Constructor.__init__(self, loader=self)
        self.allow_duplicate_keys = _PARSER.allow_duplicate_keys
        _PARSER.Resolver.__init__(self, version=_PARSER.version, loadumper=self)


# Without the C parser (not CPython) ruamel parses in Python, set up another way.
_C_PARSER = _PARSER.Parser is getattr(ruamel.yaml.main, "CParser", None) is not None


def _parse(text: str) -> Iterator[Any]:
    """The events of ``text``, as ``_PARSER.parse(text)`` yields them."""
    if not _C_PARSER:
        yield from _PARSER.parse(text)
        return
    parser = _Events(text)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()
        parser.__dict__.clear()  # it refers to itself: no cycle left for the collector


def resolve_plain(text: str) -> Any:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(text):
            digits = len(text) - (first in "+-") - text.count("_")
            if digits > MAX_INT_DIGITS:
                raise ScalarError(_too_long(f"{digits:,} digits"))
            return int(text.replace("_", ""))
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            try:
                return decimal.Decimal(text.replace("_", ""))
            except decimal.InvalidOperation:
                return text
        if _INF.match(text):
            return float("-inf") if text.startswith("-") else float("inf")
        if _NAN.match(text):
            return float("nan")
        if _INT_OTHER.match(text):
            number = int(text.replace("_", ""), 0)
            if number.bit_length() > _MAX_INT_BITS:
                raise ScalarError(_too_long(f"{number.bit_length():,} bits"))
            return number
    return text


def _too_long(size: str) -> str:
    return (f"an integer of {size} is too long: slopolicy reads integers of at most "
            f"{MAX_INT_DIGITS:,} digits; it was not loaded")


def _tagged_scalar(tag: str, text: str, mark: Any) -> tuple[Any, Issue | None]:
    """Build a scalar with an explicit tag; standard tags only, never objects."""
    issue = _scalar_tag_issue(tag, mark)
    if issue is not None or tag == "!" or tag == _STD + "str":
        return text, issue
    return resolve_plain(text), None


def _scalar_tag_issue(tag: str, mark: Any) -> Issue | None:
    if tag == "!" or tag.startswith(_STD) and tag[len(_STD):] in _SCALAR_TAGS:
        return None
    return Issue(
        "tag",
        f"tag {_show_tag(tag)} is not supported; slopolicy never constructs tagged objects, "
        "so the value is read as plain text",
        mark.line + 1,
        mark.column + 1,
    )


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


def _unsupported_tag(tag: str | None, mark: Any) -> Issue | None:
    if tag is None or tag == "!" or tag in (_STD + "map", _STD + "seq"):
        return None
    return Issue(
        "tag",
        f"tag {_show_tag(tag)} is not supported; slopolicy never constructs tagged objects, "
        "so the value is read as plain data",
        mark.line + 1,
        mark.column + 1,
    )


class _Frame:
    __slots__ = ("value", "anchor", "key", "key_mark", "size", "pos", "line", "column", "first")

    def __init__(self, value: Any, anchor: str | None, mark: Any, positions: bool) -> None:
        self.value = value
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.size = 1
        self.line = mark.line
        self.column = mark.column
        self.pos: Positions | None = None
        self.first: dict[Any, tuple[int, int]] = {}
        if positions:
            if isinstance(value, dict):
                self.pos = Positions(mark.line, mark.column, keys={})
            else:
                self.pos = Positions(mark.line, mark.column, items=[])


_NO_KEY = object()


class _Builder:
    """Turns one document's events into data; iterative, bounded."""

    def __init__(self, positions: bool, aliased: list[int]) -> None:
        self.positions = positions
        self.aliased = aliased  # nodes aliases brought into the file so far, shared by its documents
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, Positions | None]] = {}
        self.issues: list[Issue] = []
        self.nodes = 0
        self.root: Any = None
        self.root_pos: Positions | None = None
        self.root_mark: tuple[int, int] = (0, 0)

    def _count(self, size: int, mark: Any) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            raise LoadError(
                f"document expands to more than {MAX_NODES:,} nodes through aliases "
                "(an alias bomb?); it was not loaded",
                mark.line + 1,
                mark.column + 1,
            )

    def add(self, value: Any, size: int, mark: Any, pos: Positions | None) -> None:
        if not self.stack:
            self.root = value
            self.root_pos = pos
            self.root_mark = (mark.line + 1, mark.column + 1)
            return
        top = self.stack[-1]
        top.size += size
        container = top.value
        if isinstance(container, list):
            container.append(value)
            if top.pos is not None and top.pos.items is not None and pos is not None:
                top.pos.items.append(pos)
            return
        if top.key is _NO_KEY:
            top.key = self._key(value, mark)
            top.key_mark = mark
            return
        self._set(top, top.key, value, pos)
        top.key = _NO_KEY

    def _key(self, value: Any, mark: Any) -> Any:
        if isinstance(value, (dict, list)):
            raise LoadError("a mapping key must be a scalar", mark.line + 1, mark.column + 1)
        if type(value) is str:
            return value
        # an alias of a scalar: text, as a written key is
        if isinstance(value, bool) or value is None:
            return "true" if value is True else "false" if value is False else "null"
        return str(value)

    def _set(self, top: _Frame, key: Any, value: Any, pos: Positions | None) -> None:
        container = top.value
        mark = top.key_mark
        if key == "<<" and isinstance(value, (dict, list)):
            merged = [value] if isinstance(value, dict) else value
            for source in merged:
                if isinstance(source, dict):
                    for k, v in source.items():
                        container.setdefault(k, v)
            return
        if key in container and key in top.first:
            first_line, first_col = top.first[key]
            self.issues.append(
                Issue(
                    "duplicate-key",
                    f'duplicate key "{key}" (first defined at line {first_line}); '
                    "the later value wins: remove one of them",
                    mark.line + 1,
                    mark.column + 1,
                    ((first_line, first_col, f'first "{key}"'),),
                )
            )
        top.first.setdefault(key, (mark.line + 1, mark.column + 1))
        container[key] = value
        if top.pos is not None and top.pos.keys is not None and pos is not None:
            top.pos.keys[key] = (mark.line, mark.column, pos)

    def feed(self, event: Any) -> None:
        mark = event.start_mark
        if isinstance(event, ev.ScalarEvent):
            top = self.stack[-1] if self.stack else None
            if top is not None and top.key is _NO_KEY and type(top.value) is dict:
                # A key is text as written: sorting and canonical JSON need keys of one type.
                value = event.value
                tag = event.tag
                issue = _scalar_tag_issue(tag, mark) if tag is not None else None
                if issue:
                    self.issues.append(issue)
            else:
                value = self._scalar(event, mark)
            if type(value) is str and len(value) <= _INTERN_MAX:
                # keys and names repeat across thousands of documents: share them
                value = sys.intern(value)
            pos = Positions(mark.line, mark.column) if self.positions else None
            self._count(1, mark)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1, pos)
            self.add(value, 1, mark, pos)
        elif isinstance(event, (ev.MappingStartEvent, ev.SequenceStartEvent)):
            if len(self.stack) >= MAX_DEPTH:
                raise LoadError(
                    f"nesting deeper than {MAX_DEPTH} levels; it was not loaded",
                    mark.line + 1,
                    mark.column + 1,
                )
            issue = _unsupported_tag(event.tag, mark)
            if issue:
                self.issues.append(issue)
            self._count(1, mark)
            container: Any = {} if isinstance(event, ev.MappingStartEvent) else []
            self.stack.append(_Frame(container, event.anchor, mark, self.positions))
        elif isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
            frame = self.stack.pop()
            if frame.anchor:
                self.anchors[frame.anchor] = (frame.value, frame.size, frame.pos)
            self.add(frame.value, frame.size, _Mark(frame.line, frame.column), frame.pos)
        elif isinstance(event, ev.AliasEvent):
            if event.anchor not in self.anchors:
                raise LoadError(
                    f"undefined alias *{event.anchor}", mark.line + 1, mark.column + 1
                )
            value, size, pos = self.anchors[event.anchor]
            self._count(size, mark)
            self.aliased[0] += size
            if self.aliased[0] > MAX_ALIASED:
                raise _StreamLimit(
                    f"the file expands to more than {MAX_ALIASED:,} nodes through aliases "
                    "(an alias bomb?); it was not loaded from this document on",
                    mark.line + 1,
                    mark.column + 1,
                )
            self.add(value, size, mark, pos)

    def _scalar(self, event: Any, mark: Any) -> Any:
        """A value scalar, resolved by its tag or by the core schema."""
        tag = event.tag
        try:
            if tag is None:
                return resolve_plain(event.value) if event.implicit[0] else event.value
            value, issue = _tagged_scalar(tag, event.value, mark)
        except ScalarError as exc:
            raise LoadError(str(exc), mark.line + 1, mark.column + 1) from None
        if issue:
            self.issues.append(issue)
        return value


@dataclass(frozen=True)
class _Mark:
    line: int
    column: int


def _error_position(exc: YAMLError, text: str) -> tuple[int, int]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1, mark.column + 1
    position = getattr(exc, "position", None)  # a reader error: a character offset
    if isinstance(position, int):
        before = text[:position]
        return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    return 1, 1


def _error_message(exc: YAMLError) -> str:
    if isinstance(exc, MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        if parts:
            return "; ".join(parts)
    text = str(exc).splitlines()
    return text[0] if text else type(exc).__name__


def iter_documents(text: str, positions: bool = False) -> Iterator[LoadedDocument | LoadError]:
    """Yield each document of ``text``; a stream-level error ends the stream.

    A document that is built but breaks a limit (depth, aliases) comes back
    as a ``LoadedDocument`` with ``error`` set, and the stream goes on.
    """
    builder: _Builder | None = None
    failed: LoadError | None = None
    start = (1, 1)
    aliased = [0]  # one alias budget for the whole file: a bomb per document adds up
    try:
        for event in _parse(text):
            if isinstance(event, ev.DocumentStartEvent):
                builder = _Builder(positions, aliased)
                failed = None
                start = (event.start_mark.line + 1, event.start_mark.column + 1)
            elif isinstance(event, ev.DocumentEndEvent):
                if builder is not None:
                    if failed is not None:
                        yield LoadedDocument(None, start[0], start[1], builder.issues, failed)
                    else:
                        line, column = builder.root_mark
                        yield LoadedDocument(
                            builder.root, line, column, builder.issues, None, builder.root_pos
                        )
                builder = None
            elif builder is not None and failed is None:
                try:
                    builder.feed(event)
                except _StreamLimit as exc:
                    yield LoadError(exc.message, exc.line, exc.column)
                    return
                except LoadError as exc:
                    failed = exc
    except YAMLError as exc:
        line, column = _error_position(exc, text)
        message = _error_message(exc)
        lines = text.splitlines()
        if 0 < line <= len(lines) and lines[line - 1][column - 1:column] == "\t":
            message += " (a tab: YAML indents with spaces)"
        yield LoadError(message, line, column)


def positions_of(text: str) -> list[Positions | None]:
    """The position tree of every document of ``text``, in stream order."""
    trees: list[Positions | None] = []
    for doc in iter_documents(text, positions=True):
        if isinstance(doc, LoadError):
            break
        trees.append(doc.positions)
    return trees


def locate(tree: Positions | None, path: Path) -> tuple[int, int]:
    """1-based (line, column) of the deepest node of ``path`` present in ``tree``.

    A missing key points at its parent mapping.
    """
    if tree is None:
        return 1, 1
    node = tree
    for part in path:
        child = _child(node, part)
        if child is None:
            break
        node = child[2]
    return node.line + 1, node.column + 1


def contains(tree: Positions | None, path: Path) -> bool:
    """Whether every part of ``path`` is written in ``tree``."""
    node = tree
    for part in path:
        child = _child(node, part) if node is not None else None
        if child is None:
            return False
        node = child[2]
    return node is not None


def locate_key(tree: Positions | None, path: Path) -> tuple[int, int]:
    """1-based (line, column) of the key that ends ``path`` (for unknown keys)."""
    if tree is None or not path:
        return locate(tree, path)
    parent = tree
    for part in path[:-1]:
        child = _child(parent, part)
        if child is None:
            return parent.line + 1, parent.column + 1
        parent = child[2]
    found = _child(parent, path[-1])
    if found is None:
        return parent.line + 1, parent.column + 1
    return found[0] + 1, found[1] + 1


def _child(node: Positions, part: PathPart) -> tuple[int, int, Positions] | None:
    if node.keys is not None:
        return node.keys.get(part)
    if node.items is not None and isinstance(part, int) and 0 <= part < len(node.items):
        item = node.items[part]
        return item.line, item.column, item
    return None
