"""slopolicy lsp against a hostile workspace and a hostile editor: the real server over stdio.

A pull request controls the files of the workspace, and a buggy or hostile
client the messages: special files, symlinks out of the repository, URIs
outside it and nonsense edits must each end as a finding or nothing, with
the server answering on and never reading or writing outside the workspace.
"""
from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import test_lsp
from lsprotocol import types as t
from test_lsp import SLO, Editor, position, start

from slopolicy.lsp.workspace import Workspace

acme = test_lsp.acme  # the copy of the example repository, as a fixture here too


@pytest_asyncio.fixture
async def hostile(acme: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    """The example repository with a FIFO, and symlinks to /dev/zero and out of it, as documents."""
    os.mkfifo(acme / "slos" / "pipe.yaml")
    (acme / "slos" / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "secret.yaml").write_text("hunter2hunter2: x\n")
    (acme / "slos" / "secret.yaml").symlink_to(tmp_path / "secret.yaml")
    client = await start(acme, tmp_path / "cache")
    yield Editor(client, acme)
    await client.shutdown_session()
    await client.stop()


@pytest.mark.asyncio
async def test_a_fifo_and_a_device_where_documents_go_are_findings_and_the_server_answers(
        hostile: Editor) -> None:
    [pipe] = await hostile.until("slos/pipe.yaml", lambda d: len(d) == 1)
    assert pipe.message.startswith("a FIFO (named pipe), not a regular file")
    [zero] = await hostile.until("slos/zero.yaml", lambda d: len(d) == 1)
    assert zero.message.startswith("a symbolic link (to /dev/zero)")
    # a link out of the repository: refused, and nothing of its target shows (not even
    # the length of its first word, as the diagnostic's range)
    [out] = await hostile.until("slos/secret.yaml", lambda d: len(d) == 1)
    assert out.message.startswith("a symbolic link (to ")
    assert out.range == t.Range(start=t.Position(0, 0), end=t.Position(0, 0))
    text = hostile.open(SLO)
    assert "public-api" in await hostile.hover(SLO, position(text, "target: 0.9995", 3))


@pytest.mark.asyncio
async def test_a_change_and_completion_in_a_fifo_never_opened_answer_and_the_server_goes_on(
        hostile: Editor) -> None:
    # a change of a document never opened: nothing to apply it to, and no reason to read it
    hostile.client.text_document_did_change(t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=hostile.uri("slos/pipe.yaml"),
                                                        version=2),
        content_changes=[t.TextDocumentContentChangeWholeDocument(text="kind: SLO\n")]))
    found = await hostile.client.text_document_completion_async(t.CompletionParams(
        text_document=hostile.doc("slos/pipe.yaml"), position=t.Position(0, 0)))
    assert isinstance(found, t.CompletionList) and not found.items
    text = hostile.open(SLO)
    assert "public-api" in await hostile.hover(SLO, position(text, "target: 0.9995", 3))


@pytest.mark.asyncio
async def test_documents_outside_the_repository_or_of_no_file_are_ignored_and_edits_go_on(
        hostile: Editor) -> None:
    root = hostile.root.as_uri()
    strange = ["file:///etc/passwd", f"{root}/slos/../../../etc/passwd",
               f"{root}/slos/%2E%2E/%2E%2E/%2E%2E/etc/passwd", f"{root}/slos/a%00b.yaml",
               "untitled:Untitled-1", "https://example.com/slos/x.yaml"]
    for uri in strange:
        hostile.client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text="apiVersion: openslo/v1\nkind: SLO\n")))
    hostile.open(SLO)
    hostile.replace(SLO, "target: 0.9995", "target: 0.99")
    await hostile.until(SLO, lambda d: [x.code for x in d] == ["slo-stricter-than-sla"])
    for uri in strange:
        found = await hostile.client.text_document_hover_async(t.HoverParams(
            text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(1, 7)))
        assert found is None, uri
    assert not set(strange) & set(hostile.client.diagnostics)
    assert [m.message for m in hostile.client.log_messages if "failed" in m.message] == []


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``root``: its kind and size, by path (the workspace as the server saw it)."""
    return {str(p.relative_to(root)): (p.lstat().st_mode, p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


@pytest.mark.asyncio
async def test_nonsense_and_floods_of_edits_leave_the_workspace_untouched_and_the_server_up(
        hostile: Editor) -> None:
    before = tree(hostile.root)
    text = hostile.open(SLO)
    uri = t.VersionedTextDocumentIdentifier(uri=hostile.uri(SLO), version=2)
    # a range far past the end of the text, then one that ends before it starts
    for first, last in (((900, 5), (1000, 9)), ((3, 9), (1, 0))):
        hostile.client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=uri, content_changes=[t.TextDocumentContentChangePartial(
                range=t.Range(start=t.Position(*first), end=t.Position(*last)), text="x")]))
    hostile.edit(SLO, text)
    # a new unsaved document over the size cap, and a burst of edits
    hostile.open("slos/huge.yaml", "a: " + "b" * (33 << 20) + "\n")
    for n in range(100):
        hostile.edit(SLO, text.replace("target: 0.9995", f"target: 0.99{n:02}"))
    hostile.edit(SLO, text.replace("target: 0.9995", "target: 0.99"))
    [huge] = await hostile.until("slos/huge.yaml", lambda d: len(d) == 1)
    assert "over the 33,554,432-byte limit" in huge.message
    await hostile.until(SLO, lambda d: [x.code for x in d] == ["slo-stricter-than-sla"])
    assert "public-api" in await hostile.hover(SLO, position(text, "target: 0.9995", 3))
    assert tree(hostile.root) == before
    hostile.edit(SLO, text)  # and the fixture shuts down while its check may still run


@pytest.mark.asyncio
@pytest.mark.parametrize("extends", [".slopolicy.yaml", "pipe.yaml", "zero.yaml"])
async def test_a_configuration_that_extends_itself_or_a_special_file_is_a_diagnostic(
        acme: Path, tmp_path: Path, extends: str) -> None:
    os.mkfifo(acme / "pipe.yaml")
    (acme / "zero.yaml").symlink_to("/dev/zero")
    config = acme / ".slopolicy.yaml"
    config.write_text(config.read_text().replace("extends: default", f"extends: {extends}"))
    client = await start(acme, tmp_path / "cache")
    editor = Editor(client, acme)
    try:
        [found] = await editor.until(".slopolicy.yaml", lambda d: len(d) == 1)
        assert found.code == "config" and extends in found.message
    finally:
        await client.shutdown_session()
        await client.stop()


def test_the_text_of_old_edits_is_freed_however_many_edits_come(acme: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check frees what the previous edits held: no leak per keystroke in a resident server."""
    monkeypatch.chdir(acme)
    ws = Workspace(acme, use_cache=False)
    ws.load()
    text = (acme / SLO).read_text() + "# " + "x" * 20_000 + "\n"  # 50 edits: a megabyte

    def held() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    tracemalloc.start()
    try:
        sizes = []
        for n in range(60):
            ws.open(SLO, text.replace("target: 0.9995", f"target: 0.99{n:02}"))
            ws.check()
            if n in (9, 59):
                sizes.append(held())
    finally:
        tracemalloc.stop()
    assert sizes[1] - sizes[0] < 200_000


def test_a_lone_surrogate_in_an_edit_is_a_finding_at_its_place(acme: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON can escape half a surrogate pair: the text could not be encoded, and every check
    of the workspace failed (a traceback in the editor's log) until the edit was undone."""
    monkeypatch.chdir(acme)
    ws = Workspace(acme, use_cache=False)
    ws.load()
    text = (acme / SLO).read_text().replace("name: public-api-availability",
                                            "name: public-api-\ud800availability")
    ws.open(SLO, text)
    snapshot = ws.check()
    assert not snapshot.failures
    line = text[:text.index("\ud800")].count("\n") + 1
    found = [(p.line, p.rule) for p in snapshot.problems[SLO]]
    assert (line, "yaml-syntax") in found


@pytest.mark.parametrize(("number", "size"), [("1e-99999999", "99,999,999"),
                                            ("1e-4301", "4,301")], ids=["attack", "just-past"])
def test_a_target_too_long_written_out_is_a_finding_at_it_in_the_editor(
        acme: Path, monkeypatch: pytest.MonkeyPatch, number: str, size: str) -> None:
    """``target: 1e-99999999``, typed in the editor: a finding at the number, never a
    check that works with 10**99999999 while the editor waits."""
    monkeypatch.chdir(acme)
    ws = Workspace(acme, use_cache=False)
    ws.load()
    text = (acme / SLO).read_text().replace("target: 0.9995", f"target: {number}")
    ws.open(SLO, text)
    snapshot = ws.check()
    assert not snapshot.failures
    before = text[:text.index(number)]
    found = [(p.line, p.column, p.rule) for p in snapshot.problems[SLO]
             if p.message.startswith(f"the number {number} is {size} digits")]
    assert found == [(before.count("\n") + 1, len(before.rsplit("\n", 1)[-1]) + 1, "yaml-syntax")]
