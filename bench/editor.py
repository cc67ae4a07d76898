"""The language server's figure: how soon diagnostics follow an edit.

    python bench/editor.py                 # 20,000 documents, 20 edits
    python bench/editor.py --pairs 2000 --edits 10

``python bench/run.py`` measures it too, on its 20,000-document workload, beside
the warm ``check`` of one changed file.

Starts ``slopolicy lsp`` over stdio in a generated project, speaks LSP to it as
an editor does (pytest-lsp's client, from the test extra), waits for the first
load, then opens one SLO and times each edit: from the ``didChange`` to the
``publishDiagnostics`` that the edit causes on the SLA the SLO backs, a file
that is not open. Edits alternate between a rename of the SLO (the SLA's
``slo:`` no longer resolves: a finding appears) and its undoing (the finding
goes), so every edit needs the cross-file rules over the whole project.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

TIMEOUT = 600.0  # seconds: the first load of a cold 100,000-document project is long


@dataclass(frozen=True)
class Figures:
    load: float  # seconds from initialize to the first check's end
    edits: tuple[float, ...]  # seconds from each edit to its diagnostics

    @property
    def median(self) -> float:
        return statistics.median(self.edits)

    @property
    def worst(self) -> float:
        return max(self.edits)


async def _until(done: object, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.perf_counter() + timeout
    while not done():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise SystemExit(f"bench/editor.py: timed out waiting for {what}")
        await asyncio.sleep(0.001)


async def measure(root: Path, cache: Path, edits: int, service: int = 7,
                  env: dict[str, str] | None = None) -> Figures:
    """Time the first load and ``edits`` edits of ``slos/svc-<service>.yaml`` under ``root``."""
    config = ClientServerConfig([sys.executable, "-m", "slopolicy", "lsp", "--cache-dir",
                                 str(cache)], server_env=env)
    started = time.perf_counter()
    client = await config.start()
    assert isinstance(client, LanguageClient)
    client.feature(t.CLIENT_REGISTER_CAPABILITY)(lambda params: None)  # watch files: yes
    try:
        await client.initialize_session(t.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()))
        await _until(lambda: any("slopolicy: checked" in m.message for m in client.log_messages),
                     "the first check")
        load = time.perf_counter() - started
        slo = root / "slos" / f"svc-{service}.yaml"
        sla = (root / "slas" / f"customer-{service}.yaml").as_uri()
        text = slo.read_text()
        name = f"name: svc-{service}-availability\n"
        client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(
            uri=slo.as_uri(), language_id="yaml", version=1, text=text)))
        times = []
        for number in range(edits):
            broken = number % 2 == 0
            edited = text.replace(name, f"name: svc-{service}-availability-{number}\n") \
                if broken else text
            sent = time.perf_counter()
            client.text_document_did_change(t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=slo.as_uri(),
                                                                version=number + 2),
                content_changes=[t.TextDocumentContentChangeWholeDocument(text=edited)]))
            await _until(lambda broken=broken: bool(client.diagnostics.get(sla)) == broken,
                         f"the diagnostics of edit {number + 1}", timeout=60)
            times.append(time.perf_counter() - sent)
            await asyncio.sleep(0.1)  # a person types; the next edit is not queued behind
        await client.shutdown_session()
    finally:
        await client.stop()
    return Figures(load, tuple(times))


def report(figures: Figures, documents: int, warm: float | None = None) -> str:
    """The figure's line; with ``warm`` (a warm one-file `check`), the ratio to it too."""
    ratio = f"; {figures.median / warm:.2f}x the warm one-file check" if warm else ""
    return (f"{'editor: edit to diagnostics, ' + format(documents, ',') + ' docs, wall':<52} "
            f"{figures.median:6.2f}s  (median of {len(figures.edits)}, worst "
            f"{figures.worst:.2f}s{ratio}; first load {figures.load:.1f}s; target < 0.3s)  "
            f"{'ok' if figures.median < 0.3 else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=10000, help="SLO/SLA pairs (default "
                        "10,000: 20,000 documents)")
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="slopolicy-bench-lsp-") as name:
        root = Path(name) / "project"
        generate(root, args.pairs)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        cache = Path(name) / "cache"
        # a warm cache, as after any `slopolicy check` of the project
        subprocess.run([sys.executable, "-m", "slopolicy", "check", "--cache-dir", str(cache)],
                       cwd=root, check=True, stdout=subprocess.DEVNULL)
        figures = asyncio.run(measure(root, cache, args.edits))
    print(report(figures, 2 * args.pairs))
    return 0 if figures.median < 0.3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
