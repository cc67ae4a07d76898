"""slopolicy lsp: the language server, for editors (needs ``pip install 'slopolicy[lsp]'``).

This module is imported to build the command line, so it imports nothing of
the server: pygls and the server load only when the command runs.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from slopolicy.commands import EXIT_OK, jobs
from slopolicy.model.errors import UsageError

SERVER_PACKAGES = ("pygls", "lsprotocol", "cattrs", "attrs")  # what the lsp extra installs
NAME = "lsp"
HELP = "run the language server (LSP over stdio) for editors"
DESCRIPTION = """\
Run slopolicy's language server: the Language Server Protocol over stdin and
stdout, for any LSP editor. Every rule's findings as you type (the unsaved
text of open files over the files on disk, and every file an edit affects),
hover, go to definition, find references, code actions and completion. The
project is the editor's workspace folder, configured by its .slopolicy.yaml as
for `slopolicy check`. Needs the lsp extra: pip install 'slopolicy[lsp]'.
"""
EPILOG = """\
exit codes:
  0  the editor ended the session
  2  the lsp extra is not installed, or --config names no file

examples:
  slopolicy lsp                       what an editor runs (it speaks on stdin/stdout)
  slopolicy lsp --cache-dir /tmp/c    a cache folder of its own
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk over stdin and stdout (the default and only transport; "
                        "accepted because editors pass it)")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: "
                        ".slopolicy.yaml, searched upward from the workspace folder)")
    parser.add_argument("--no-cache", action="store_true",
                        help="do not read or write the result cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="result cache folder (default: the "
                        "user cache directory, shared with `slopolicy check`)")
    parser.add_argument("--jobs", type=jobs, metavar="N", help="worker processes for the first "
                        "load (default: all cores for large projects)")


def run(options: argparse.Namespace) -> int:
    try:
        from slopolicy.lsp import server
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in SERVER_PACKAGES:
            raise
        raise UsageError(f"the language server needs the lsp extra ({exc.name} is not "
                         "installed): pip install 'slopolicy[lsp]'") from None
    config = str(Path(options.config).resolve()) if options.config else None
    if config is not None and not Path(config).is_file():
        raise UsageError(f"--config {options.config}: no such file")
    server.serve(server.Options(
        config=config,
        cache_dir=Path(options.cache_dir).resolve() if options.cache_dir else None,
        use_cache=not options.no_cache,
        jobs=options.jobs,
    ))
    return EXIT_OK
