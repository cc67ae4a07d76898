"""The project as the editor sees it: the files on disk, with open files' unsaved text over them.

The project loads once, through the same result cache as ``slopolicy
check``. After that an edit re-analyses only the edited file (parsing and
schema, restored from the cache when its content is known) and runs the rules
over the whole project again, as ``check`` does: the rules that span files
work from what each document remembers, so an edited SLO changes the
findings on the SLA it backs, open or not. Each run gives a :class:`Snapshot`
that diagnostics, hover and navigation read; nothing here speaks LSP.
"""
from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from slopolicy import runtime
from slopolicy.cache.store import Cache
from slopolicy.check import analysis, engine
from slopolicy.config import settings as config_settings
from slopolicy.config.project import Project, open_project
from slopolicy.load import discovery
from slopolicy.load.files import read_regular
from slopolicy.load.readers import WorktreeReader
from slopolicy.model.documents import Document, SourceFile
from slopolicy.model.errors import ConfigError, UsageError
from slopolicy.model.problems import Finding, Problem
from slopolicy.model.waivers import FILENAME
from slopolicy.rules import Rule
from slopolicy.rules.context import Context
from slopolicy.slo.dominance import NO_ASSUMPTIONS
from slopolicy.text.decoding import decode

CONFIG_RULE = "config"  # the code of a diagnostic that says the configuration cannot be read
_LOCATED = re.compile(r"(?P<file>[^\n]+?):(?P<line>[0-9]+):(?P<column>[0-9]+): (?P<message>.*)", re.S)


class Snapshot(Struct, frozen=True):
    """One check of the whole project: every problem, and the documents they were found in."""

    project: Project | None
    ctx: Context
    problems: Mapping[str, tuple[Problem, ...]]  # by file, relative to the repository root
    failures: tuple[str, ...] = ()  # rules that raised, with their tracebacks
    loaded: bool = False  # the project was (re)loaded from disk for this check

    def source(self, rel: str) -> SourceFile | None:
        for source in self.ctx.files:
            if source.path == rel:
                return source
        return None

    def documents(self, api_version: str, kind: str) -> list[Document]:
        return self.ctx.of_kind(api_version, kind)

    def setting(self, rule_id: str) -> Mapping[str, Any]:
        """The options of ``rule_id`` in force (its defaults when the project has none)."""
        if self.project is None or rule_id not in self.project.rules:
            return {}
        return self.project.config.setting(self.project.rules[rule_id]).options


class Workspace(Struct):
    """The project under ``folder`` (the current folder, as for ``slopolicy check``)."""

    folder: Path
    config: str | None = None  # --config
    cache_dir: Path | None = None
    use_cache: bool = True
    jobs: int | None = None  # worker processes for the first load; None: every core
    project: Project | None = None
    config_error: Problem | None = None
    cache: Cache | None = None
    files: dict[str, SourceFile] = field(default_factory=dict)  # by relative path, in order
    texts: dict[str, str] = field(default_factory=dict)  # open files' text, by relative path
    unsaved: set[str] = field(default_factory=set)  # open files whose text is not on disk
    _rules: dict[str, Rule] = field(default_factory=dict)
    _configuration: frozenset[Path] = frozenset()  # the configuration file and what it extends
    _failures: list[str] = field(default_factory=list)
    _thaw: runtime.Thaw = field(default_factory=runtime.Thaw)  # after each edit's load

    # -- paths ----------------------------------------------------------------

    @property
    def root(self) -> Path:
        return self.project.repo_root if self.project is not None else self.folder.resolve()

    def relative(self, path: Path) -> str | None:
        """``path`` relative to the repository root, or None outside it."""
        rel = discovery.relative(path, self.root)
        return None if rel.startswith("/") or rel.startswith("../") else rel

    def path(self, rel: str) -> Path:
        return self.root / rel

    def text(self, rel: str) -> str:
        """The text of a file as the editor has it: unsaved text first, else the disk's."""
        if rel in self.texts:
            return self.texts[rel]
        path = self.path(rel)
        if self.relative(Path(os.path.realpath(path))) != rel:
            return ""  # a symlink: the loader refuses it, and its target may lie outside
        # as the loader reads: a FIFO would stall the server, /dev/zero flood it
        raw, _ = read_regular(path)
        return "" if raw is None else decode(raw)[0] or ""

    def is_policy(self, rel: str) -> bool:
        """Whether saving ``rel`` changes the configuration or the rules (a reload)."""
        if Path(rel).name == FILENAME:
            return True
        project = self.project
        if project is None or project.config.path is None:
            return False
        full = self.path(rel).resolve()
        if full in self._configuration:
            return True
        for kept in project.config.house_rules:
            named = (project.config.path.parent / kept).resolve()
            if full == named or named in full.parents:
                return True
        source = self.files.get(rel)
        return source is not None and any(d.kind == "Policy" for d in source.documents)

    # -- loading --------------------------------------------------------------

    def load(self) -> None:
        """(Re)open the project and load every document it selects, through the result cache.

        A configuration that cannot be read is a diagnostic on it; the last
        good configuration stays in force meanwhile (none at the start: then
        nothing is checked, as ``slopolicy check`` stops with exit code 2).
        """
        try:
            project = open_project([], self.config)
        except (ConfigError, UsageError) as exc:
            self.config_error = self._config_problem(exc)
            if self.project is None:
                self.files = {}
                return
            project = self.project
        else:
            self.config_error = None
        self.save()
        self.project = project
        self._configuration = _configuration(project)
        self._rules = guarded(project.rules, self._failures.append)
        if self.use_cache:
            self.cache = analysis.open_cache(project, self.cache_dir)
        paths = discovery.discover(project.config, project.repo_root)
        loaded = analysis.load_files(paths, project.repo_root, self.cache, self.jobs)
        self.files = {source.path: source for source in loaded}
        for rel, text in self.texts.items():
            self._overlay(rel, text)

    def open(self, rel: str, text: str) -> None:
        """The editor holds ``rel`` with ``text`` (opened or edited)."""
        self.texts[rel] = text
        self.unsaved.add(rel)
        self._overlay(rel, text)

    def saved(self, rel: str) -> None:
        """The editor wrote ``rel``: its text is the disk's now."""
        self.unsaved.discard(rel)

    def close(self, rel: str) -> None:
        """The editor closed ``rel``: the disk's content is the truth again."""
        self.texts.pop(rel, None)
        self.unsaved.discard(rel)
        self.from_disk(rel)

    def from_disk(self, rel: str) -> None:
        """Read ``rel`` again from disk (changed outside the editor), unless it is open."""
        if rel in self.texts or self.project is None:
            return
        path = self.path(rel)
        if not path.is_file():
            self._replace(rel, None)
        elif rel in self.files or self._selects(rel):
            [source] = analysis.load_files([path], self.root, self.cache)
            self._replace(rel, source)

    def _overlay(self, rel: str, text: str) -> None:
        if self.project is None or rel not in self.files and not self._selects(rel):
            return  # not a document of the project: the configuration does not select it
        # as a file would hold it: a lone surrogate a client sent (JSON can escape one) is
        # bytes that are not UTF-8, which loading reports at its place, never an error here
        raw = text.encode("utf-8", "surrogatepass")
        [source] = analysis.load_contents([(rel, raw)], self.cache)
        self._thaw()  # the last check's garbage, frozen by the load, back to the collector
        self._replace(rel, source)

    def _selects(self, rel: str) -> bool:
        return self.project is not None and discovery.selects(self.project.config, self.path(rel))

    def _replace(self, rel: str, source: SourceFile | None) -> None:
        old = self.files.get(rel)
        if source is None:
            self.files.pop(rel, None)
        else:
            self.files[rel] = source
        if old is not None and old is not source:
            # A file and its documents point at each other, and loading moves
            # everything alive out of the cyclic collector's reach (see
            # slopolicy.runtime): without this every keystroke would keep
            # its old version of the file for the life of the server.
            old.documents = []

    def save(self) -> None:
        """Store what was learnt about the files as they are on disk (not unsaved text)."""
        analysis.save_cache(self.cache, [f for rel, f in self.files.items()
                                         if rel not in self.unsaved])

    # -- checking -------------------------------------------------------------

    def check(self) -> Snapshot:
        """Every rule over the whole project as it stands in the editor."""
        self._failures.clear()
        project = self.project
        ctx = Context(list(self.files.values()),
                      assumptions=project.config.assumptions if project else NO_ASSUMPTIONS)
        found: list[Problem] = []
        if self.project is not None:
            found = engine.check(ctx, self._rules, self.project.config)
        if self.config_error is not None:
            found.append(self.config_error)
        problems: dict[str, list[Problem]] = {}
        for problem in found:
            problems.setdefault(problem.file, []).append(problem)
        return Snapshot(self.project, ctx, {k: tuple(v) for k, v in problems.items()},
                        tuple(self._failures))

    def _config_problem(self, exc: Exception) -> Problem:
        """The configuration error as a problem at the file, line and column it names."""
        text = str(exc)
        match = _LOCATED.fullmatch(text)
        line = column = 1
        if match is not None:
            file, message = match["file"], match["message"]
            line, column = int(match["line"]), int(match["column"])
        elif ": " in text and not text.startswith(("plugins", "--config")):
            file, message = text.split(": ", 1)
        else:
            file, message = FILENAME, text
        rel = self.relative(Path(file).resolve()) if file else None
        if rel is None or not self.path(rel).is_file():
            found = self.folder / FILENAME
            rel = self.relative(found.resolve()) if found.is_file() else FILENAME
        return Problem(rel or FILENAME, line, column, CONFIG_RULE, "error", message)


def _configuration(project: Project) -> frozenset[Path]:
    """The configuration file and every file it ``extends``, as far as they read (presets aside)."""
    if project.config.path is None:
        return frozenset()
    root = project.repo_root
    chain = config_settings.chain(WorktreeReader(root), str(project.config.path))
    return frozenset((root / path).resolve() for path in chain)


def guarded(rules: Mapping[str, Rule], failed: Callable[[str], None]) -> dict[str, Rule]:
    """The rules, each of which reports its own crash and stops instead of ending the server.

    ``slopolicy check`` exits 3 when a rule raises; an editor's server goes on
    with the findings of the other rules, and says what happened.
    """
    return {rule_id: replace(rule, check=_guard(rule, failed)) for rule_id, rule in rules.items()}


def _guard(rule: Rule, failed: Callable[[str], None]
           ) -> Callable[[Context, Mapping[str, Any]], Iterator[Finding]]:
    check = rule.check
    origin = f" ({rule.source})" if rule.source else ""

    def run(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
        try:
            yield from check(ctx, options)
        except Exception as exc:  # noqa: BLE001 -- any failure of one rule: said, not fatal
            failed(f"slopolicy: rule {rule.id}{origin} failed: {type(exc).__name__}: {exc}\n"
                   f"{traceback.format_exc()}")

    return run

