"""Which files are documents: the document globs over a folder, and paths as reports name them."""
from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol


class Globs(Protocol):
    """Which files are documents: gitignore-style globs relative to ``root`` (a Config)."""

    @property
    def root(self) -> Path: ...

    @property
    def include(self) -> list[str]: ...

    @property
    def exclude(self) -> list[str]: ...


def discover(config: Globs, repo_root: Path, under: Path | None = None,
             folders: list[str] | None = None) -> list[str]:
    """Files the document globs select, under the project root (or ``under``).

    Globs are gitignore-style and relative to the project root (the folder of
    .slopolicy.yaml); a folder outside it is matched relative to itself. The
    files are absolute path strings: a large repository has tens of
    thousands, and Path objects would cost more than the walk. A folder that
    cannot be listed is among them, so that reading it says why (a finding),
    rather than its files being left out without a word.

    A folder below the repository root that holds ``.git`` (a submodule, a
    nested repository) is another repository's: skipped, as a commit of
    this one holds none of its files. Symbolic links to folders are not
    followed; a link to a file is listed, and refused when read.

    ``folders``, when given, gets every folder the scan listed: while none
    of them changes (a folder's modification time changes when an entry is
    added, removed or renamed in it), the scan finds the same files.
    """
    spec_in = matcher(tuple(config.include))
    spec_out = matcher(tuple(config.exclude))
    top = (under or config.root).resolve()
    base = config.root.resolve()
    if top != base and base not in top.parents:
        base = top
    repository = str(repo_root.resolve())
    found: list[str] = []

    def unreadable(error: OSError) -> None:
        if error.filename is not None:
            found.append(os.fspath(error.filename))
            if folders is not None:  # its mode changes its change time: watched too
                folders.append(os.fspath(error.filename))

    for folder, dirs, names in os.walk(top, onerror=unreadable):
        if folders is not None:
            folders.append(folder)
        if (".git" in dirs or ".git" in names) and folder != repository:
            dirs[:] = []
            continue
        rel_folder = Path(folder).relative_to(base).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(d for d in dirs if not spec_out(rel_folder + d + "/"))
        for name in sorted(names):
            rel = rel_folder + name
            if spec_in(rel) and not spec_out(rel):
                found.append(os.path.join(folder, name))
    return found


def select(config: Globs, paths: Iterable[str], repo_root: Path) -> list[str]:
    """The paths (repository-relative) the document globs pick, as :func:`discover` picks
    them on disk: a commit's files, or those a history names."""
    spec_in = matcher(tuple(config.include))
    spec_out = matcher(tuple(config.exclude))
    try:
        top = config.root.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return []  # globs of a folder outside the repository pick none of its files
    top = "" if top == "." else top
    pruned: dict[str, bool] = {"": False}  # folder -> excluded, itself or by a parent

    def excluded(folder: str) -> bool:
        found = pruned.get(folder)
        if found is None:
            parent = folder.rpartition("/")[0]
            found = pruned[folder] = excluded(parent) or spec_out(folder + "/")
        return found

    chosen = []
    for path in sorted(paths):
        rel = path if not top else path[len(top) + 1:] if path.startswith(top + "/") else None
        if rel is None or excluded(rel.rpartition("/")[0]):
            continue
        if spec_in(rel) and not spec_out(rel):
            chosen.append(path)
    return chosen


def selects(config: Globs, path: Path) -> bool:
    """Whether the document globs select ``path`` (a file under the project root)."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return True  # outside the project: only an explicit name brings it in
    return matcher(tuple(config.include))(rel) and not matcher(tuple(config.exclude))(rel)


# The regex pathspec makes of each default document glob of the configuration (its named
# groups made plain, as matcher makes them): the globs of most projects, matched without
# importing pathspec, which costs an audit more than matching every path it walks.
# tests/load/test_discovery_globs.py holds them to pathspec's.
KNOWN_GLOBS = {
    "**/*.yaml": r"^(?:.+/)?[^/]*\.yaml(?:(?:/)|$)",
    "**/*.yml": r"^(?:.+/)?[^/]*\.yml(?:(?:/)|$)",
    "**/*.json": r"^(?:.+/)?[^/]*\.json(?:(?:/)|$)",
    ".git/": r"^(?:.+/)?\.git(?:/)",
    "node_modules/": r"^(?:.+/)?node_modules(?:/)",
    ".venv/": r"^(?:.+/)?\.venv(?:/)",
    "venv/": r"^(?:.+/)?venv(?:/)",
    ".tox/": r"^(?:.+/)?\.tox(?:/)",
    ".slopolicy.yaml": r"^(?:.+/)?\.slopolicy\.yaml(?:(?:/)|$)",
    ".pre-commit-config.yaml": r"^(?:.+/)?\.pre\-commit\-config\.yaml(?:(?:/)|$)",
    ".pre-commit-hooks.yaml": r"^(?:.+/)?\.pre\-commit\-hooks\.yaml(?:(?:/)|$)",
}


@functools.lru_cache(maxsize=16)
def matcher(lines: tuple[str, ...]) -> Callable[[str], bool]:
    """A gitignore-style matcher of relative paths (a folder ends in ``/``).

    One regex when no pattern negates another. pathspec is imported here, when
    globs are first matched, and only for a glob :data:`KNOWN_GLOBS` does not
    hold: a warm check of files the project index lists matches none, and
    importing it costs more than that check's own work.
    """
    if lines and all(line in KNOWN_GLOBS for line in lines):
        return _union([KNOWN_GLOBS[line] for line in lines])
    import pathspec

    # A glob holding "[[" compiles to a regex that Python warns may one day read as a
    # nested set (FutureWarning); today's meaning is git's, a literal "[": no warning
    # for the user to act on, so none is printed.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        patterns = [p for p in spec.patterns if p.include is not None]
        regexes = [getattr(p, "regex", None) for p in patterns]
        if all(p.include for p in patterns) and all(r is not None for r in regexes):
            if not patterns:
                return lambda path: False
            return _union([re.sub(r"\(\?P<\w+>", "(?:", r.pattern)
                           for r in regexes if r is not None])
    match: Callable[[str], bool] = spec.match_file
    return match


def _union(regexes: list[str]) -> Callable[[str], bool]:
    """Whether a path matches one of ``regexes``, by one regex."""
    union = re.compile("|".join(f"(?:{part})" for part in regexes))
    return lambda path: union.match(path) is not None


def unreadable_glob(pattern: str) -> str | None:
    """Why ``pattern`` is no gitignore pattern (None when it is one).

    git calls a pattern that ends in an unescaped backslash invalid, ``!``
    alone negates nothing, and a bracket range drawn backwards (``[z-a]``)
    is no range. Only a pattern with one of those characters can be wrong,
    so pathspec, which costs more to import than a warm check's own work, is
    imported for those alone.
    """
    if "\\" not in pattern and "[" not in pattern and not pattern.startswith("!"):
        return None
    import pathspec

    try:
        with warnings.catch_warnings():  # "[[": see matcher
            warnings.simplefilter("ignore", FutureWarning)
            pathspec.GitIgnoreSpec.from_lines([pattern])
    except re.error:
        return "a bracket expression in it is no range of characters"
    except ValueError:
        if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
            return "it ends in a backslash that escapes nothing"
        return "a lone '!' negates no pattern"
    return None


@functools.lru_cache(maxsize=8)
def _root_prefix(repo_root: Path) -> str:
    return str(repo_root.resolve()) + os.sep


def relative(path: str | Path, repo_root: Path) -> str:
    """``path`` relative to the repository root, with ``/``; cheap for paths under it.

    A file outside the root is named from the root too (``../shared/x.yaml``):
    reports are forwarded, and an absolute path would name the folders of the
    machine that made them.
    """
    prefix = _root_prefix(repo_root)
    text = str(path)
    if os.sep == "/" and text.startswith(prefix) and "/." not in text:
        return text[len(prefix):]  # the common case: a found file under the root
    full = os.path.abspath(path)
    if not full.startswith(prefix):
        full = os.path.realpath(path)  # through a symlink, or outside the root
    if full.startswith(prefix):
        return full[len(prefix):].replace(os.sep, "/")
    try:  # outside the root (named by hand): still relative to it, never absolute
        return Path(os.path.relpath(full, prefix)).as_posix()
    except ValueError:  # another drive: no relative path exists
        return Path(path).as_posix()
