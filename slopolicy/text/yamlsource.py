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
(4,300 digits) stops its document, and so does a decimal that written out in
full (``1e-99999999`` is a point and 99,999,999 digits) takes more: its exact
value would cost work without bound. Alias expansion is bounded per document
and per file.

Positions are not kept while loading. When a document has a problem,
:func:`locate` parses the text again in position mode and walks to the path.
"""
from __future__ import annotations

import decimal
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, Union

from msgspec import Struct, field
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
# at least one digit: ``0x_`` is text (int() would find no number in it)
_INT_OTHER = re.compile(r"^(?:0o_*[0-7][0-7_]*|0x_*[0-9a-fA-F][0-9a-fA-F_]*|0b_*[01][01_]*)$")
_FLOAT = re.compile(
    r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$"
)
_EXPONENT = re.compile(r"[eE]")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_WORDS: dict[str, Any] = {**_BOOL, **dict.fromkeys(_NULL)}  # plain scalars that are no text
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


class Issue(Struct, frozen=True):
    """A non-fatal problem found while loading (a duplicate key, a tag)."""

    kind: str  # "duplicate-key" | "tag"
    message: str
    line: int
    column: int
    related: tuple[tuple[int, int, str], ...] = ()


class LoadedDocument(Struct):
    """One YAML document of a stream, as plain data."""

    data: Any
    line: int  # 1-based line of the document's first node
    column: int
    issues: list[Issue] = field(default_factory=list)
    error: LoadError | None = None  # set when the document could not be built
    positions: Positions | None = None  # only in position mode


class Positions(Struct):
    """Where a node and its children stand in the text (0-based marks)."""

    line: int
    column: int
    keys: dict[Any, tuple[int, int, Positions]] | None = None  # key -> key mark, value
    items: list[Positions] | None = None


_PARSER = YAML(typ="safe", pure=False)  # the pure-Python parser where libyaml is missing
try:
    from ruamel.yaml.cyaml import CParser as _CParser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - ruamel.yaml without its C extension
    _CParser = None


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
                exact: decimal.Decimal | None = decimal.Decimal(text.replace("_", ""))
            except decimal.InvalidOperation:  # an exponent past what a decimal holds
                exact = None
            why = too_long_number(text, exact)
            if why is not None:
                raise ScalarError(f"{why}; it was not loaded")
            return exact
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


def _written_digits(text: str, number: decimal.Decimal) -> int:
    """How many digits the finite ``number`` (read from ``text``) takes written out in full,
    without an exponent (``1.5e-3`` is 0.0015, 4; ``2e3`` is 2000, 4), or as ``text``
    writes it when that is more: the size of its exact value."""
    written = sum(map(str.isdigit, _EXPONENT.split(text, 1)[0]))
    if written > MAX_INT_DIGITS:
        return written  # as_tuple() would build a tuple of every digit
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int), "a finite decimal"
    return max(written, max(number.adjusted() + 1, 0) + max(-exponent, 0))


def too_long_number(text: str, number: decimal.Decimal | None) -> str | None:
    """Why the decimal ``number``, read from ``text`` (None: its exponent is past what a
    decimal holds), is too long to work with exactly; None when it is not."""
    size = None if number is None else _written_digits(text, number) if number.is_finite() else 0
    if size is not None and size <= MAX_INT_DIGITS:
        return None
    shown = text if len(text) <= 40 else f"{text[:18]}...{text[-18:]}"
    return (f"the number {shown} is {f'{size:,}' if size else 'over 10**18'} digits written "
            f"out in full, too long: slopolicy reads numbers of at most {MAX_INT_DIGITS:,} digits "
            "(as integers)")


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
    """A mapping or sequence being built."""

    __slots__ = ("value", "is_map", "anchor", "key", "key_mark", "start", "line", "column",
                 "pos", "first")

    def __init__(self, is_map: bool, anchor: str | None, mark: Any, start: int,
                 positions: bool) -> None:
        self.value: Any = {} if is_map else []
        self.is_map = is_map
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        # the document's node count before this node: its size (itself, what it holds and
        # what aliases bring into it) is the count at its end minus this
        self.start = start
        self.line = mark.line
        self.column = mark.column
        self.first: dict[Any, Any] = {}  # key -> the mark where it was first written
        self.pos: Positions | None = None
        if positions:
            self.pos = (Positions(mark.line, mark.column, keys={}) if is_map
                        else Positions(mark.line, mark.column, items=[]))


_NO_KEY = object()
_DOCUMENT_EVENTS = (ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent,
                    ev.MappingEndEvent, ev.SequenceEndEvent, ev.AliasEvent, ev.DocumentEndEvent)
_EXACT = frozenset(_DOCUMENT_EVENTS)


def _kind(event: Any) -> type | None:
    """The event class ``event`` is one of (for a subclass), or None for another event."""
    return next((kind for kind in _DOCUMENT_EVENTS if isinstance(event, kind)), None)


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

    def build(self, get: Callable[[], Any]) -> bool:
        """Take the events of one document from ``get``, up to its end; False if the stream ended.

        One loop, with a mapping's scalar keys and values inline: they are most
        of the events of a document, and of the time spent loading one.
        """
        stack = self.stack
        positions = self.positions
        intern = sys.intern
        scalar, alias, document_end = ev.ScalarEvent, ev.AliasEvent, ev.DocumentEndEvent
        mapping_start, sequence_start = ev.MappingStartEvent, ev.SequenceStartEvent
        mapping_end, sequence_end = ev.MappingEndEvent, ev.SequenceEndEvent
        while True:
            event = get()
            kind: Any = type(event)
            if kind not in _EXACT:
                if event is None:
                    return False
                kind = _kind(event)
            if kind is scalar:
                mark = event.start_mark
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is _NO_KEY:
                    # A key is text as written: sorting and canonical JSON need keys of one type.
                    value = event.value
                    if event.ctag is not None:
                        issue = _scalar_tag_issue(str(event.ctag), mark)
                        if issue:
                            self.issues.append(issue)
                    if len(value) <= _INTERN_MAX:
                        value = intern(value)  # keys repeat across thousands of documents
                    self.nodes += 1
                    if self.nodes > MAX_NODES:
                        raise _too_many(mark)
                    if event.anchor:
                        self.anchors[event.anchor] = (
                            value, 1, Positions(mark.line, mark.column) if positions else None)
                    top.key = value
                    top.key_mark = mark
                    continue
                if event.ctag is not None:
                    value = self._scalar(event.value, event.ctag, event.implicit, mark)
                elif event.implicit[0]:
                    # resolve_plain, with its commonest outcomes inline: a null or a
                    # boolean, or text (not starting as a number can)
                    value = _WORDS.get(event.value, _NO_KEY)
                    if value is _NO_KEY:
                        value = event.value
                        if value[0].isdigit() or value[0] in "+-.":
                            try:
                                value = resolve_plain(value)
                            except ScalarError as exc:
                                raise LoadError(str(exc), mark.line + 1, mark.column + 1) from None
                else:
                    value = event.value
                if type(value) is str and len(value) <= _INTERN_MAX:
                    value = intern(value)  # so do names and values
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    raise _too_many(mark)
                pos = Positions(mark.line, mark.column) if positions else None
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1, pos)
                if top is None or not top.is_map:
                    self.add(value, mark.line, mark.column, pos)
                    continue
                key = top.key
                top.key = _NO_KEY
                container = top.value
                if key in container or key == "<<":
                    self._set(top, key, value, pos)  # a duplicate or a merge: rare
                    continue
                at = top.first[key] = top.key_mark
                container[key] = value
                if pos is not None:
                    top.pos.keys[key] = (at.line, at.column, pos)  # type: ignore[union-attr,index]
            elif kind is mapping_start or kind is sequence_start:
                mark = event.start_mark
                if len(stack) >= MAX_DEPTH:
                    raise LoadError(
                        f"nesting deeper than {MAX_DEPTH} levels; it was not loaded",
                        mark.line + 1,
                        mark.column + 1,
                    )
                if event.ctag is not None:
                    issue = _unsupported_tag(str(event.ctag), mark)
                    if issue:
                        self.issues.append(issue)
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    raise _too_many(mark)
                stack.append(_Frame(kind is mapping_start, event.anchor, mark,
                                    self.nodes - 1, positions))
            elif kind is mapping_end or kind is sequence_end:
                frame = stack.pop()
                if frame.anchor:
                    self.anchors[frame.anchor] = (frame.value, self.nodes - frame.start, frame.pos)
                top = stack[-1] if stack else None
                if top is not None and top.is_map:
                    key = top.key
                    if key is not _NO_KEY and key not in top.value and key != "<<":
                        # the value of a key written once (what _set does, inline)
                        top.key = _NO_KEY
                        at = top.first[key] = top.key_mark
                        top.value[key] = frame.value
                        if frame.pos is not None:
                            top.pos.keys[key] = (  # type: ignore[union-attr,index]
                                at.line, at.column, frame.pos)
                        continue
                self.add(frame.value, frame.line, frame.column, frame.pos)
            elif kind is alias:
                self._alias(event)
            elif kind is document_end:
                return True

    def add(self, value: Any, line: int, column: int, pos: Positions | None) -> None:
        """Place a node built at ``line``, ``column`` (0-based) in its parent, or make it the root."""
        if not self.stack:
            self.root = value
            self.root_pos = pos
            self.root_mark = (line + 1, column + 1)
            return
        top = self.stack[-1]
        container = top.value
        if not top.is_map:
            container.append(value)
            if top.pos is not None and top.pos.items is not None and pos is not None:
                top.pos.items.append(pos)
            return
        if top.key is _NO_KEY:
            top.key = self._key(value, line, column)
            top.key_mark = _Mark(line, column)
            return
        key = top.key
        top.key = _NO_KEY
        self._set(top, key, value, pos)

    def _alias(self, event: Any) -> None:
        mark = event.start_mark
        if event.anchor not in self.anchors:
            raise LoadError(f"undefined alias *{event.anchor}", mark.line + 1, mark.column + 1)
        value, size, pos = self.anchors[event.anchor]
        self.nodes += size
        if self.nodes > MAX_NODES:
            raise _too_many(mark)
        self.aliased[0] += size
        if self.aliased[0] > MAX_ALIASED:
            raise _StreamLimit(
                f"the file expands to more than {MAX_ALIASED:,} nodes through aliases "
                "(an alias bomb?); it was not loaded from this document on",
                mark.line + 1,
                mark.column + 1,
            )
        self.add(value, mark.line, mark.column, pos)

    def _key(self, value: Any, line: int, column: int) -> Any:
        if isinstance(value, (dict, list)):
            raise LoadError("a mapping key must be a scalar", line + 1, column + 1)
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
        first = top.first.get(key)
        if first is None:
            top.first[key] = mark
        elif key in container:
            self.issues.append(
                Issue(
                    "duplicate-key",
                    f'duplicate key "{key}" (first defined at line {first.line + 1}); '
                    "the later value wins: remove one of them",
                    mark.line + 1,
                    mark.column + 1,
                    ((first.line + 1, first.column + 1, f'first "{key}"'),),
                )
            )
        container[key] = value
        if top.pos is not None and top.pos.keys is not None and pos is not None:
            top.pos.keys[key] = (mark.line, mark.column, pos)

    def _scalar(self, text: str, ctag: Any, implicit: Any, mark: Any) -> Any:
        """A value scalar, resolved by its tag or by the core schema."""
        try:
            if ctag is None:
                return resolve_plain(text) if implicit[0] else text
            value, issue = _tagged_scalar(str(ctag), text, mark)
        except ScalarError as exc:
            raise LoadError(str(exc), mark.line + 1, mark.column + 1) from None
        if issue:
            self.issues.append(issue)
        return value


def _too_many(mark: Any) -> LoadError:
    return LoadError(
        f"document expands to more than {MAX_NODES:,} nodes through aliases "
        "(an alias bomb?); it was not loaded",
        mark.line + 1,
        mark.column + 1,
    )


class _Mark(Struct, frozen=True):
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
    get = _events(text)
    aliased = [0]  # one alias budget for the whole file: a bomb per document adds up
    try:
        while True:
            event = get()
            if event is None:
                return
            if not isinstance(event, ev.DocumentStartEvent):
                continue
            start = (event.start_mark.line + 1, event.start_mark.column + 1)
            builder = _Builder(positions, aliased)
            try:
                if not builder.build(get):
                    return
            except _StreamLimit as exc:
                yield LoadError(exc.message, exc.line, exc.column)
                return
            except LoadError as exc:
                if not _skip_document(get):
                    return
                yield LoadedDocument(None, start[0], start[1], builder.issues, exc)
                continue
            line, column = builder.root_mark
            yield LoadedDocument(builder.root, line, column, builder.issues, None,
                                 builder.root_pos)
    except YAMLError as exc:
        line, column = _error_position(exc, text)
        message = _error_message(exc)
        lines = text.splitlines()
        if 0 < line <= len(lines) and lines[line - 1][column - 1:column] == "\t":
            message += " (a tab: YAML indents with spaces)"
        yield LoadError(message, line, column)


def _events(text: str) -> Callable[[], Any]:
    """The next parser event of ``text`` at each call; None once the stream has ended.

    libyaml's parser, read directly: the ``YAML`` object's own ``parse`` sets up
    a loader class and a resolver for each stream, which events do not need.
    """
    if _CParser is not None:
        parser = _CParser(text)
        return parser.get_event  # type: ignore[no-any-return]
    events = iter(_PARSER.parse(text))
    return lambda: next(events, None)


def _skip_document(get: Callable[[], Any]) -> bool:
    """Pass over the rest of a document that failed; False if the stream ended first."""
    while True:
        event = get()
        if event is None:
            return False
        if isinstance(event, ev.DocumentEndEvent):
            return True


def document_lines(text: str) -> list[tuple[int, bool]]:
    """Where each document of ``text`` starts, and whether a ``...`` ends it.

    A start is the 0-based line of the document's directives or ``---`` (the
    first document starts at line 0, with the comments above it), so the
    lines from one start to the next are that document's text. Raises
    YAMLError where the stream does not parse.
    """
    found: list[tuple[int, bool]] = []
    get = _events(text)
    while (event := get()) is not None:
        if isinstance(event, ev.DocumentStartEvent):
            found.append((event.start_mark.line if found else 0, False))
        elif isinstance(event, ev.DocumentEndEvent) and found:
            found[-1] = (found[-1][0], bool(event.explicit))
    return found


def plain_scalar(text: str) -> Any:
    """An untagged plain value scalar as the builder makes it (resolved, short text interned);
    raises :class:`ScalarError` as :func:`resolve_plain` does."""
    value = _WORDS.get(text, _NO_KEY)
    if value is _NO_KEY:
        value = text
        if text and (text[0].isdigit() or text[0] in "+-."):
            value = resolve_plain(text)
    if type(value) is str and len(value) <= _INTERN_MAX:
        value = sys.intern(value)
    return value


# A value line as :func:`value_lines` finds it: (document, path to the value, its column)
ValueLine = tuple[int, Path, int]


def value_lines(text: str) -> dict[int, ValueLine | None] | None:
    """The lines (0-based) of ``text`` that hold one whole mapping entry of block style whose
    value is a plain scalar written on that line alone (``  key: value``): where in which
    document (its place in the stream) that value is. A line with more than one such entry
    maps to None.

    None when the text is outside what a value changed on its own line can be read in
    place of: anchors or aliases (a value may stand in several places), tags, duplicate or
    merge keys (a written value may not be the one loaded), keys that are no plain text,
    or a syntax error.
    """
    get = _events(text)
    found: dict[int, ValueLine | None] = {}
    # per open collection: [is a mapping, its path, the key waiting for its value, the
    # line of that key, keys seen, items seen, inside flow style]
    stack: list[list[Any]] = []
    document = -1
    try:
        while True:
            event = get()
            if event is None:
                return found
            kind = type(event)
            if kind is ev.DocumentStartEvent:
                document += 1
                continue
            if kind is ev.AliasEvent or getattr(event, "anchor", None) \
                    or getattr(event, "ctag", None) is not None:
                return None
            if kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                stack.pop()
                continue
            if kind is not ev.ScalarEvent and kind is not ev.MappingStartEvent \
                    and kind is not ev.SequenceStartEvent:
                continue
            top = stack[-1] if stack else None
            path: Path = ()
            if top is not None and top[0] and top[2] is _NO_KEY:  # a key
                if kind is not ev.ScalarEvent or event.value in top[4] or event.value == "<<":
                    return None
                top[4].add(event.value)
                top[2], top[3] = event.value, event.start_mark.line
                continue
            if top is not None:
                if top[0]:
                    path, top[2] = (*top[1], top[2]), _NO_KEY
                else:
                    path = (*top[1], top[5])
                    top[5] += 1
            if kind is not ev.ScalarEvent:
                flow = bool(event.flow_style) or (top is not None and top[6])
                stack.append([kind is ev.MappingStartEvent, path, _NO_KEY, -1, set(), 0, flow])
                continue
            start, end = event.start_mark, event.end_mark
            if (top is not None and top[0] and not top[6] and not event.style
                    and event.implicit[0] and start.line == end.line == top[3]):
                line = start.line
                found[line] = None if line in found else (document, path, start.column)
    except YAMLError:
        return None


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
