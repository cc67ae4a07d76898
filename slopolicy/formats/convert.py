"""Text of another format's SLOs to OpenSLO v1 text, with its comments and notes.

The documents are read with ruamel.yaml's round-trip loader, so values keep
their style (``99.90``, block text) and key order; each is mapped
(:mod:`slopolicy.formats`) and written as OpenSLO v1: an SLO with its SLI as
a separate document named by ``indicatorRef``, and a Service where the
original names one. Comments follow the parts they were written beside,
through the same paths that place a mapped document's findings in the
original: a comment on its own lines goes before what it preceded, one at a
line's end to the end of that line. What OpenSLO v1 cannot say, and what the
original left unsaid, comes back as notes at their place in the original.
Documents already in OpenSLO v1 or slopolicy/v1 are kept as they are.

Given a ``validate`` (the command passes the schema check that ``slopolicy
check`` runs: this package reads no schema), each converted document's
written text is read back and checked, and every error comes back at the
place in the original its value came from, or at the object that lacks it.
A converted document that breaks OpenSLO v1 is written all the same: the
original lacks what v1 requires (a v2alpha SLO may name no service), and the
user, told what to add, completes it.
"""
from __future__ import annotations

import io
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from msgspec import Struct, field
from ruamel.yaml import YAML

from slopolicy.formats import NAMES, READERS
from slopolicy.formats.common import Lack, Mapped
from slopolicy.model.kinds import NATIVE, declared
from slopolicy.model.problems import format_path
from slopolicy.text import yamlsource
from slopolicy.text.comments import comment_lines
from slopolicy.text.roundtrip import roundtrip as text_roundtrip
from slopolicy.text.yamlsource import Path, Positions

TARGETS = ("openslo/v1",)

# The schema errors of one written document's text, as a reader loads it back:
# (path in the document, whether it points at a key, message).
Validate = Callable[[str], Sequence[tuple[Path, bool, str]]]


class Note(Struct, frozen=True):
    """Something to tell about the conversion, at its place in the original (1-based)."""

    line: int
    column: int
    message: str
    severity: str = "note"  # "error": what was written is not valid OpenSLO v1 there


class Converted(Struct):
    """One file's OpenSLO v1 text (empty when nothing converted) and its notes."""

    text: str
    notes: list[Note] = field(default_factory=list)
    converted: int = 0  # documents of another format, converted
    kept: int = 0  # documents already in OpenSLO v1 or slopolicy/v1
    refused: int = 0  # objects of no format slopolicy reads
    relaid: int = 0  # objects kept from a YAML list, which a rewrite would lay out anew

    @property
    def errors(self) -> int:
        """Schema errors of the written documents (each at its place in the original)."""
        return sum(note.severity == "error" for note in self.notes)


class _Out(Struct):
    """One output document: its data, the comments to place in it, where it came from."""

    data: Any
    mapped: Mapped | None  # None: a document kept as it was
    index: int  # the YAML document of the original
    item: int | None
    tree: Positions | None = None  # the original YAML document's positions
    before: dict[Path, list[str]] = field(default_factory=dict)
    after: dict[Path, str] = field(default_factory=dict)


def roundtrip() -> YAML:
    yaml = text_roundtrip()
    yaml.representer.add_representer(Decimal, _decimal)
    return yaml


def _decimal(representer: Any, value: Decimal) -> Any:
    """A number as written (Pyrra's ``"99.50"`` becomes ``99.50``; ``"90"`` becomes ``90``)."""
    if value == value.to_integral_value() and "." not in str(value):
        return representer.represent_int(int(value))
    return representer.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


class NotInPlace(Exception):
    """A file whose rewrite would not read back as its kept documents and their conversions."""


def convert(text: str, services: set[str] | None = None,
            validate: Validate | None = None, in_place: bool = False) -> Converted:
    """``text`` (a file's content, already known to load) as OpenSLO v1.

    ``services``: the Service names written so far in this run, so each is
    written once. ``validate``: the schema errors of a written document's
    text; each becomes an error note at its place in the original.

    The text is the converted documents and those already in OpenSLO v1 or
    slopolicy/v1; with ``in_place``, the whole file, each converted document
    replaced by its conversion where it stood and every other document kept
    as it is, byte for byte (:func:`_in_place`).
    """
    services = set() if services is None else services
    if in_place:
        return _in_place(text, services, validate)
    return _converted(text, services, validate, keep=False)


def _converted(text: str, services: set[str], validate: Validate | None,
               keep: bool) -> Converted:
    """The converted documents of ``text``; with ``keep``, the objects of no format slopolicy
    converts too (a Deployment in a list beside a Sloth SLO), written as they were read."""
    yaml = roundtrip()
    result = Converted("")
    trees = yamlsource.positions_of(text)
    outs: list[_Out] = []
    for index, document in enumerate(yaml.load_all(text)):
        tree = trees[index] if index < len(trees) else None
        objects = list(enumerate(document)) if isinstance(document, list) else [(None, document)]
        for item, data in objects:
            outs.extend(_objects(result, data, index, item, tree, services, keep))
    # written as the YAML 1.2 that OpenSLO is, without a %YAML 1.1 of the original before
    # each document (after one with no `...` it reads as an empty document)
    yaml.version = None
    _place_comments(text, outs, trees)
    written = [_dump(yaml, out) for out in outs]
    for out, document in zip(outs, written):
        if out.mapped is not None:  # a document kept as it was is `slopolicy check`'s to judge
            result.notes.extend(_checked(out, document, validate))
    result.text = "---\n".join(written)
    result.notes.sort(key=lambda note: (note.line, note.column))
    return result


def _in_place(text: str, services: set[str], validate: Validate | None) -> Converted:
    """The file ``text`` with each converted document replaced, where it stood, by its
    conversion; every other document (a Deployment, a ConfigMap, one already in OpenSLO v1,
    one that does not convert) is kept byte for byte, with its comments.

    Each document is converted from its own text (its directives, its ``---``, the
    comments up to the next one), so no comment of a kept document is carried into a
    conversion. NotInPlace when the result would not read back as the documents kept
    and the conversions written.
    """
    result = Converted("")
    lines = text.splitlines(keepends=True)
    starts = yamlsource.document_lines(text)
    eol = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    pieces: list[str] = []
    for number, (start, ended) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        original = "".join(lines[start:end])
        part = _converted(original, services, validate, keep=True)
        result.notes.extend(Note(note.line + start, note.column, note.message, note.severity)
                            for note in part.notes)
        result.converted += part.converted
        result.kept += part.kept
        result.refused += part.refused
        if not part.converted:
            pieces.append(original)
            continue
        if part.relaid:
            raise NotInPlace(
                f"a YAML list of objects holds {part.relaid} that slopolicy does not convert; "
                "rewritten, they would be laid out anew, not kept byte for byte: write the "
                "conversions with --output, or give the SLOs documents of their own")
        written = part.text if eol == "\n" else part.text.replace("\n", eol)
        # a ---  where one began the original; a ... where one ended it (a %YAML may follow)
        pieces.append(("---" + eol if number else "") + written + ("..." + eol if ended else ""))
    result.text = "".join(pieces)
    if result.converted:
        _reads_back(result.text, pieces)
    return result


def _reads_back(text: str, pieces: list[str]) -> None:
    """NotInPlace unless ``text`` reads as its ``pieces`` read one by one."""
    def data(part: str) -> list[Any]:
        found = []
        for document in yamlsource.iter_documents(part):
            error = document if isinstance(document, yamlsource.LoadError) else document.error
            if error is not None:
                raise NotInPlace(f"the rewritten file does not read back: {error.message}")
            assert isinstance(document, yamlsource.LoadedDocument)
            found.append(document.data)
        return found

    if data(text) != [document for piece in pieces for document in data(piece)]:
        raise NotInPlace("the rewritten file does not read back as the documents it keeps "
                         "and their conversions")


def _objects(result: Converted, data: Any, index: int, item: int | None,
             tree: Positions | None, services: set[str], keep: bool) -> Iterator[_Out]:
    prefix: Path = () if item is None else (item,)
    if not isinstance(data, Mapping):
        return  # an empty document, or a list of scalars: nothing to convert
    api, kind = declared(data)

    def note(path: Path, message: str) -> None:
        result.notes.append(Note(*_place(tree, prefix + path, True), message))

    def refuse(message: str) -> Iterator[_Out]:
        result.refused += 1
        note((), f"not converted: {message}; "
                 f"{'kept as it is' if keep else 'left out of the output'}")
        if keep:
            result.relaid += item is not None
            yield _Out(data, None, index, item)

    if api in NATIVE:
        result.kept += 1
        result.relaid += keep and item is not None
        yield _Out(data, None, index, item)
        return
    reader = READERS.get((api, kind)) if isinstance(api, str) and isinstance(kind, str) else None
    if reader is None:
        what = (f"kind {kind!r} of {api}" if isinstance(api, str) and api in NAMES
                else f"apiVersion {api!r}")
        yield from refuse(f"{what} is not a format slopolicy reads")
        return
    objects = reader(data)
    if not objects:  # no name to give it (a Sloth service of "", a Pyrra SLO without a name)
        yield from refuse(f"this {api} {kind} names no SLO that slopolicy can read "
                          "(`slopolicy check` says why)")
        return
    if keep and any(mapped.left_out for mapped in objects):
        # rewritten without the SLO it could not read, the file would lose it
        for mapped in objects:
            for path, message in mapped.notes:
                if path in mapped.left_out:
                    note(path, message)
        yield from refuse(f"this {api} {kind} holds an SLO that does not convert, so none of "
                          "its SLOs is")
        return
    result.converted += 1
    for mapped in objects:
        for path, message in mapped.notes:
            note(path, message)
        for path, assumption in mapped.assumptions:
            note(path, f"written out: {assumption}")
        if mapped.kind == "Service":
            if mapped.name in services:
                continue
            services.add(mapped.name)
        yield from _split(mapped, index, item, tree)


def _place(tree: Positions | None, at: Path, key: bool) -> tuple[int, int]:
    """1-based line and column of ``at`` in the original: its key, or its value."""
    if key and at and isinstance(at[-1], str):
        return yamlsource.locate_key(tree, at)
    return yamlsource.locate(tree, at)


def _checked(out: _Out, text: str, validate: Validate | None) -> Iterator[Note]:
    """The notes of what ``out`` lacks, and an error for each schema error of its ``text``.

    A lack's note already says what to add, so it stands for the schema error
    that names its key there (it becomes an error, and is not said twice).
    """
    assert out.mapped is not None
    prefix: Path = () if out.item is None else (out.item,)
    said: dict[Lack, bool] = dict.fromkeys(out.mapped.lacks, False)
    for path, key, message in validate(text) if validate is not None else ():
        lack = next((lack for lack in said if lack.here == path
                     and re.search(rf"\b{re.escape(lack.key)}\b", message)), None)
        if lack is not None:
            said[lack] = True
            continue
        where = f" at {format_path(path)}" if path else ""
        kind, name = out.data.get("kind"), out.data.get("metadata", {}).get("name")
        yield Note(*_place(out.tree, prefix + _source_of(out.mapped, path), key),
                   f"the converted {kind} {name} is not valid OpenSLO v1{where}: {message}",
                   "error")
    for lack, error in said.items():
        yield Note(*_place(out.tree, prefix + lack.source, True), lack.text,
                   "error" if error else "note")


def _split(mapped: Mapped, index: int, item: int | None,
           tree: Positions | None) -> Iterator[_Out]:
    """An SLO and the SLIs it holds inline: each SLI its own document, named by indicatorRef."""
    slis: list[_Out] = []
    data = _plain(mapped.data)
    if mapped.kind == "SLO":
        spec = data.get("spec", {})
        holders: list[tuple[dict[str, Any], Path]] = [(spec, ("spec",))]
        holders += [(objective, ("spec", "objectives", n))
                    for n, objective in enumerate(spec.get("objectives") or [])
                    if isinstance(objective, dict)]
        for holder, path in holders:
            inline = holder.get("indicator")
            if not isinstance(inline, dict):
                continue
            name = inline.get("metadata", {}).get("name", mapped.name)
            sli = {"apiVersion": "openslo/v1", "kind": "SLI", "metadata": inline.get("metadata"),
                   "spec": inline.get("spec")}
            _replace_key(holder, "indicator", "indicatorRef", name)
            at = path + ("indicator",)
            slis.append(_Out(sli, _shifted(mapped, at), index, item, tree))
            source = _source_of(mapped, at)
            # what the original says of the SLI goes with the SLI's document
            mapped.paths[:] = [(here, there) for here, there in mapped.paths
                               if here[:len(at)] != at]
            mapped.paths.append((path + ("indicatorRef",), source))
    yield _Out(data, mapped, index, item, tree)
    yield from slis


def _replace_key(holder: dict[str, Any], old: str, new: str, value: Any) -> None:
    """``holder`` with ``old`` replaced by ``new: value`` where ``old`` stood."""
    entries = [(new, value) if key == old else (key, item) for key, item in holder.items()]
    holder.clear()
    holder.update(entries)


def _source_of(mapped: Mapped, path: Path) -> Path:
    best: tuple[int, Path] = (-1, ())
    for here, there in mapped.paths:
        if path[:len(here)] == here and len(here) > best[0]:
            best = (len(here), there + path[len(here):])
    return best[1]


def _shifted(mapped: Mapped, at: Path) -> Mapped:
    """The paths of the part of ``mapped`` at ``at``, as a document of its own."""
    paths = [(here[len(at):], there) for here, there in mapped.paths if here[:len(at)] == at]
    return Mapped("SLI", {}, [((), _source_of(mapped, at)), *paths])


def _plain(value: Any) -> Any:
    """Mappings and lists as plain ones (their comments are placed anew), scalars as they are."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# -- comments ------------------------------------------------------------------------

def _place_comments(text: str, outs: list[_Out], trees: list[Positions | None]) -> None:
    comments = comment_lines(text)
    if not comments or not outs:
        return
    lines = text.splitlines()
    nodes = _nodes(trees)
    starts = [node[0] for node in nodes]
    by_document: dict[int, list[_Out]] = {}
    for out in outs:
        by_document.setdefault(out.index, []).append(out)
    for line, column, body in comments:
        eol = bool(lines[line][:column].strip()) if line < len(lines) else False
        # a comment at a line's end is about that line's node; one on its own, the next node's
        at = bisect_left(starts, line) if eol else bisect_right(starts, line)
        found = None
        if at < len(nodes) and (not eol or starts[at] == line):
            found = nodes[at][1:]
        target = _target(by_document.get(found[0], []), found) if found is not None else None
        if target is None:  # after every node, or where nothing was converted
            out, path = outs[-1], None
        else:
            out, path = target
        if eol and path is not None:
            out.after[path] = body
        else:
            out.before.setdefault(path if path is not None else ("<end>",), []).append(body)


def _nodes(trees: list[Positions | None]) -> list[tuple[int, int, Path]]:
    """(0-based line, document, path) of every key and list item, in the text's order."""
    found: list[tuple[int, int, Path]] = []

    def walk(node: Positions, document: int, path: Path) -> None:
        for key, (line, _column, child) in (node.keys or {}).items():
            found.append((line, document, path + (key,)))
            walk(child, document, path + (key,))
        for position, child in enumerate(node.items or []):
            found.append((child.line, document, path + (position,)))
            walk(child, document, path + (position,))

    for document, tree in enumerate(trees):
        if tree is not None:
            found.append((tree.line, document, ()))
            walk(tree, document, ())
    return sorted(found, key=lambda entry: entry[0])


def _target(outs: list[_Out], found: tuple[int, Path]) -> tuple[_Out, Path] | None:
    """The output document (of ``outs``, those of one YAML document) and path that say what
    the original says at ``found``."""
    document, path = found
    best: tuple[int, _Out, Path] | None = None
    for out in outs:
        if out.index != document:
            continue
        prefix: Path = () if out.item is None else (out.item,)
        if path[:len(prefix)] != prefix:
            continue
        local = path[len(prefix):]
        if out.mapped is None:
            return out, local
        for here, there in out.mapped.paths:
            if local[:len(there)] == there and (best is None or len(there) > best[0]):
                best = (len(there), out, here + local[len(there):])
    if best is None:  # what no output says, such as the header of a Kubernetes object
        first = next((out for out in outs if out.index == document), None)
        return (first, ()) if first is not None else None
    return best[1], best[2]


def _dump(yaml: YAML, out: _Out) -> str:
    stream = io.StringIO()
    yaml.dump(out.data if out.mapped is not None else _plain(out.data), stream)
    text = stream.getvalue()
    if not out.before and not out.after:
        return text
    tree = yamlsource.positions_of(text)[0]
    lines = text.splitlines()
    inserts: dict[int, list[str]] = {}
    for path, bodies in out.before.items():
        if path == ("<end>",):
            inserts.setdefault(len(lines), []).extend(bodies)
            continue
        line, column = _deepest(tree, path)
        inserts.setdefault(line, []).extend(" " * column + body for body in bodies)
    for path, body in out.after.items():
        line, _ = _deepest(tree, path)
        lines[line] += f"  {body}"
    for line in sorted(inserts, reverse=True):
        lines[line:line] = inserts[line]
    return "\n".join(lines) + "\n"


def _deepest(tree: Positions | None, path: Path) -> tuple[int, int]:
    """0-based line and column of the key (or item) at the end of the part of ``path`` there is."""
    while path and not yamlsource.contains(tree, path):
        path = path[:-1]
    if not path:
        return 0, 0
    line, column = yamlsource.locate_key(tree, path) if isinstance(path[-1], str) \
        else yamlsource.locate(tree, path)
    return line - 1, column - 1

