"""Hover: what an objective promises and how it compares, and what a duration means.

On an SLA objective: its verdict, its headroom, every backing SLO objective
and, when one breaks the promise, the counterexample in words. On an SLO
objective: the SLA objectives it backs. On a duration: its length in words,
with the one slip that matters (``1m`` is a minute, ``1M`` a month).

Names, customers and paths come from the documents, which anyone may write:
they are escaped as Markdown text or code, so a hover shows no image, link or
markup of theirs.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from slopolicy.lsp.cursor import At
from slopolicy.lsp.workspace import Snapshot
from slopolicy.model.documents import Document
from slopolicy.report.markdown import cell, code
from slopolicy.rules import slo_headroom
from slopolicy.rules.linking import Backing, Link, describe_objective, links, service
from slopolicy.rules.slo_headroom import least_target, percent, proof, share
from slopolicy.slo.dominance import Status, Terms, Verdict, lacks_headroom
from slopolicy.slo.terms import THRESHOLD_ANNOTATION
from slopolicy.slo.units import (
    UnitError,
    format_decimal,
    format_duration,
    format_percent,
    format_threshold,
    format_window,
    parse_duration,
    parse_shorthand,
)
from slopolicy.text.yamlsource import Path

OPENSLO = "openslo/v1"
# Keys whose string values are durations (OpenSLO and slopolicy documents).
DURATION_KEYS = frozenset({
    "duration", "timeSliceWindow", "lookbackWindow", "alertAfter", THRESHOLD_ANNOTATION,
    "threshold", "window", "response", "resolution", "maxPerWindow", "notice",
})


def hover(snapshot: Snapshot, at: At) -> str | None:
    """Markdown for the cursor at ``at``, or None where there is nothing to say."""
    doc, path = at.document, at.path
    if path and not at.on_key and isinstance(path[-1], str) and path[-1] in DURATION_KEYS:
        value = value_of(doc.data, path)
        if isinstance(value, str):
            openslo = doc.api_version == OPENSLO and path[-1] != THRESHOLD_ANNOTATION
            words = duration(value, openslo)
            if words is not None:
                return words
    objective = path[2] if len(path) > 2 and path[:2] == ("spec", "objectives") else None
    if doc.kind == "SLA" and isinstance(objective, int):
        return sla_objective(snapshot, doc, objective)
    if doc.kind == "SLO" and isinstance(objective, int):
        return slo_objective(snapshot, doc, [objective])
    if doc.kind == "SLO":
        objectives = doc.spec.get("objectives")
        return slo_objective(snapshot, doc, list(range(len(objectives)))
                             if isinstance(objectives, list) else [])
    return None


def value_of(data: Any, path: Path) -> Any:
    """The value at ``path`` of plain data, or None."""
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


# -- objectives -----------------------------------------------------------------------------

def sla_objective(snapshot: Snapshot, sla: Document, position: int) -> str:
    title = f"**{cell(describe_objective(sla, position))}**"
    link = next((k for k in links(snapshot.ctx) if k.sla is sla and k.position == position), None)
    if link is None:
        return (f"{title}: its terms cannot be read, so no SLO can be compared with it "
                "(the problems in this file say why).")
    out = [f"{title}: {promise(link.terms)}", ""]
    if not link.backings:
        out.append(_unbacked(sla, link))
        return "\n".join(out)
    limit = max_budget_ratio(snapshot)
    found = proof(link)
    if found is not None and not found.together:
        out.append(f"**{found.verdict.status.name}** by "
                   f"{cell(describe_objective(found.backing.slo, found.backing.position))}"
                   f"{_headroom(found.verdict, limit)}")
        advised = remedy(link, limit)
        if advised is not None:
            out.append(f"Too little headroom: raise the SLO target to at least "
                       f"{percent(advised[1])} (`slo-headroom`).")
    elif found is not None and link.combined is not None:
        used = " and ".join(cell(describe_objective(b.slo, b.position))
                            for b in link.combined.used)
        out.append(f"**{found.verdict.status.name}** by {used} together"
                   f"{_headroom(found.verdict, limit)}. {found.verdict.reason}")
    else:
        worst = "VIOLATED" if any(b.verdict.status is Status.VIOLATED for b in link.backings) \
            else "INCOMPARABLE"
        out.append(f"**{worst}**: no backing SLO proves this objective.")
    out += ["", "Backing SLOs:"]
    out += [_backing(b) for b in link.backings]
    return "\n".join(out)


def slo_objective(snapshot: Snapshot, slo: Document, positions: list[int]) -> str:
    out: list[str] = []
    limit = max_budget_ratio(snapshot)
    for position in positions:
        backed = [(link, b) for link in links(snapshot.ctx) for b in link.backings
                  if b.slo is slo and b.position == position]
        title = f"**{cell(describe_objective(slo, position))}**"
        if not backed:
            out.append(f"{title} backs no SLA objective: no SLA names it with `slo:`, and no "
                       f"SLA of service {code(service(slo) or '?')} has an objective of its indicator.")
            continue
        out += [f"{title} backs:", ""]
        for link, backing in backed:
            customer = cell(str(link.sla.spec.get("customer")))
            out.append(f"- {cell(describe_objective(link.sla, link.position))} (customer "
                       f"{customer}, {code(link.sla.source.path)}): {promise(link.terms)}: "
                       f"**{backing.verdict.status.name}**{_headroom(backing.verdict, limit)}")
        out.append("")
    return "\n".join(out).strip()


def promise(terms: Terms) -> str:
    """``99.9% per calendar month (UTC), Occurrences`` (latency: of requests within 300ms)."""
    what = format_percent(terms.target)
    if terms.threshold is not None:
        what += f" of requests within {format_threshold(terms.threshold)}"
    what += f" per {format_window(terms.window)}, {terms.budgeting_method}"
    if terms.time_slice_window is not None:
        what += f" (slices of {format_duration(terms.time_slice_window)}"
        if terms.time_slice_target is not None:
            what += f", good at {format_percent(terms.time_slice_target)}"
        what += ")"
    return what


def max_budget_ratio(snapshot: Snapshot) -> Decimal:
    setting = snapshot.setting(slo_headroom.ID)
    return Decimal(str(setting.get("max-budget-ratio", slo_headroom.OPTIONS["max-budget-ratio"])))


def remedy(link: Link, limit: Decimal) -> tuple[Backing, Decimal] | None:
    """The backing SLO objective whose target ``slo-headroom`` says to raise, and to what.

    The rule's own choice (:func:`slopolicy.rules.slo_headroom.proof`): the
    best single proof, when it lacks headroom; a proof by several SLOs
    together has no one target to raise.
    """
    found = proof(link)
    if found is None or not lacks_headroom(found.verdict, limit):
        return None
    target = least_target(link, found, limit)
    return (found.backing, target) if target is not None else None


def _headroom(verdict: Verdict, limit: Decimal) -> str:
    if verdict.status is Status.EQUAL:
        return ", with no headroom: the targets are equal"
    if verdict.status is Status.PROVEN and verdict.headroom is not None:
        value = format_decimal(Decimal(f"{round(verdict.headroom * 10_000)}E-4"))
        return (f", headroom {value}: the SLO alerts when {share(verdict.headroom)} of "
                f"the SLA's error budget is spent (max-budget-ratio {limit})")
    return ""


def _backing(backing: Backing) -> str:
    verdict = backing.verdict
    line = (f"- {cell(describe_objective(backing.slo, backing.position))} "
            f"({code(backing.slo.source.path)}):"
            f" **{verdict.status.name}**. {verdict.reason}")
    if verdict.counterexample:
        line += f"\n\n  Counterexample: {verdict.counterexample}"
    return line


def _unbacked(sla: Document, link: Link) -> str:
    return (f"**No backing SLO**: name one with `slo:`, or write an SLO of service "
            f"{code(service(sla) or '?')} whose indicator is {cell(str(link.terms.indicator))} "
            "(`sla-backed-by-slo`).")


# -- durations ------------------------------------------------------------------------------

_SHORTHAND_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week",
                    "M": "calendar month", "Q": "calendar quarter", "Y": "calendar year"}
_CALENDAR_LENGTHS = {"M": "28 to 31 days", "Q": "90 to 92 days", "Y": "365 or 366 days"}
_SPELLED = (("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000), ("second", 1_000),
            ("millisecond", 1))


def duration(text: str, openslo: bool) -> str | None:
    """What a duration means, in words; None when ``text`` is no duration."""
    value = text.strip()
    if openslo:
        try:
            short = parse_shorthand(value)
        except UnitError:
            short = None
        if short is not None:
            return _shorthand(value, short.count, short.unit)
    try:
        length = parse_duration(value)
    except UnitError:
        return None
    return (f"**`{value}`** is {_spelled(length.ms)}. In slopolicy's durations `m` is minutes, "
            "always; a month is not a duration but a calendar period (`calendar: month`).")


def _shorthand(value: str, count: int, unit: str) -> str:
    word = _SHORTHAND_WORDS[unit] + ("s" if count != 1 else "")
    meaning = f"**`{value}`** is {count} {word}"
    if unit in _CALENDAR_LENGTHS:
        meaning += (f": no fixed length ({_CALENDAR_LENGTHS[unit]} each, as the calendar has "
                    "them)")
    other = {"m": "M", "M": "m"}.get(unit)
    if other is not None:
        meaning += (f". The case matters: `{count}{other}` would be {count} "
                    f"{_SHORTHAND_WORDS[other]}{'s' if count != 1 else ''}")
    return (meaning + ". OpenSLO duration-shorthand: `m` minutes, `h` hours, `d` days, "
            "`w` weeks, `M` months, `Q` quarters, `Y` years.")


def _spelled(ms: int) -> str:
    if ms == 0:
        return "no time at all"
    parts = []
    for word, size in _SPELLED:
        if ms >= size:
            count, ms = divmod(ms, size)
            parts.append(f"{count:,} {word}{'s' if count != 1 else ''}")
    return " ".join(parts)
