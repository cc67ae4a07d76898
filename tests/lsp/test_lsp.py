"""slopolicy lsp end to end: the real server, driven over stdio by a real LSP client.

Each test starts ``python -m slopolicy lsp`` in a copy of the example
repository (examples/acme) with a cache folder of its own, and speaks LSP to
it through pytest-lsp's client, as an editor would: open, edit, save, close,
hover, definition, references, code actions and completion.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import REPO
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from slopolicy.rules import builtin_rules

pytestmark = pytest.mark.asyncio
TIMEOUT = 60.0  # seconds; a shared 2-core machine running the suite in parallel is slow


class Editor:
    """An editor session: a client connected to the server, over one folder."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def text(self, rel: str) -> str:
        return self.texts[rel] if rel in self.texts else (self.root / rel).read_text()

    def open(self, rel: str, text: str | None = None) -> str:
        text = self.text(rel) if text is None else text
        self.texts[rel], self.versions[rel] = text, 1
        self.client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(
            uri=self.uri(rel), language_id="yaml", version=1, text=text)))
        return text

    def edit(self, rel: str, text: str) -> None:
        self.texts[rel] = text
        self.versions[rel] += 1
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=self.uri(rel),
                                                            version=self.versions[rel]),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))

    def replace(self, rel: str, old: str, new: str) -> str:
        text = self.text(rel)
        assert old in text, old
        self.edit(rel, text.replace(old, new, 1))
        return self.texts[rel]

    def type(self, rel: str, at: t.Position, typed: str) -> None:
        """Insert ``typed`` at ``at``, as an incremental change (what editors send)."""
        lines = self.texts[rel].split("\n")
        line = lines[at.line]
        lines[at.line] = line[:at.character] + typed + line[at.character:]
        self.texts[rel] = "\n".join(lines)
        self.versions[rel] += 1
        self.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=self.uri(rel),
                                                            version=self.versions[rel]),
            content_changes=[t.TextDocumentContentChangePartial(
                range=t.Range(start=at, end=at), text=typed)]))

    def save(self, rel: str) -> None:
        (self.root / rel).write_text(self.texts[rel])
        self.client.text_document_did_save(t.DidSaveTextDocumentParams(
            text_document=t.TextDocumentIdentifier(uri=self.uri(rel))))

    def close(self, rel: str) -> None:
        self.texts.pop(rel)
        self.client.text_document_did_close(t.DidCloseTextDocumentParams(
            text_document=t.TextDocumentIdentifier(uri=self.uri(rel))))

    def diagnostics(self, rel: str) -> list[t.Diagnostic]:
        return list(self.client.diagnostics.get(self.uri(rel), []))

    async def until(self, rel: str, wanted: Callable[[list[t.Diagnostic]], bool]
                    ) -> list[t.Diagnostic]:
        """The diagnostics of ``rel`` once ``wanted`` holds for them."""
        await until(lambda: wanted(self.diagnostics(rel)),
                    lambda: f"diagnostics of {rel}: {self.diagnostics(rel)}")
        return self.diagnostics(rel)

    def doc(self, rel: str) -> t.TextDocumentIdentifier:
        return t.TextDocumentIdentifier(uri=self.uri(rel))

    async def hover(self, rel: str, at: t.Position) -> str:
        found = await self.client.text_document_hover_async(t.HoverParams(
            text_document=self.doc(rel), position=at))
        assert found is not None and isinstance(found.contents, t.MarkupContent)
        return found.contents.value

    async def definition(self, rel: str, at: t.Position) -> list[t.Location]:
        found = await self.client.text_document_definition_async(t.DefinitionParams(
            text_document=self.doc(rel), position=at))
        assert isinstance(found, (list, tuple))
        return [loc for loc in found if isinstance(loc, t.Location)]

    async def actions(self, rel: str, at: t.Position) -> list[t.CodeAction]:
        found = await self.client.text_document_code_action_async(t.CodeActionParams(
            text_document=self.doc(rel), range=t.Range(start=at, end=at),
            context=t.CodeActionContext(diagnostics=self.diagnostics(rel))))
        return [a for a in found or [] if isinstance(a, t.CodeAction)]

    async def complete(self, rel: str, at: t.Position) -> list[str]:
        found = await self.client.text_document_completion_async(t.CompletionParams(
            text_document=self.doc(rel), position=at))
        assert isinstance(found, t.CompletionList)
        return [item.label for item in found.items]

    def apply(self, action: t.CodeAction) -> None:
        """Apply a code action's edit to the open documents, as the editor would."""
        assert action.edit is not None and action.edit.changes is not None
        for uri, edits in action.edit.changes.items():
            rel = next(r for r in self.texts if self.uri(r) == uri)
            self.edit(rel, applied(self.texts[rel], edits))


async def until(done: Callable[[], bool], shown: Callable[[], str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {shown()}")
        await asyncio.sleep(0.02)


def applied(text: str, edits: Sequence[t.TextEdit]) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                       reverse=True):
        start, end = edit.range.start, edit.range.end
        assert start.line == end.line
        line = lines[start.line]
        lines[start.line] = line[:start.character] + edit.new_text + line[end.character:]
    return "\n".join("\n".join(lines).split("\n"))


def position(text: str, needle: str, offset: int = 0) -> t.Position:
    """Where ``needle`` starts in ``text`` (plus ``offset`` characters)."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return t.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def checked(root: Path) -> list[tuple[str, int, int, str, str, str]]:
    """`slopolicy check --format json` of ``root``: (file, line, column, rule, severity, message)."""
    done = subprocess.run([sys.executable, "-m", "slopolicy", "check", "--format", "json",
                           "--no-cache"], cwd=root, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return sorted((p["file"], p["line"], p["column"], p["rule"], p["severity"], p["message"])
                  for p in json.loads(done.stdout)["problems"])


SEVERITIES = {t.DiagnosticSeverity.Error: "error", t.DiagnosticSeverity.Warning: "warning",
              t.DiagnosticSeverity.Information: "info"}


def shown(editor: Editor, rels: Sequence[str]) -> list[tuple[str, int, int, str, str, str]]:
    """The diagnostics of ``rels`` in the terms of `slopolicy check`'s JSON report."""
    return sorted((rel, d.range.start.line + 1, d.range.start.character + 1, str(d.code),
                   SEVERITIES[d.severity] if d.severity in SEVERITIES else "?", d.message)
                  for rel in rels for d in editor.diagnostics(rel))


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A copy of the example repository."""
    root = tmp_path / "acme"
    shutil.copytree(REPO / "examples" / "acme", root)
    (root / ".git").mkdir()
    return root


async def start(root: Path, cache: Path, env: dict[str, str] | None = None,
                profile: str = "neovim") -> LanguageClient:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "slopolicy", "lsp", "--stdio", "--cache-dir",
                        str(cache)], server_env=env)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    client.feature(t.CLIENT_REGISTER_CAPABILITY)(lambda params: None)  # watch files: yes
    result = await client.initialize_session(t.InitializeParams(
        capabilities=client_capabilities(profile), root_uri=root.as_uri(),
        workspace_folders=[t.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    ENCODINGS[id(client)] = str(result.capabilities.position_encoding or "utf-16")
    await until(lambda: any("slopolicy: checked" in m.message for m in client.log_messages),
                lambda: f"the first check; log: {[m.message for m in client.log_messages]}")
    return client


@pytest_asyncio.fixture
async def editor(acme: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    client = await start(acme, tmp_path / "cache")
    yield Editor(client, acme)
    await client.shutdown_session()
    await client.stop()


SLO = "slos/public-api.yaml"
SLA = "slas/globex.yaml"
ENCODINGS: dict[int, str] = {}  # the position encoding each client and its server agreed on


# -- diagnostics ------------------------------------------------------------------------------

async def test_an_edited_slo_updates_the_sla_it_backs_though_that_file_is_not_open(
        editor: Editor) -> None:
    editor.open(SLO)
    editor.replace(SLO, "name: public-api-availability", "name: public-api-availabilty")
    [found] = await editor.until(SLA, lambda d: len(d) == 1)
    assert SLA not in editor.texts  # never opened: the server published it by itself
    assert found.code == "unresolved-reference" and found.source == "slopolicy"
    assert found.severity == t.DiagnosticSeverity.Error
    assert found.message == ("SLO 'public-api-availability' is not defined in the checked "
                             'documents; did you mean "public-api-availabilty"?')
    assert found.range.start == position(editor.text(SLA), "public-api-availability")
    assert found.range.end.character - found.range.start.character == len("public-api-availability")
    # the edit is undone: the SLA's diagnostics are cleared
    editor.replace(SLO, "name: public-api-availabilty", "name: public-api-availability")
    assert await editor.until(SLA, lambda d: d == []) == []


async def test_open_edit_save_gives_what_check_gives_on_the_saved_files(editor: Editor) -> None:
    editor.open(SLO)
    # 99% cannot prove 99.9%: an error on the SLO, pointing at the SLA objective it breaks
    editor.replace(SLO, "target: 0.9995", "target: 0.99")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    assert found.code == "slo-stricter-than-sla"
    assert found.severity == t.DiagnosticSeverity.Error
    [related] = found.related_information or []
    assert related.location.uri == editor.uri(SLA)
    assert related.location.range.start == position(editor.text(SLA), "99.9\n")
    assert related.message == 'SLA globex-public-api objective "availability"'
    assert (editor.root / SLO).read_text() == editor.text(SLO).replace("0.99", "0.9995", 1)
    # saved, the disk agrees, and `slopolicy check` reports exactly what the editor shows
    editor.save(SLO)
    editor.close(SLO)
    assert shown(editor, [SLO, SLA]) == checked(editor.root)
    # an edit of the SLA's own target, unsaved, is judged against the SLO as it is on disk
    editor.open(SLA)
    editor.replace(SLA, "targetPercent: 99.9\n", "targetPercent: 98.5\n")
    [headroom] = await editor.until(SLO, lambda d: [x.code for x in d] == ["slo-headroom"])
    assert "may spend 66.67% of the SLA's error budget" in headroom.message
    await editor.until(SLA, lambda d: [x.code for x in d] == ["credit-tiers"])


async def test_configuration_severities_and_waivers_apply_and_reload_on_save(
        editor: Editor) -> None:
    editor.open(SLO)
    editor.replace(SLO, "target: 0.9995", "target: 0.9992")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    assert (found.code, found.severity) == ("slo-headroom", t.DiagnosticSeverity.Warning)
    config = ".slopolicy.yaml"
    editor.open(config)
    editor.replace(config, "slo-headroom: {severity: warning,", "slo-headroom: {severity: error,")
    editor.save(config)
    await editor.until(SLO, lambda d: len(d) == 1 and d[0].severity == t.DiagnosticSeverity.Error)
    # a waiver: still shown, as a hint that says why
    editor.edit(config, editor.text(config) + "waivers:\n  - {rule: slo-headroom, document: "
                "SLO/public-api-availability, reason: \"raising it, OPS-7\", expires: 2999-01-01}\n")
    editor.save(config)
    [waived] = await editor.until(
        SLO, lambda d: len(d) == 1 and d[0].severity == t.DiagnosticSeverity.Hint)
    assert waived.message.endswith("(waived: raising it, OPS-7)")
    # a broken configuration is a diagnostic at its line; the last good one stays in force
    editor.replace(config, "extends: default", "extends: defualt")
    editor.save(config)
    [broken] = await editor.until(config, lambda d: len(d) == 1)
    assert broken.code == "config" and "'defualt' is neither a preset" in broken.message
    assert editor.diagnostics(SLO) == [waived]
    editor.replace(config, "extends: defualt", "extends: default")
    editor.save(config)
    await editor.until(config, lambda d: d == [])


async def test_saving_a_file_deep_in_the_extends_chain_reloads_the_configuration(
        acme: Path, tmp_path: Path) -> None:
    (acme / ".slopolicy.yaml").write_text(
        "extends: policy/team.yml\ndocuments:\n  include: ['**/*.yaml']\n")
    (acme / "policy").mkdir()
    (acme / "policy" / "team.yml").write_text("extends: org.yml\n")
    (acme / "policy" / "org.yml").write_text(
        "extends: default\nrules:\n  slo-headroom: {severity: warning}\n")
    client = await start(acme, tmp_path / "cache")
    try:
        editor = Editor(client, acme)
        editor.open(SLO)
        editor.replace(SLO, "target: 0.9995", "target: 0.9992")
        await editor.until(SLO, lambda d: [(x.code, x.severity) for x in d] == [
            ("slo-headroom", t.DiagnosticSeverity.Warning)])
        # two files away from .slopolicy.yaml, and still the policy
        org = "policy/org.yml"
        editor.open(org)
        editor.replace(org, "severity: warning", "severity: error")
        editor.save(org)
        await editor.until(SLO, lambda d: [(x.code, x.severity) for x in d] == [
            ("slo-headroom", t.DiagnosticSeverity.Error)])
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_half_typed_yaml_is_a_syntax_diagnostic_and_the_server_answers_on(
        editor: Editor) -> None:
    rel = "slos/new.yaml"  # a new file, not yet on disk
    editor.open(rel, "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [checkout\n")
    [found] = await editor.until(rel, lambda d: len(d) == 1)
    assert found.code == "yaml-syntax" and found.severity == t.DiagnosticSeverity.Error
    assert found.range.start.line >= 3
    # typing goes on, character by character, through states that are not YAML at all
    editor.edit(rel, "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: checkout-new\n"
                "spec:\n  service: checkout\n  indicatorRef: \n")
    for character in "checkout-succ:":
        end = position(editor.texts[rel], "indicatorRef: ", len("indicatorRef: "))
        end = t.Position(line=end.line, character=len(editor.texts[rel].split("\n")[end.line]))
        editor.type(rel, end, character)
    # the syntax error of the last state (line 7), not the first one's (line 4)
    await editor.until(rel, lambda d: any(x.code == "yaml-syntax" and x.range.start.line >= 6
                                          for x in d))
    labels = await editor.complete(rel, position(editor.texts[rel], "service: ",
                                                 len("service: ")))
    assert labels == ["checkout", "public-api"]
    editor.replace(rel, "checkout-succ:", "checkout-success")
    # Diagnostics of an intermediate state ("checkout-succ") may arrive first: wait for
    # the last state's. A reference the server failed to resolve would never clear (timeout).
    await editor.until(rel, lambda d: all(
        x.code not in ("yaml-syntax", "unresolved-reference") for x in d))


# -- hover ------------------------------------------------------------------------------------

async def test_hover_on_an_sla_objective_gives_verdict_headroom_backing_and_counterexample(
        editor: Editor) -> None:
    sla = editor.open(SLA)
    text = await editor.hover(SLA, position(sla, "targetPercent: 99.9"))
    assert text.startswith('**SLA globex-public-api objective "availability"**: 99.9% per '
                           "calendar month (UTC), Occurrences")
    assert '**PROVEN** by SLO public-api-availability objective "internal", headroom 0.5: ' \
           "the SLO alerts when 50% of the SLA's error budget is spent" in text
    assert '- SLO public-api-availability objective "internal" (`slos/public-api.yaml`): ' \
           "**PROVEN**. SLO 99.95% of requests per calendar month (UTC)" in text
    # the SLO weakened in another editor tab: the SLA's hover says so, with the example
    editor.open(SLO)
    editor.replace(SLO, "target: 0.9995", "target: 0.99")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    example = found.message.split("For example: ")[1]
    text = await editor.hover(SLA, position(sla, "targetPercent: 99.9"))
    assert "**VIOLATED**: no backing SLO proves this objective." in text
    assert f"Counterexample: {example}" in text
    # too little headroom: the hover names the target that restores it
    editor.replace(SLO, "target: 0.99", "target: 0.9992")
    await editor.until(SLO, lambda d: [x.code for x in d] == ["slo-headroom"])
    text = await editor.hover(SLA, position(sla, "name: availability"))
    assert "Too little headroom: raise the SLO target to at least 99.95% (`slo-headroom`)." in text


async def test_hover_on_an_slo_objective_lists_the_slas_it_backs(editor: Editor) -> None:
    slo = editor.open(SLO)
    text = await editor.hover(SLO, position(slo, "target: 0.9995"))
    assert text == (
        '**SLO public-api-availability objective "internal"** backs:\n\n'
        '- SLA globex-public-api objective "availability" (customer globex, '
        "`slas/globex.yaml`): 99.9% per calendar month (UTC), Occurrences: **PROVEN**, "
        "headroom 0.5: the SLO alerts when 50% of the SLA's error budget is spent "
        "(max-budget-ratio 0.5)")
    # the latency SLO, in the second document of the file, backs the latency objective
    text = await editor.hover(SLO, position(slo, "targetPercent: 99"))
    assert text.startswith('**SLO public-api-latency objective "internal"** backs:')
    assert 'SLA globex-public-api objective "latency-p95"' in text
    assert "95% of requests within 500ms per calendar month (UTC)" in text


async def test_a_hover_quotes_a_customer_and_a_path_as_text_never_as_markup(
        editor: Editor) -> None:
    """An SLA written by a pull request cannot put an image (a tracking pixel), a link, HTML
    or a mention into the hover an editor renders."""
    editor.open(SLA)
    editor.replace(SLA, "customer: globex",
                   'customer: "![p](https://e.example/p.png) <img src=x> @octocat [l](x)"')
    await editor.until(SLA, lambda d: True)
    slo = editor.open(SLO)
    text = await editor.hover(SLO, position(slo, "target: 0.9995"))
    assert "(customer !\\[p\\](https:&#8203;//e.example/p.png) \\<img src=x\\> @&#8203;octocat " \
           "\\[l\\](x), `slas/globex.yaml`)" in text


async def test_hover_on_a_duration_says_what_it_means(editor: Editor) -> None:
    slo = editor.open(SLO)
    text = await editor.hover(SLO, position(slo, "duration: 1M", len("duration: ")))
    assert text.startswith("**`1M`** is 1 calendar month: no fixed length (28 to 31 days each")
    assert "The case matters: `1m` would be 1 minute." in text
    editor.replace(SLO, "duration: 1M", "duration: 1m")
    text = await editor.hover(SLO, position(editor.text(SLO), "duration: 1m", len("duration: ")))
    assert text.startswith("**`1m`** is 1 minute. The case matters: `1M` would be 1 calendar "
                           "month.")
    sla = editor.open(SLA)
    text = await editor.hover(SLA, position(sla, "resolution: 4h", len("resolution: ")))
    assert text.startswith("**`4h`** is 4 hours. In slopolicy's durations `m` is minutes, always")
    text = await editor.hover(SLA, position(sla, "threshold: 500ms", len("threshold: ")))
    assert text.startswith("**`500ms`** is 500 milliseconds.")


# -- definition and references ----------------------------------------------------------------

@pytest.mark.parametrize(("rel", "needle", "target", "name"), [
    (SLA, "slo: public-api-availability", SLO, "name: public-api-availability"),
    (SLO, "indicatorRef: public-api-success", "slis/public-api.yaml", "name: public-api-success"),
    (SLO, "alertPolicyRef: public-api-fast-burn", "alerts/public-api.yaml",
     "name: public-api-fast-burn"),
    ("slis/public-api.yaml", "metricSourceRef: prometheus", "datasources/prometheus.yaml",
     "name: prometheus"),
    (SLA, "service: public-api", "services/services.yaml", "name: public-api"),
    (SLO, "service: public-api", "services/services.yaml", "name: public-api"),
])
async def test_go_to_definition(editor: Editor, rel: str, needle: str, target: str,
                                name: str) -> None:
    text = editor.open(rel)
    [found] = await editor.definition(rel, position(text, needle, needle.index(":") + 4))
    assert found.uri == editor.uri(target)
    start = position(editor.text(target), name, len("name: "))
    assert found.range.start == start
    assert found.range.end.character == start.character + len(name) - len("name: ")


async def test_find_references_from_an_slo_gives_the_slas_that_name_it(editor: Editor) -> None:
    slo = editor.open(SLO)
    # a second SLA names the same SLO
    second = (editor.root / SLA).read_text().replace("name: globex-public-api",
                                                     "name: hooli-public-api")
    (editor.root / "slas" / "hooli.yaml").write_text(second.replace("customer: globex",
                                                                    "customer: hooli"))
    editor.client.workspace_did_change_watched_files(t.DidChangeWatchedFilesParams(changes=[
        t.FileEvent(uri=editor.uri("slas/hooli.yaml"), type=t.FileChangeType.Created)]))
    found = await editor.client.text_document_references_async(t.ReferenceParams(
        context=t.ReferenceContext(include_declaration=False), text_document=editor.doc(SLO),
        position=position(slo, "public-api-availability")))
    where = position(editor.text(SLA), "slo: public-api-availability", len("slo: "))
    assert sorted((loc.uri, loc.range.start.line, loc.range.start.character)
                  for loc in found or []) == sorted(
        (editor.uri(rel), where.line, where.character) for rel in (SLA, "slas/hooli.yaml"))
    found = await editor.client.text_document_references_async(t.ReferenceParams(
        context=t.ReferenceContext(include_declaration=True), text_document=editor.doc(SLO),
        position=position(slo, "target: 0.9995")))
    assert len(found or []) == 3 and (found or [])[0].uri == editor.uri(SLO)


# -- code actions -----------------------------------------------------------------------------

async def test_raise_the_slo_target_to_what_slo_headroom_computes(editor: Editor) -> None:
    editor.open(SLO)
    editor.replace(SLO, "target: 0.9995", "target: 0.9992")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    assert found.message.endswith("raise the SLO target to at least 99.95%")
    [action] = [a for a in await editor.actions(SLO, found.range.start)
                if a.title.startswith("Raise")]
    assert action.title == "Raise the SLO target to 99.95% (max-budget-ratio 0.5)"
    assert action.kind == t.CodeActionKind.QuickFix and action.is_preferred
    assert [d.code for d in action.diagnostics or []] == ["slo-headroom"]
    editor.apply(action)
    assert "target: 0.9995\n" in editor.texts[SLO]
    await editor.until(SLO, lambda d: d == [])
    # a targetPercent is raised in percent: 97% against 95% leaves 60% of the budget
    editor.replace(SLO, "targetPercent: 99\n", "targetPercent: 97\n")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    [action] = [a for a in await editor.actions(SLO, found.range.start)
                if a.title.startswith("Raise")]
    editor.apply(action)
    assert "targetPercent: 97.5\n" in editor.texts[SLO]
    await editor.until(SLO, lambda d: d == [])


async def test_a_raised_target_clears_the_finding_of_an_sla_past_28_digits(editor: Editor
                                                                          ) -> None:
    """The SLA's 95.000...01% (31 digits) wants an SLO above 97.500...005% (32): the quick
    fix writes a short target at least that (never one rounded below it), and the finding
    goes."""
    editor.open(SLO)
    editor.open(SLA)
    editor.replace(SLA, "targetPercent: 95\n", "targetPercent: 95.00000000000000000000000000001\n")
    editor.replace(SLO, "targetPercent: 99\n", "targetPercent: 97\n")
    [found] = await editor.until(SLO, lambda d: len(d) == 1)
    [action] = [a for a in await editor.actions(SLO, found.range.start)
                if a.title.startswith("Raise")]
    editor.apply(action)
    assert "targetPercent: 97.51\n" in editor.texts[SLO]
    await editor.until(SLO, lambda d: d == [])


async def test_apply_the_did_you_mean_of_an_unresolved_reference(editor: Editor) -> None:
    editor.open(SLA)
    editor.replace(SLA, "slo: public-api-availability", "slo: public-api-availabilty")
    [found] = await editor.until(SLA, lambda d: len(d) == 1)
    [fix] = [a for a in await editor.actions(SLA, found.range.start)
             if a.title.startswith("Change")]
    assert fix.title == 'Change to "public-api-availability"' and fix.is_preferred
    editor.apply(fix)
    assert "slo: public-api-availability\n" in editor.texts[SLA]
    await editor.until(SLA, lambda d: d == [])


async def test_bump_the_version_and_add_a_missing_supersedes(editor: Editor) -> None:
    sla = editor.open(SLA)
    actions = {a.title: a for a in await editor.actions(SLA, position(sla, "contract:"))}
    bump = actions["Bump spec.version to 4 (supersedes: 3)"]
    assert bump.kind == t.CodeActionKind.RefactorRewrite
    assert "Add supersedes: 2" not in actions  # it has one
    editor.apply(bump)
    assert "  version: 4\n  supersedes: 3\n" in editor.texts[SLA]
    # without supersedes: it is added on a line of its own, and a bump adds it too
    editor.edit(SLA, editor.texts[SLA].replace("  supersedes: 3\n", ""))
    await editor.until(SLA, lambda d: d == [])
    actions = {a.title: a for a in await editor.actions(SLA, position(editor.texts[SLA],
                                                                        "version: 4"))}
    editor.apply(actions["Add supersedes: 3"])
    assert "  version: 4\n  supersedes: 3\n  effective:" in editor.texts[SLA]
    editor.edit(SLA, editor.texts[SLA].replace("  supersedes: 3\n", ""))
    actions = {a.title: a for a in await editor.actions(SLA, position(editor.texts[SLA],
                                                                        "version: 4"))}
    editor.apply(actions["Bump spec.version to 5 (supersedes: 4)"])
    assert "  version: 5\n  supersedes: 4\n  effective:" in editor.texts[SLA]
    await editor.until(SLA, lambda d: d == [])


# -- completion -------------------------------------------------------------------------------

async def test_completion_of_kinds_api_versions_and_names(editor: Editor) -> None:
    rel = "slos/new.yaml"
    text = editor.open(rel, "apiVersion: \n")
    labels = await editor.complete(rel, position(text, "apiVersion: ", 12))
    assert labels[:2] == ["openslo/v1", "slopolicy/v1"]  # slopolicy's own first
    assert "pyrra.dev/v1alpha1" in labels  # then the other formats it reads
    text = "apiVersion: openslo/v1\nkind: S\n"
    editor.edit(rel, text)
    assert await editor.complete(rel, position(text, "kind: S", 7)) == ["SLI", "SLO", "Service"]
    text = ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: \n"
            "  indicatorRef: public\n  alertPolicies:\n    - alertPolicyRef: \n")
    editor.edit(rel, text)
    assert await editor.complete(rel, position(text, "service: ", 9)) == [
        "checkout", "public-api"]
    assert await editor.complete(rel, position(text, "indicatorRef: public", 20)) == [
        "public-api-fast", "public-api-success"]
    assert await editor.complete(rel, position(text, "alertPolicyRef: ", 16)) == [
        "public-api-fast-burn"]
    sla = editor.open(SLA)
    assert await editor.complete(SLA, position(sla, "slo: public-api-av", 18)) == [
        "public-api-availability"]
    slis = editor.open("slis/public-api.yaml")
    assert await editor.complete("slis/public-api.yaml", position(
        slis, "metricSourceRef: ", 17)) == ["prometheus"]


async def test_completion_of_rule_ids_in_the_configuration(editor: Editor) -> None:
    config = ".slopolicy.yaml"
    text = editor.open(config, editor.text(config) + "  credit-t\nwaivers:\n  - rule: slo-\n")
    assert await editor.complete(config, position(text, "  credit-t", 10)) == ["credit-tiers"]
    found = await editor.client.text_document_completion_async(t.CompletionParams(
        text_document=editor.doc(config), position=position(text, "rule: slo-", 10)))
    assert isinstance(found, t.CompletionList)
    catalogue = [(rule.id, rule.severity) for rule in builtin_rules().values()
                 if rule.id.startswith("slo-")]
    assert [(i.label, i.detail) for i in found.items] == catalogue
    assert ("slo-headroom", "warning") in catalogue and len(catalogue) >= 3


# -- robustness and packaging -----------------------------------------------------------------

HOOLI = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {metadata}
spec:
  customer: hooli
  service: public-api
  version: 1
  effective: {{from: 2025-01-01}}
  window: {{calendar: month, timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives:
    - {{name: availability, indicator: availability, targetPercent: 99.9,
       slo: public-api-availability}}
"""


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/plugin_fixture (a rule plugin), installed with pip into a folder of its own."""
    work = tmp_path_factory.mktemp("lsp-plugin")
    shutil.copytree(REPO / "tests" / "plugin_fixture", work / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--disable-pip-version-check", "--target",
         str(work / "site"), str(work / "src")], check=True, capture_output=True, text=True)
    return work / "site"


async def test_a_rule_that_raises_is_logged_to_the_client_and_the_server_goes_on(
        acme: Path, tmp_path: Path, plugin_site: Path) -> None:
    import os

    (acme / ".slopolicy.yaml").write_text("extends: default\nplugins: [fixture-owner]\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(plugin_site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    client = await start(acme, tmp_path / "cache", env)
    try:
        editor = Editor(client, acme)
        rel = "slas/broken.yaml"
        # the plugin reads metadata as a mapping: a list makes it raise
        editor.open(rel, HOOLI.format(metadata="[hooli-public-api]"))
        await until(lambda: any("rule fixture-owner" in m.message for m in client.log_messages),
                    lambda: f"{[m.message for m in client.log_messages]}")
        [log] = [m for m in client.log_messages if "rule fixture-owner" in m.message]
        assert log.type == t.MessageType.Error
        assert log.message.startswith(
            "slopolicy: rule fixture-owner (plugin fixture-owner (slopolicy-fixture-plugin "
            "1.0.0)) failed: AttributeError: 'list' object has no attribute 'get'")
        assert "Traceback" in log.message
        # the other rules' findings are there, and the server answers on
        await editor.until(rel, lambda d: any(x.code == "schema" for x in d))
        sla = editor.open(SLA)
        assert "**PROVEN**" in await editor.hover(SLA, position(sla, "targetPercent: 99.9"))
        editor.edit(rel, HOOLI.format(metadata="{name: hooli-public-api, owner: a@acme.example}"))
        await editor.until(rel, lambda d: all(x.code != "schema" for x in d))
        assert len([m for m in client.log_messages if "rule fixture-owner" in m.message]) == 1
    finally:
        await client.shutdown_session()
        await client.stop()


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")  # not async: the module mark
def test_the_command_line_does_not_load_the_server() -> None:
    code = ("import sys; from slopolicy.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pygls', 'lsprotocol', 'cattrs') or m.startswith('slopolicy.lsp')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n"


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")
def test_without_the_lsp_extra_the_command_says_how_to_install_it() -> None:
    code = ("import sys; sys.modules['pygls'] = None; from slopolicy.cli import main; "
            "raise SystemExit(main(['lsp']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == ("slopolicy: error: the language server needs the lsp extra (pygls is "
                           "not installed): pip install 'slopolicy[lsp]'\n")


@pytest.mark.filterwarnings("ignore::pytest.PytestWarning")
def test_a_did_you_mean_index_derived_from_the_last_one_is_the_fresh_one() -> None:
    """The server checks after every edit: the index of names is derived, and must not drift."""
    from slopolicy.rules import unresolved_reference as rule

    names = [f"svc-{i}-availability" for i in range(600)]
    first = rule.Names(names)
    assert first.closest("svc-7-availabilty") == "svc-7-availability"
    edited = [n for n in names if n != "svc-7-availability"] + ["svc-7-availability-x"]
    derived = rule.Names(edited)
    assert derived.closest("svc-7-availability-y") == "svc-7-availability-x"
    assert derived.closest("svc-7-availabilty") is None  # the renamed one is no candidate
    rule._RECENT.clear()
    fresh = rule._deletion_index(sorted(set(edited))).entries()
    assert derived._index().entries() == fresh
    assert first._index().entries() != fresh  # the first index was not changed in place
    # and back: the derived index of the first names is the first index
    assert rule.Names(names)._index().entries() == first._index().entries()


async def test_the_benchmark_times_an_edit_to_the_diagnostics_of_a_file_not_open(
        tmp_path: Path) -> None:
    """bench/editor.py, on a small project: the figure the README keeps, measured for real.

    Its 400 files are enough for the first load to use worker processes, forked
    by a server whose reader thread is blocked on the protocol's stdin.
    """
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from editor import measure
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    root = tmp_path / "project"
    generate(root, 200)
    (root / ".git").mkdir()
    figures = await measure(root, tmp_path / "cache", edits=4)
    assert len(figures.edits) == 4 and figures.load > 0
    # every edit's diagnostics came (measure waits for them); on a shared, busy machine
    # only a generous bound holds: the README's figure is measured on an idle one
    assert 0 < figures.median < 5


@pytest.mark.parametrize("profile", ["neovim", "visual-studio-code"])
async def test_positions_are_in_the_clients_units_past_characters_outside_the_bmp(
        acme: Path, tmp_path: Path, profile: str) -> None:
    client = await start(acme, tmp_path / "cache", profile=profile)
    try:
        editor = Editor(client, acme)
        rel = "services/rocket.yaml"
        text = editor.open(rel, 'apiVersion: openslo/v1\nkind: Service\n'
                                'metadata: {displayName: "🚀🚀 launch", name: Rocket Launch}\n')
        [found] = await editor.until(rel, lambda d: [x.code for x in d] == ["schema"])
        line = text.split("\n")[2]
        before = line[:line.index("Rocket Launch")]
        # columns count the units client and server agreed on (Neovim offers UTF-8, VS Code
        # keeps LSP's default UTF-16): a rocket is 4 UTF-8 units, 2 UTF-16 units
        encoding = ENCODINGS[id(client)]
        expected = {"utf-8": len(before.encode("utf-8")),
                    "utf-16": len(before.encode("utf-16-le")) // 2,
                    "utf-32": len(before)}[encoding]
        assert found.range.start == t.Position(line=2, character=expected)
        assert found.range.end.character == expected + len("Rocket Launch")
        assert (profile, encoding) in (("neovim", "utf-8"), ("visual-studio-code", "utf-16"))
    finally:
        await client.shutdown_session()
        await client.stop()
