"""Code actions: edits that fix a finding or do a routine change of an agreement.

* ``slo-headroom``: raise the SLO target to the value the rule names (the
  same computation, :func:`slopolicy.rules.slo_headroom.least_target`), written in
  the field's own unit (``target`` a fraction, ``targetPercent`` a percent);
* ``unresolved-reference``: apply the did-you-mean of its message;
* on an SLA: bump ``spec.version`` (and set ``supersedes`` to the old one),
  or add a missing ``supersedes``.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence

from msgspec import Struct

from slopolicy.lsp.cursor import At, Span, key_at, span_of, token_end, value_at
from slopolicy.lsp.explain import max_budget_ratio, remedy
from slopolicy.lsp.workspace import Snapshot
from slopolicy.model.problems import Problem
from slopolicy.rules.linking import links
from slopolicy.rules.slo_headroom import percent, plain
from slopolicy.slo.units import shift_point

QUICKFIX = "quickfix"
REWRITE = "refactor.rewrite"
_HINT = re.compile(r'did you mean "([^"]+)"\?')
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")


class Edit(Struct, frozen=True):
    span: Span
    text: str


class Action(Struct, frozen=True):
    title: str
    kind: str
    edits: tuple[Edit, ...]
    problem: Problem | None = None  # the finding it fixes
    preferred: bool = False


def actions(snapshot: Snapshot, rel: str, lines: Sequence[str], first: int, last: int,
            at: At | None) -> list[Action]:
    """The actions for lines ``first``..``last`` (0-based) of ``rel``, the cursor ``at``."""
    found: list[Action | None] = []
    for problem in snapshot.problems.get(rel, ()):
        if first <= problem.line - 1 <= last:
            if problem.rule == "slo-headroom":
                found.append(raise_target(snapshot, problem, lines))
            elif problem.rule == "unresolved-reference":
                found.append(did_you_mean(problem, lines))
    if at is not None and at.document.kind == "SLA" and at.document.source.path == rel:
        found += [bump_version(at, lines), add_supersedes(at, lines)]
    return [a for a in found if a is not None]


def raise_target(snapshot: Snapshot, problem: Problem, lines: Sequence[str]) -> Action | None:
    limit = max_budget_ratio(snapshot)
    for link in links(snapshot.ctx):
        advised = remedy(link, limit)
        if advised is None:
            continue
        best, target = advised
        slo, path = best.slo, best.path
        if slo.source.path != problem.file or path[-1] not in ("target", "targetPercent"):
            continue
        if slo.locate(path) != (problem.line, problem.column):
            continue
        # exactly: scaleb rounds to 28 digits, short of a target past them
        value = target if path[-1] == "target" else shift_point(target, 2)
        span = span_of(problem.file, lines, problem.line - 1, problem.column - 1)
        return Action(f"Raise the SLO target to {percent(target)} "
                      f"(max-budget-ratio {limit})", QUICKFIX,
                      (Edit(span, plain(value)),), problem, preferred=True)
    return None


def did_you_mean(problem: Problem, lines: Sequence[str]) -> Action | None:
    hint = _HINT.search(problem.message)
    if hint is None:
        return None
    span = span_of(problem.file, lines, problem.line - 1, problem.column - 1)
    written = lines[span.line][span.start:span.end] if span.line < len(lines) else ""
    quoted = written[:1] in ("'", '"') or not _PLAIN.fullmatch(hint[1])
    text = json.dumps(hint[1]) if quoted else hint[1]
    return Action(f'Change to "{hint[1]}"', QUICKFIX, (Edit(span, text),), problem,
                  preferred=True)


def _version(at: At) -> int | None:
    version = at.document.spec.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def bump_version(at: At, lines: Sequence[str]) -> Action | None:
    """``version: N`` -> ``N+1``, with ``supersedes: N`` (set, or added after the version)."""
    version = _version(at)
    prefix = at.document.prefix
    where = value_at(at.tree, prefix + ("spec", "version"))
    if version is None or where is None:
        return None
    file = at.document.source.path
    edits = [Edit(span_of(file, lines, *where), str(version + 1))]
    supersedes = value_at(at.tree, prefix + ("spec", "supersedes"))
    if supersedes is not None:
        edits.append(Edit(span_of(file, lines, *supersedes), str(version)))
    else:
        edits.append(_after_version(at, lines, f"supersedes: {version}"))
    return Action(f"Bump spec.version to {version + 1} (supersedes: {version})", REWRITE,
                  tuple(edits))


def add_supersedes(at: At, lines: Sequence[str]) -> Action | None:
    """An SLA past its first version says which version it replaces."""
    version = _version(at)
    if version is None or version < 2 or "supersedes" in at.document.spec:
        return None
    if value_at(at.tree, at.document.prefix + ("spec", "version")) is None:
        return None
    return Action(f"Add supersedes: {version - 1}", QUICKFIX,
                  (_after_version(at, lines, f"supersedes: {version - 1}"),))


def _after_version(at: At, lines: Sequence[str], entry: str) -> Edit:
    """Insert ``entry`` beside ``version``: on a line of its own in block style, else inline."""
    file = at.document.source.path
    prefix = at.document.prefix
    key = key_at(at.tree, prefix + ("spec", "version"))
    value = value_at(at.tree, prefix + ("spec", "version"))
    assert key is not None and value is not None
    line = lines[key[0]]
    if line[:key[1]].strip(" -") == "":
        end = len(line) - 1 if line.endswith("\r") else len(line)
        newline = "\r\n" if line.endswith("\r") else "\n"
        return Edit(Span(file, key[0], end, end), f"{newline}{' ' * key[1]}{entry}")
    end = token_end(lines[value[0]], value[1])
    return Edit(Span(file, value[0], end, end), f", {entry}")

