"""Loading files into documents: a file yields documents or load problems.

Never an exception: the run goes on past any broken file. A file may hold
several YAML documents (``---``) or, as the OpenSLO Go SDK writes them, one
YAML list of objects.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slopolicy.model.documents import Document, LoadProblem, SourceFile
from slopolicy.model.kinds import FAMILIES, KNOWN_PREFIXES
from slopolicy.text import yamlsource
from slopolicy.text.decoding import decode
from slopolicy.text.hints import closest

MAX_FILE_BYTES = 32 * 1024 * 1024


def load_bytes(path: str, raw: bytes) -> SourceFile:
    """Load one file's bytes into a :class:`SourceFile`."""
    if len(raw) > MAX_FILE_BYTES:
        source = SourceFile(path, "")
        source.problems.append(
            LoadProblem(
                "yaml-syntax",
                f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; "
                "split it into smaller files",
                1,
                1,
            )
        )
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


def load_text(path: str, text: str) -> SourceFile:
    source = SourceFile(path, text)
    for index, loaded in enumerate(yamlsource.iter_documents(text)):
        if isinstance(loaded, yamlsource.LoadError):
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
            source.problems.append(
                LoadProblem(
                    "yaml-syntax", loaded.error.message, loaded.error.line, loaded.error.column
                )
            )
            continue
        _collect(source, index, loaded)
    return source


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
    api = data.get("apiVersion")
    if isinstance(api, str) and (api.startswith(KNOWN_PREFIXES) or _near_miss(api)):
        source.documents.append(Document(source, index, item, data))
    else:
        source.others += 1
        where = "" if item is None else f"item {item}: "
        shown = "no apiVersion" if api is None else f"apiVersion {api!r}, not one slopolicy checks"
        source.foreign.append((line, col, f"{where}{shown}"))


def _near_miss(api_version: str) -> bool:
    """A slip of a known apiVersion (``OpenSLO/v1``, ``opensol/v1``): a finding, not a skip."""
    return closest(api_version, FAMILIES) is not None
