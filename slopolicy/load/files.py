"""Loading files into documents: a file yields documents or load problems.

Never an exception: the run goes on past any broken file. A file may hold
several YAML documents (``---``) or, as the OpenSLO Go SDK writes them, one
YAML list of objects. Only regular files are read, and never more than the
size cap, so a FIFO or a symlink to a device cannot stall or flood a check.
A document of another format's SLOs (Sloth, Pyrra, Nobl9, OpenSLO v1alpha
and v2alpha) is followed by the OpenSLO v1 documents it maps to, placed in
it: the rules judge those, and their findings point into the original.

A mapping that claims to be a document but misses (``OpenSLO/v1``,
``apiversion:``, ``kind: Slo``) is kept as one, so that ``unknown-kind``
names the likely fix; any other YAML is skipped and counted.
"""
from __future__ import annotations

import os
import re
import stat as stat_module
from collections.abc import Mapping
from typing import Any

from slopolicy import formats
from slopolicy.model.documents import (
    MAX_FILE_BYTES,
    Document,
    LoadProblem,
    MappedFrom,
    SourceFile,
)
from slopolicy.model.kinds import (
    FAMILIES,
    KNOWN_PREFIXES,
    NATIVE,
    RENAMED,
    SLOTH_KIND,
    SLOTH_SPEC,
    declared,
)
from slopolicy.text import yamlsource
from slopolicy.text.decoding import decode
from slopolicy.text.hints import closest

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(
    os, "O_CLOEXEC", 0)
_SPECIAL = ((stat_module.S_ISFIFO, "a FIFO (named pipe)"), (stat_module.S_ISCHR, "a character device"),
            (stat_module.S_ISBLK, "a block device"), (stat_module.S_ISSOCK, "a socket"))


def read_regular(path: str | os.PathLike[str],
                 found: os.stat_result | None = None) -> tuple[bytes | None, str | None]:
    """The bytes of the regular file at ``path`` (symlinks followed), or why it was not read.

    Anything else (a folder, a FIFO, a device, a socket) is refused before it is
    opened, and opened without blocking in case it was swapped since; a file
    over :data:`MAX_FILE_BYTES` is refused by its size, and a file that grows
    while it is read is read to one byte past the cap, never further.
    """
    try:
        found = os.stat(path) if found is None else found
        if not stat_module.S_ISREG(found.st_mode):
            return None, _not_regular(path, found.st_mode)
        if found.st_size > MAX_FILE_BYTES:
            return None, _too_large(found.st_size)
        fd = os.open(path, _OPEN_FLAGS)
        try:
            opened = os.fstat(fd)
            if not stat_module.S_ISREG(opened.st_mode):
                return None, _not_regular(path, opened.st_mode)
            raw = _read_capped(fd, opened.st_size)
        finally:
            os.close(fd)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror}"
    if raw is None:
        return None, f"file is over the {MAX_FILE_BYTES:,}-byte limit; split it into smaller files"
    return raw, None


def read_export(path: str | os.PathLike[str]) -> tuple[bytes | None, str | None]:
    """The bytes of a file or a pipe (a shell's ``<(command)``) a command is given, at most
    :data:`MAX_FILE_BYTES`, or why it was not read.

    A device (``/dev/zero`` never ends), a folder or a socket is refused before it
    is opened; a pipe is read to one byte past the cap, never further.
    """
    try:
        mode = os.stat(path).st_mode
        if not (stat_module.S_ISREG(mode) or stat_module.S_ISFIFO(mode)):
            what = "a folder" if stat_module.S_ISDIR(mode) else _special(mode)
            return None, f"{what}, not a file or a pipe"
        with open(path, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    if len(raw) > MAX_FILE_BYTES:
        return None, f"over the {MAX_FILE_BYTES:,}-byte limit"
    return raw, None


def _read_capped(fd: int, size: int) -> bytes | None:
    """At most MAX_FILE_BYTES from ``fd``; None when there is more."""
    parts: list[bytes] = []
    total = 0
    want = min(size, MAX_FILE_BYTES) + 1  # a regular file: its size, then the end
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            return parts[0] if len(parts) == 1 else b"".join(parts)
        parts.append(chunk)
        total += len(chunk)
        if total > MAX_FILE_BYTES:
            return None
        want = min(1 << 20, MAX_FILE_BYTES + 1 - total)


def _not_regular(path: str | os.PathLike[str], mode: int) -> str:
    if stat_module.S_ISDIR(mode):
        try:
            os.scandir(path).close()
        except OSError as exc:
            return (f"cannot read folder: {exc.strerror}; the files in it were not checked "
                    "(if it holds no documents, exclude it: documents.exclude)")
        return "a folder, not a file"
    return f"{_special(mode)}, not a regular file: slopolicy reads only regular files"


def _special(mode: int) -> str:
    """What a file that is neither regular nor a folder is: "a FIFO (named pipe)", ..."""
    return next((name for test, name in _SPECIAL if test(mode)), "a special file")


def _too_large(size: int) -> str:
    return (f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; "
            "split it into smaller files")


def load_bytes(path: str, raw: bytes) -> SourceFile:
    """Load one file's bytes into a :class:`SourceFile`."""
    if len(raw) > MAX_FILE_BYTES:
        source = SourceFile(path, "")
        source.problems.append(LoadProblem("yaml-syntax", _too_large(len(raw)), 1, 1))
        return source
    text, problem = decode(raw)
    if text is None:
        source = SourceFile(path, "")
        assert problem is not None
        source.problems.append(LoadProblem("yaml-syntax", *problem))
        return source
    return load_text(path, text)


def symlink_file(path: str, target: str) -> SourceFile:
    """A symbolic link where a document was expected: a finding, never its target's content.

    The same in the working tree and at every commit: git records a link as
    the name of its target, so who changed the content it shows could never
    be told, and a link may lead out of the repository.
    """
    source = SourceFile(path, "")
    source.problems.append(LoadProblem(
        "yaml-syntax",
        f"a symbolic link (to {target}): slopolicy reads documents from regular files only, "
        "as git records a link as its target's name and never who changed the content it shows; "
        "commit the document itself here, or leave the link out of documents.include",
        1, 1))
    return source


def linked_on_the_way(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is no regular file of the project to rewrite, or None when it is one.

    A symbolic link there, or a folder on the way that is one (below the
    repository's top, the folder holding ``.git``, or below the working
    folder): a pull request can commit one, and a command that rewrites
    documents (``fmt``, ``convert --in-place``) would write where it leads,
    outside the project. Said as ``check`` says it of the link; anything else
    that is not a regular file is left to :func:`read_regular` to name.
    """
    absolute = os.path.abspath(path)
    top = _top(absolute)
    for part in _parts(absolute, top):
        if os.path.islink(part):
            shown = os.path.relpath(part) if not os.path.isabs(path) else part
            try:
                target = os.readlink(part)
            except OSError as exc:
                return f"a symbolic link ({shown}) that cannot be read: {exc.strerror}"
            if part == absolute and not os.path.isdir(part):  # as check says it
                return symlink_file(str(path), target).problems[0].message
            return (f"{shown} is a symbolic link (to {target}): slopolicy rewrites only the "
                    "regular files of the project, never what a link leads to, as a link a "
                    "pull request commits may lead outside it; commit the folder itself, or "
                    "leave the link out of documents.include")
    # as the system reads the path: a ".." after a link leads back from where the link led
    if os.path.realpath(os.path.join(os.getcwd(), path)) != os.path.join(
            os.path.realpath(top), os.path.relpath(absolute, top)):
        return ("a symbolic link on the way to it (a '..' after a link): slopolicy rewrites "
                "only the regular files of the project, never what a link leads to")
    return None


def _top(absolute: str) -> str:
    """The folder where the project starts for ``absolute``: the nearest folder above it that
    holds ``.git``, or the working folder when it comes first; the root when neither does."""
    here = os.getcwd()
    current = os.path.dirname(absolute)
    while current != here and not os.path.lexists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:
            return current
        current = parent
    return current


def _parts(absolute: str, top: str) -> list[str]:
    """The path's folders below ``top``, outermost first, then the path itself."""
    parts = [absolute]
    current = os.path.dirname(absolute)
    while current != top and os.path.dirname(current) != current:
        parts.append(current)
        current = os.path.dirname(current)
    return parts[::-1]


def load_text(path: str, text: str) -> SourceFile:
    source = SourceFile(path, text)
    for index, loaded in enumerate(yamlsource.iter_documents(text)):
        if isinstance(loaded, yamlsource.LoadError):
            # the stream stops here: every document from the failing one on is unread
            if not _template(source, loaded.line, loaded.column, None):
                source.problems.append(
                    LoadProblem("yaml-syntax", loaded.message, loaded.line, loaded.column)
                )
            break
        for issue in loaded.issues:
            rule = "duplicate-key" if issue.kind == "duplicate-key" else "yaml-syntax"
            source.problems.append(
                LoadProblem(rule, issue.message, issue.line, issue.column, issue.related)
            )
        if loaded.error is not None:
            if not _template(source, loaded.error.line, loaded.error.column, loaded.line):
                source.problems.append(
                    LoadProblem(
                        "yaml-syntax", loaded.error.message, loaded.error.line,
                        loaded.error.column
                    )
                )
            continue
        _collect(source, index, loaded)
    return source


# A template action where YAML expects a node: `{{- if ...}}`, `- {{ x }}`, `key: {{ x }}`.
# (Sloth's `[{{.window}}]` inside a query is text, and YAML reads it as such.)
_TEMPLATE_ACTION = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#'\"{][^:#]*:\s+)?\{\{")
# A line that starts a document (`---`) or ends one (`...`).
_MARKER = re.compile(r"^(?:---|\.\.\.)(?:\s|$)")
# A header line as a template leaves it readable: `apiVersion: slopolicy/v1`, `- kind: SLO`,
# `"kind": "SLA",`, and Sloth's `version: "prometheus/v1"`.
_HEADER_LINE = re.compile(
    r"""^\s*(?:-\s+)?["']?(apiVersion|kind|version)["']?\s*:\s*["']?([^\s"',#{}]+)""")
_METADATA_LINE = re.compile(r"""^\s*(?:-\s+)?["']?metadata["']?\s*:""")
_NAME_LINE = re.compile(r"""^\s+["']?name["']?\s*:\s*["']?([^\s"',#{}]+)["']?\s*,?\s*$""")


def _template(source: SourceFile, line: int, column: int, start: int | None) -> bool:
    """Whether the YAML error at ``line`` is a template's (a Helm chart's ``templates/``):
    other YAML, skipped and counted, not a document with a syntax error.

    Not when the text the error leaves unread (the failing document, from
    ``start`` or the last ``---`` before the error; to the end of the file when
    ``start`` is None, as the stream stops there) declares a document
    slopolicy reads: one template line must not hide an agreement or an SLO.
    That is a ``yaml-syntax`` problem at the template line, naming the
    document; it returns False after adding it.
    """
    lines = source.text.splitlines()
    if not 0 < line <= len(lines) or not _TEMPLATE_ACTION.match(lines[line - 1]):
        return False
    claim = _claimed(lines, line, start)
    if claim is not None:
        where, what = claim
        source.problems.append(LoadProblem(
            "yaml-syntax",
            f"{what} cannot be read as written: a template action ({{{{ ... }}}}) stands "
            "where YAML expects a value, so the file is YAML only once rendered, and "
            "slopolicy reads documents as they are committed: the document is not checked, "
            "nor can a change of it be judged. Commit the document without template "
            "syntax (or its rendered output); if this file is a template meant to be checked "
            "once rendered, leave it out of the documents (documents.exclude) and check "
            "what it renders",
            line, column, ((where, 1, f"{what} starts here"),)))
        return True
    source.others += 1
    source.foreign.append((line, column, "a template ({{ ... }} where YAML expects a value): "
                           "YAML only once rendered"))
    return True


def _claimed(lines: list[str], line: int, start: int | None) -> tuple[int, str] | None:
    """The first document of a kind slopolicy reads that the unread text declares, as
    (the line of its apiVersion, "SLA/name (slopolicy/v1)"), or None.

    Read line by line, as YAML cannot read it: ``apiVersion:`` and ``kind:``
    (Sloth's ``version:``) of a known family in one document, between ``---``
    markers.
    """
    first = start if start is not None else next(
        (n + 1 for n in range(line - 1, -1, -1) if _MARKER.match(lines[n])), 1)
    last = len(lines)
    if start is not None:
        last = next((n for n in range(line, len(lines)) if _MARKER.match(lines[n])), last)
    found: dict[str, tuple[int, str]] = {}
    name: str | None = None
    in_metadata = False
    for number in range(first, last + 1):
        text = lines[number - 1]
        if _MARKER.match(text):
            claim = _claim(found, name)
            if claim is not None:
                return claim
            found, name, in_metadata = {}, None, False
            continue
        header = _HEADER_LINE.match(text)
        if header is not None:
            found.setdefault(header.group(1), (number, header.group(2)))
        if _METADATA_LINE.match(text):
            in_metadata = True
        elif in_metadata and name is None:
            named = _NAME_LINE.match(text)
            if named is not None:
                name = named.group(1)
    return _claim(found, name)


def _claim(found: dict[str, tuple[int, str]], name: str | None) -> tuple[int, str] | None:
    api = found.get("apiVersion") or found.get("version")
    if api is None or api[1] not in FAMILIES:
        return None
    kind = found.get("kind")
    if kind is None and api[1] == SLOTH_SPEC:
        kind = (api[0], SLOTH_KIND)
    if kind is None or kind[1] not in FAMILIES[api[1]]:
        return None
    return api[0], f"{kind[1]}/{name} ({api[1]})" if name else f"the {api[1]} {kind[1]} document"


def _collect(source: SourceFile, index: int, loaded: yamlsource.LoadedDocument) -> None:
    data = loaded.data
    if data is None:
        return  # an empty document: nothing to check
    if isinstance(data, Mapping):
        _add(source, index, None, data, loaded.line, loaded.column)
        return
    if isinstance(data, list):
        for item, value in enumerate(data):
            if isinstance(value, Mapping):
                _add(source, index, item, value, loaded.line, loaded.column)
            else:
                source.others += 1
                source.foreign.append(
                    (loaded.line, loaded.column, f"item {item} of a top-level list is not a mapping")
                )
        return
    source.others += 1
    source.foreign.append(
        (loaded.line, loaded.column, f"top-level {type(data).__name__} value is not a document")
    )


def _add(
    source: SourceFile, index: int, item: int | None, data: Mapping[str, Any], line: int, col: int
) -> None:
    api, kind = declared(data)
    skipped = _skipped(data, api, kind)
    if skipped is None:
        doc = Document(source, index, item, data)
        source.documents.append(doc)
        if doc.known and doc.api_version not in NATIVE:
            for mapped in formats.judged(doc.api_version, doc.kind, data):
                origin = MappedFrom(doc.label, tuple(mapped.paths),
                                    tuple(text for _, text in mapped.assumptions))
                source.documents.append(Document(source, index, item, mapped.data, origin))
    else:
        source.others += 1
        where = "" if item is None else f"item {item}: "
        source.foreign.append((line, col, f"{where}{skipped}"))


def _skipped(data: Mapping[str, Any], api: Any, kind: Any) -> str | None:
    """Why an object is not a document slopolicy checks; None when it is one (or claims to be)."""
    if not isinstance(api, str):
        if any(meant == "apiVersion" for _, meant in near_miss_keys(data)):
            return None
        return "no apiVersion"
    if api in NATIVE or (api.startswith(KNOWN_PREFIXES) and api not in FAMILIES):
        return None  # a kind or version of a specification slopolicy reads: unknown-kind says
    kinds = FAMILIES.get(api)
    if kinds is None:
        return None if _near_miss(api) else f"apiVersion {api!r}, not one slopolicy checks"
    if isinstance(kind, str) and (kind in kinds or closest(kind, kinds) is not None):
        return None
    if kind is None and near_miss_keys(data):
        return None
    return f"kind {kind!r} of {api}, which slopolicy does not read"


def _near_miss(api_version: str) -> bool:
    """A slip of a known apiVersion (``OpenSLO/v1``, ``opensol/v1``): a finding, not a skip."""
    return api_version in RENAMED or closest(api_version, FAMILIES) is not None


HEADER_KEYS = ("apiVersion", "kind")


def near_miss_keys(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key as written, key meant) for each of apiVersion and kind written with a slip.

    ``apiversion: openslo/v1`` counts only when its value is (close to) an
    apiVersion slopolicy reads, so other YAML with such a key stays skipped.
    """
    found = []
    for meant in HEADER_KEYS:
        if meant in data:
            continue
        for written in data:
            if not isinstance(written, str) or closest(written, [meant]) != meant:
                continue
            value = data[written]
            if meant == "kind" or (isinstance(value, str) and (
                    value in FAMILIES or value.startswith(KNOWN_PREFIXES) or _near_miss(value))):
                found.append((written, meant))
                break
    return found
