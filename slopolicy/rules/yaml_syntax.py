"""The file is not valid YAML or JSON.

Reported where the parser stopped, for a syntax error, and for text that
cannot be read safely: bytes not UTF-8, binary files, files over the size
limit, nesting past 256 levels, alias expansion past 250,000 nodes (a
"billion laughs" bomb), numbers of over 4,300 digits written out in full
(``1e-99999999``), and tags such as ``!!python/object``, never constructed.
A path that is no regular file (a FIFO, a device, a symbolic link, at a git
ref too) or a folder that cannot be read is reported at line 1, never opened.

Template syntax (``{{ ... }}``) makes a file YAML only once rendered: a scan
skips it as other YAML, unless the text it leaves unread declares a document
slopolicy reads (an SLA, an OpenSLO SLO, a Sloth file). That document is
reported at the template line: not checked as committed, its change cannot
be judged. Commit it without the template, or exclude a file meant to be
checked once rendered (``documents.exclude``).

Passing example::

    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: checkout

Failing example (an unclosed flow sequence)::

    apiVersion: openslo/v1
    kind: Service
    metadata: {name: checkout, labels: [a, b}

Failing example (a template line before an agreement)::

    {{- if .Values.enabled }}
    apiVersion: slopolicy/v1
    kind: SLA
    metadata:
      name: globex-public-api
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding, Related

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "yaml-syntax"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}


def load_findings(ctx: Context, rule: str) -> Iterator[Finding]:
    """Findings the loader recorded for ``rule`` (shared with duplicate-key)."""
    for source in ctx.files:
        for problem in source.problems:
            if problem.rule == rule:
                yield Finding(
                    problem.message,
                    file=source.path,
                    line=problem.line,
                    column=problem.column,
                    related=tuple(
                        Related(message, file=source.path, line=line, column=column)
                        for line, column, message in problem.related
                    ),
                )


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    yield from load_findings(ctx, ID)
