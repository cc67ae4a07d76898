"""The language server: LSP over stdio (pygls), a thin layer over the workspace and the features.

Checks run on one worker thread, one at a time. Edits that arrive while a
check runs are taken together by the next, so the diagnostics catch up with
typing instead of queueing behind it. Requests that read the analysis
(hover, definition, references, code actions) wait for the check of the text
they were asked about; completion answers at once from the last check.

Diagnostics are published for every file whose problems changed since the
client last heard (at start, every file with a problem): the documents an
edit affects are updated whether they are open or not. Any error of the
server is logged to the client (``window/logMessage``) and the server goes on.
"""
from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types as lsp
from msgspec import Struct, field
from msgspec.structs import replace
from pygls import uris
from pygls.lsp.server import LanguageServer

from slopolicy import __version__
from slopolicy.lsp import complete, explain, fixes, navigate
from slopolicy.lsp.cursor import At, Span, lines_of, node_at, span_of
from slopolicy.lsp.workspace import Snapshot, Workspace
from slopolicy.model.documents import Document
from slopolicy.model.problems import Problem
from slopolicy.model.waivers import FILENAME
from slopolicy.text.yamlsource import Path as YamlPath

SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}
ITEM_KINDS = {"kind": lsp.CompletionItemKind.Class, "apiVersion": lsp.CompletionItemKind.Module,
              "reference": lsp.CompletionItemKind.Reference,
              "rule": lsp.CompletionItemKind.Property, "preset": lsp.CompletionItemKind.EnumMember}
WATCHED = "**/*.{yaml,yml,json}"
P = TypeVar("P")
R = TypeVar("R")


class Options(Struct, frozen=True):
    """``slopolicy lsp``'s command line."""

    config: str | None = None
    cache_dir: Path | None = None
    use_cache: bool = True
    jobs: int | None = None


class Batch(Struct):
    """What changed since the last check began."""

    texts: dict[str, str | None] = field(default_factory=dict)  # open text; None: closed
    saved: set[str] = field(default_factory=set)
    disk: set[str] = field(default_factory=set)  # changed on disk, outside the editor
    reload: bool = False  # the configuration or the rules changed

    def __bool__(self) -> bool:
        return bool(self.texts or self.saved or self.disk or self.reload)


class Server(LanguageServer):
    """slopolicy's language server."""

    def __init__(self, options: Options) -> None:
        super().__init__("slopolicy", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.options = options
        self.ws: Workspace | None = None
        self.snapshot: Snapshot | None = None
        self.batch = Batch()
        self.task: asyncio.Task[None] | None = None
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="slopolicy-check")
        self.shown: dict[str, tuple[Problem, ...]] = {}  # problems the client has, by file
        self.published: dict[str, list[lsp.Diagnostic]] = {}  # by file
        self.uris: dict[str, str] = {}  # the client's URI of each file it opened
        self.failures: set[str] = set()  # the rules that raised in the last check
        self.retry = False  # the last load failed: load again with the next change
        self._register()

    def _register(self) -> None:
        notify: dict[str, Callable[[Any], None]] = {
            lsp.INITIALIZED: self.on_initialized,
            lsp.TEXT_DOCUMENT_DID_OPEN: self.on_open,
            lsp.TEXT_DOCUMENT_DID_CHANGE: self.on_change,
            lsp.TEXT_DOCUMENT_DID_CLOSE: self.on_close,
            lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES: self.on_watched,
            lsp.SHUTDOWN: self.on_shutdown,
        }
        for method, handler in notify.items():
            self.feature(method)(self.guarded(handler))
        self.feature(lsp.INITIALIZE)(self.guarded(self.on_initialize))
        self.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))(
            self.guarded(self.on_save))
        self.feature(lsp.TEXT_DOCUMENT_HOVER)(self.answering(self.on_hover))
        self.feature(lsp.TEXT_DOCUMENT_DEFINITION)(self.answering(self.on_definition))
        self.feature(lsp.TEXT_DOCUMENT_REFERENCES)(self.answering(self.on_references))
        self.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.RefactorRewrite],
        ))(self.answering(self.on_code_action))
        self.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(
            trigger_characters=[":", " "]))(self.answering(self.on_completion))

    # -- errors ---------------------------------------------------------------

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # noqa: BLE001 -- the connection is gone: nothing to tell
            pass

    def failed(self, what: str) -> None:
        self.log(f"slopolicy: {what} failed: {traceback.format_exc()}")

    def guarded(self, handler: Callable[[P], None]) -> Callable[[P], None]:
        """A notification handler whose error is logged to the client, not fatal."""
        @functools.wraps(handler)
        def run(params: P) -> None:
            try:
                handler(params)
            except Exception:  # noqa: BLE001 -- the server keeps running
                self.failed(getattr(handler, "__name__", "a notification"))
        return run

    def answering(self, handler: Callable[[P], Awaitable[R]]) -> Callable[[P], Awaitable[R | None]]:
        """A request handler that answers null after logging its error."""
        @functools.wraps(handler)
        async def run(params: P) -> R | None:
            try:
                return await handler(params)
            except Exception:  # noqa: BLE001 -- the server keeps running
                self.failed(getattr(handler, "__name__", "a request"))
                return None
        return run

    # -- lifecycle ------------------------------------------------------------

    def on_initialize(self, params: lsp.InitializeParams) -> None:
        folder = _folder(params)
        os.chdir(folder)  # the project is the folder's, as for `slopolicy check` run there
        options = self.options
        self.ws = Workspace(Path(folder), options.config, options.cache_dir, options.use_cache,
                            options.jobs)

    def on_initialized(self, params: lsp.InitializedParams) -> None:
        watching = self.client_capabilities.workspace
        dynamic = watching.did_change_watched_files if watching is not None else None
        if dynamic is not None and dynamic.dynamic_registration:
            self.client_register_capability(lsp.RegistrationParams(registrations=[
                lsp.Registration(id="slopolicy-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                 register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                     watchers=[lsp.FileSystemWatcher(glob_pattern=WATCHED)]))]))
        self.batch.reload = True
        self.kick()

    def on_shutdown(self, params: None) -> None:
        ws = self.ws
        if ws is not None:
            self.worker.submit(ws.save).result()

    # -- documents ------------------------------------------------------------

    def rel(self, uri: str) -> str | None:
        path = uris.to_fs_path(uri)
        if path is None or "\0" in path or self.ws is None:
            return None  # not a file, or one no file system can hold (a %00 in the URI)
        return self.ws.relative(Path(path))

    def uri(self, rel: str) -> str:
        found = self.uris.get(rel)
        if found is not None:
            return found
        assert self.ws is not None
        return self.ws.path(rel).as_uri()

    def on_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        rel = self.rel(params.text_document.uri)
        if rel is not None:
            self.uris[rel] = params.text_document.uri
            self.batch.texts[rel] = params.text_document.text
            self.kick()

    def opened(self, uri: str) -> str | None:
        """The text the editor holds of ``uri``; None when it never opened it.

        Not pygls's document of a file never opened: that reads the disk
        unguarded, and a FIFO there would stall the server for good.
        """
        document = self.workspace.text_documents.get(unquote(uri))
        return None if document is None else document.source

    def on_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        rel = self.rel(params.text_document.uri)
        text = self.opened(params.text_document.uri)
        if rel is not None and text is not None:
            self.batch.texts[rel] = text
            self.kick()

    def on_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        rel = self.rel(params.text_document.uri)
        if rel is not None and self.ws is not None:
            self.batch.saved.add(rel)
            self.batch.reload |= self.ws.is_policy(rel)
            self.kick()

    def on_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        rel = self.rel(params.text_document.uri)
        if rel is not None:
            self.batch.texts[rel] = None
            self.kick()

    def on_watched(self, params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            rel = self.rel(change.uri)
            if rel is not None and self.ws is not None:
                self.batch.disk.add(rel)
                self.batch.reload |= self.ws.is_policy(rel)
        self.kick()

    # -- checking -------------------------------------------------------------

    def kick(self) -> None:
        """Start checking, unless a check is running: it takes what changed meanwhile."""
        self.batch.reload |= self.retry
        self.retry = False
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        while self.batch and self.ws is not None:
            batch, self.batch = self.batch, Batch()
            started = time.perf_counter()
            try:
                snapshot = await loop.run_in_executor(self.worker, self._check, batch)
            except Exception:  # noqa: BLE001 -- logged; the next edit checks again
                self.failed("checking")
                self.retry |= batch.reload  # a load that failed is tried again then
                continue
            self.snapshot = snapshot
            if batch.reload:
                self.log(_loaded(snapshot, time.perf_counter() - started), lsp.MessageType.Info)
            for failure in snapshot.failures:
                if failure not in self.failures:  # said once, not on every keystroke
                    self.log(failure)
            self.failures = set(snapshot.failures)
            try:
                self.publish(snapshot, batch)
            except Exception:  # noqa: BLE001
                self.failed("publishing diagnostics")

    def _check(self, batch: Batch) -> Snapshot:
        """On the worker thread: apply what changed, then run every rule."""
        ws = self.ws
        assert ws is not None
        if batch.reload:
            ws.load()
        for rel, text in batch.texts.items():
            if text is None:
                ws.close(rel)
            else:
                ws.open(rel, text)
        for rel in batch.disk:
            ws.from_disk(rel)
        for rel in batch.saved:
            ws.saved(rel)
        snapshot = ws.check()
        if batch.reload or batch.saved:
            ws.save()
        return replace(snapshot, loaded=batch.reload)

    async def settled(self) -> Snapshot | None:
        """The check of the text as it stands now (waiting for the running one)."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)
        return self.snapshot

    # -- diagnostics ----------------------------------------------------------

    def publish(self, snapshot: Snapshot, batch: Batch) -> None:
        """Send the diagnostics of every file whose problems (or text) changed."""
        texts: dict[str, list[str]] = {}
        edited = {rel for rel in batch.texts}
        files = set(snapshot.problems) | set(self.shown) | edited
        for rel in sorted(files):
            problems = snapshot.problems.get(rel, ())
            if self.shown.get(rel, ()) == problems and rel not in edited and not snapshot.loaded:
                continue
            diagnostics = [self.diagnostic(p, texts) for p in problems]
            if problems:
                self.shown[rel] = problems
            else:
                self.shown.pop(rel, None)
            if self.published.get(rel, []) == diagnostics:
                continue
            self.published[rel] = diagnostics
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=self.uri(rel), diagnostics=diagnostics))
            if not diagnostics:
                del self.published[rel]

    def lines(self, rel: str, cache: dict[str, list[str]]) -> list[str]:
        if rel not in cache:
            assert self.ws is not None
            cache[rel] = lines_of(self.ws.text(rel))
        return cache[rel]

    def client_range(self, span: Span, lines: Sequence[str]) -> lsp.Range:
        codec = self.workspace.position_codec
        return lsp.Range(
            start=codec.position_to_client_units(lines, lsp.Position(span.line, span.start)),
            end=codec.position_to_client_units(lines, lsp.Position(span.line, span.end)))

    def place(self, rel: str, line: int, column: int, cache: dict[str, list[str]]) -> lsp.Range:
        """The client's range of the token at 1-based (line, column) of ``rel``."""
        lines = self.lines(rel, cache)
        return self.client_range(span_of(rel, lines, line - 1, column - 1), lines)

    def diagnostic(self, problem: Problem, texts: dict[str, list[str]]) -> lsp.Diagnostic:
        message, severity = problem.message, SEVERITY.get(problem.severity)
        if problem.waived:
            # accepted in .slopolicy.yaml: still shown, as `check` shows it, but not as a fault
            message += f" (waived: {problem.waiver_reason})"
            severity = lsp.DiagnosticSeverity.Hint
        related = [lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=self.uri(r.file),
                                  range=self.place(r.file, r.line, r.column, texts)),
            message=r.message) for r in problem.related if r.file]
        return lsp.Diagnostic(
            range=self.place(problem.file, problem.line, problem.column, texts),
            message=message, severity=severity, code=problem.rule, source="slopolicy",
            related_information=related or None)

    # -- requests -------------------------------------------------------------

    async def at(self, uri: str, position: lsp.Position
                 ) -> tuple[Snapshot, str, list[str], At | None, int, int] | None:
        """The check of the current text, and the document and path at ``position``."""
        snapshot = await self.settled()
        rel = self.rel(uri)
        if snapshot is None or rel is None or self.ws is None:
            return None
        lines = lines_of(self.ws.text(rel))
        place = self.workspace.position_codec.position_from_client_units(lines, position)
        source = snapshot.source(rel)
        text = "\n".join(lines)
        found = node_at(source, text, place.line, place.character) if source else None
        return snapshot, rel, lines, found, place.line, place.character

    async def on_hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        where = await self.at(params.text_document.uri, params.position)
        if where is None or where[3] is None:
            return None
        text = explain.hover(where[0], where[3])
        if text is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))

    def location(self, target: tuple[Document, YamlPath], cache: dict[str, list[str]]
                 ) -> lsp.Location:
        doc, path = target
        line, column = doc.locate(path)
        return lsp.Location(uri=self.uri(doc.source.path),
                            range=self.place(doc.source.path, line, column, cache))

    async def on_definition(self, params: lsp.DefinitionParams) -> list[lsp.Location]:
        where = await self.at(params.text_document.uri, params.position)
        if where is None or where[3] is None:
            return []
        cache: dict[str, list[str]] = {}
        return [self.location(t, cache) for t in navigate.definition(where[0], where[3])]

    async def on_references(self, params: lsp.ReferenceParams) -> list[lsp.Location]:
        where = await self.at(params.text_document.uri, params.position)
        if where is None or where[3] is None:
            return []
        snapshot, at = where[0], where[3]
        target = navigate.referenced(snapshot, at)
        found = navigate.references_to(snapshot, target)
        if params.context.include_declaration:
            found.insert(0, (target, navigate.NAME))
        cache: dict[str, list[str]] = {}
        return [self.location(t, cache) for t in found]

    async def on_code_action(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        where = await self.at(params.text_document.uri, params.range.start)
        if where is None:
            return []
        snapshot, rel, lines, at, line, _ = where
        last = max(line, params.range.end.line)
        found = fixes.actions(snapshot, rel, lines, line, last, at)
        cache = {rel: lines}
        out = []
        for action in found:
            edits: dict[str, list[lsp.TextEdit]] = {}
            for edit in action.edits:
                edits.setdefault(self.uri(edit.span.file), []).append(lsp.TextEdit(
                    range=self.client_range(edit.span, self.lines(edit.span.file, cache)),
                    new_text=edit.text))
            out.append(lsp.CodeAction(
                title=action.title, kind=lsp.CodeActionKind(action.kind), edit=lsp.WorkspaceEdit(changes=edits),
                diagnostics=[self.diagnostic(action.problem, cache)] if action.problem else None,
                is_preferred=action.preferred or None))
        return out

    async def on_completion(self, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        snapshot = self.snapshot  # the last check: completion must not wait for one
        rel = self.rel(params.text_document.uri)
        if snapshot is None or rel is None or self.ws is None:
            return None
        text = self.opened(params.text_document.uri)
        lines = lines_of(self.ws.text(rel) if text is None else text)
        place = self.workspace.position_codec.position_from_client_units(lines, params.position)
        config = Path(rel).name == FILENAME
        items, cut = complete.complete(snapshot, rel, lines, place.line, place.character, config)
        return lsp.CompletionList(is_incomplete=cut, items=[lsp.CompletionItem(
            label=item.label, kind=ITEM_KINDS.get(item.kind), detail=item.detail,
            documentation=item.documentation or None,
            text_edit=lsp.TextEdit(range=self.client_range(item.span, lines), new_text=item.text),
        ) for item in items])


def _loaded(snapshot: Snapshot, seconds: float) -> str:
    documents = len(snapshot.ctx.documents)
    files = len(snapshot.ctx.files)
    problems = sum(len(p) for p in snapshot.problems.values())
    return (f"slopolicy: checked {documents:,} document{'s' * (documents != 1)} in {files:,} "
            f"file{'s' * (files != 1)} in {seconds:.2f} s: {problems:,} "
            f"problem{'s' * (problems != 1)}")


def _folder(params: lsp.InitializeParams) -> str:
    """The workspace folder: the first one, else the root, else the current folder."""
    for uri in [f.uri for f in params.workspace_folders or ()] + [params.root_uri or ""]:
        path = uris.to_fs_path(uri) if uri else None
        if path:
            return path
    return params.root_path or os.getcwd()


def serve(options: Options) -> None:
    """Serve LSP over stdin and stdout until the client says exit.

    The protocol reads and writes its own copies of the standard streams, and
    the process's own stdin and stdout become /dev/null and stderr: anything
    else that prints (a plugin rule, a library) cannot corrupt the protocol,
    and a worker process forked for a large load does not inherit a stdin
    that the protocol's reader thread holds locked (the child would wait for
    it forever when it closes its stdin).
    """
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    protocol_in = os.fdopen(os.dup(stdin), "rb")
    protocol_out = os.fdopen(os.dup(stdout), "wb")
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, stdin)
    os.close(nothing)
    os.dup2(sys.stderr.fileno(), stdout)
    Server(options).start_io(protocol_in, protocol_out)
