"""The audit as one self-contained HTML file: no script, no remote font, style or image.

Each agreement gets a timeline chart drawn as inline SVG: per objective, the
target in force (valid time, by ``spec.effective``) as a step line, the
backing SLO's target as committed (transaction time) as a dashed step line,
and a marker for every change (green: it carried the approvals its policy
required; red: it did not; grey: nothing was required). A latency objective
is charted by its threshold too, so a loosening from 500 ms to 800 ms shows.
The CSS has a print section, so the file prints as a report.

Two audiences. ``internal`` (the default) shows everything an audit needs.
``customer`` is the file an account manager sends to a customer: the terms
and their history, without the internal SLO targets, the files and YAML
paths, the commit hashes and authors, the approvals and the policy, each
agreement only while it belonged to its customer (:mod:`.customer`).
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from html import escape as _escape_html
from typing import TextIO

from msgspec import Struct

from slopolicy import __version__
from slopolicy.changes.compare import VERSION, FieldChange
from slopolicy.gitops.audit import (
    Agreement,
    AuditReport,
    Change,
    InForce,
    Move,
    SloPoint,
    Version,
    objective_names,
    target_steps,
)
from slopolicy.model.documents import Document
from slopolicy.report.audit import words
from slopolicy.report.audit.customer import for_customers
from slopolicy.report.terminal import BIDI_ESCAPED
from slopolicy.rules.value_text import show_value
from slopolicy.slo import units
from slopolicy.slo.units import UnitError


def escape(text: str, quote: bool = True) -> str:
    """Text as HTML, its bidi controls written as escapes: what a document or a commit says
    cannot reorder the words around it on the page."""
    return _escape_html(text, quote).translate(BIDI_ESCAPED)


CSS = """
:root { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --paper: #ffffff;
  --wash: #f5f7fa; --sla: #1d4ed8; --slo: #c2410c; --ok: #15803d; --bad: #b91c1c;
  --none: #6b7280; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
.page { max-width: 1120px; margin: 0 auto; padding: 32px 28px 48px; }
header { margin-bottom: 28px; }
.eyebrow { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .04em;
  text-transform: uppercase; }
h1 { margin: 4px 0 8px; font-size: 30px; line-height: 1.2; }
h2 { margin: 0; font-size: 21px; line-height: 1.3; }
h2 .id { color: var(--muted); font-weight: 400; font-size: 14px; margin-left: 8px; }
.lede { margin: 0 0 14px; font-size: 16px; }
.verdict { display: inline-block; padding: 8px 14px; border-radius: 6px; font-weight: 600;
  border: 1px solid; }
.verdict.ok { color: var(--ok); background: #ecfdf3; border-color: #a7e3bd; }
.verdict.bad { color: var(--bad); background: #fef2f2; border-color: #f5b5b5; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 16px 0 0; font-size: 13px;
  color: var(--muted); }
.facts div { display: flex; gap: 6px; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; }
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 22px 24px; margin: 0 0 24px; }
.meta { margin: 4px 0 16px; color: var(--muted); font-size: 14px; }
table { width: 100%; border-collapse: collapse; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 7px 8px;
  border-bottom: 1px solid var(--line); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted);
  font-weight: 600; }
td ul { margin: 0; padding-left: 16px; }
td li { margin: 0 0 2px; }
.nowrap { white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  font-weight: 600; background: #eef2f7; color: var(--ink); white-space: nowrap; }
.badge.tightened { background: #e0ecff; color: #1e40af; }
.badge.loosened { background: #fff1e6; color: #9a3412; }
.badge.added { background: #e7f8ee; color: #166534; }
.badge.removed { background: #fde8e8; color: #991b1b; }
.badge.moved { background: #f1f1f1; color: var(--muted); }
.badge.retroactive { background: #fef3c7; color: #92400e; margin-top: 4px; }
.ok { color: var(--ok); }
.bad { color: var(--bad); }
.none { color: var(--none); }
.why { display: block; color: var(--muted); font-size: 12px; }
.note { margin: 12px 0 0; padding: 10px 14px; border-left: 4px solid #d97706;
  background: #fffbeb; font-size: 13.5px; }
figure { margin: 0 0 18px; }
figure svg.timeline { width: 100%; height: auto; display: block; }
svg.swatch { flex: none; }
table.versions { table-layout: fixed; }
table.versions td { overflow-wrap: break-word; }
table.versions th { letter-spacing: 0; }
col.recorded { width: 11%; } col.version { width: 12%; } col.change { width: 10%; }
col.approvals { width: 20%; } col.policy { width: 17%; }
.path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12px; color: var(--muted); }
.dir { font-size: 12px; color: var(--muted); }
.dir.tightened { color: #1e40af; } .dir.loosened { color: #9a3412; }
figcaption { display: flex; flex-wrap: wrap; gap: 4px 18px; margin-top: 6px; font-size: 12.5px;
  color: var(--muted); }
.key { display: inline-flex; align-items: center; gap: 6px; }
.toc td:first-child a { font-weight: 600; color: var(--ink); }
a { color: var(--sla); }
footer { color: var(--muted); font-size: 12.5px; margin-top: 32px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  .page { max-width: none; padding: 0; }
  .card { border: none; border-top: 2px solid var(--ink); border-radius: 0; padding: 12px 0 0;
    break-inside: auto; }
  figure, tr, .note { break-inside: avoid; }
  table { font-size: 8.5pt; }
  th { font-size: 7.5pt; }
  .path, .why, .badge { font-size: 7.5pt; }
  .badge { padding: 0 5px; }
  h2, .meta { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# Chart geometry, in SVG user units (the SVG scales to the page width).
WIDTH, LEFT, RIGHT = 1000, 190, 24
PANEL, GAP, MARKS, AXIS, TOP = 96, 22, 34, 26, 10


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline;
    for a customer, each agreement only while it belonged to its customer."""
    if _customer(report):
        report = for_customers(report)
    (snapshot if report.as_of is not None else timeline)(report, stream)


def _customer(report: AuditReport) -> bool:
    return report.audience == "customer"


def timeline(report: AuditReport, stream: TextIO) -> None:
    agreements = report.shown()
    failed = report.failures()
    customer = _customer(report)
    default = "Service level agreements" if customer else report.name or "Agreements"
    title = report.title or (f"Agreement audit — {report.name}" if report.name and not customer
                             else default if customer else "Agreement audit")
    stream.write(_head(title))
    eyebrow = ("Service level agreements · history of the terms" if customer
               else "Agreement audit · from the git history")
    stream.write(f'<div class="page">\n<header>\n<p class="eyebrow">{eyebrow}</p>\n')
    stream.write(f"<h1>{escape(report.title or default)}</h1>\n")
    lede = _customer_summary(report) if customer else words.summary(report)
    stream.write(f'<p class="lede">{escape(lede)}</p>\n')
    if not customer:  # approvals are the provider's own governance, not the customer's
        stream.write(_approvals_verdict(failed))
    stream.write(_facts(report))
    stream.write("</header>\n<main>\n")
    if agreements:
        stream.write(_contents(report, agreements))
    else:
        stream.write('<section class="card"><p>No agreement changed in the range.</p></section>\n')
    for agreement in agreements:
        stream.write(_agreement(report, agreement))
    if not customer:
        stream.write(_policy(report))
    stream.write("</main>\n")
    stream.write(_footer(report))


def _approvals_verdict(failed: Sequence[Change]) -> str:
    if not failed:
        return ('<div class="verdict ok">✓ Every change carried the approvals its policy '
                "required</div>\n")
    listed = ", ".join(f"{c.commit.short} ({words.title(c)})" for c in failed)
    return (f'<div class="verdict bad">✕ {len(failed)} change{"s" if len(failed) != 1 else ""} '
            f'lacked the approvals {"they" if len(failed) != 1 else "it"} needed: '
            f"{escape(listed)}</div>\n")


def _customer_summary(report: AuditReport) -> str:
    shown = report.shown()
    changes = sum(len(_versions(report, a)) for a in shown)
    head = report.history.head_date
    until = f" up to {head.date().isoformat()}" if head else ""
    return (f"{len(shown)} agreement{'s' if len(shown) != 1 else ''} and "
            f"{changes} recorded version{'s' if changes != 1 else ''} of their "
            f"terms{until}.")


def _versions(report: AuditReport, agreement: Agreement) -> list[Version]:
    """The versions a reader of this audience sees: a customer, those that changed the terms."""
    versions = report.versions(agreement)
    if not _customer(report):
        return versions
    return [v for v in versions if v.removed or words.customer_fields(v)
            or v.change.status == "added"]


def _policy(report: AuditReport) -> str:
    changes = report.policy_changes()
    if not changes:
        return ""
    rows = []
    for change in changes:
        commit = change.commit
        files = _list(f"{escape(state)} <code>{escape(path)}</code>" for path, state in change.files)
        rows.append(f"<tr><td>{_day(commit.date)}<span class=\"why\"><code>"
                    f"{escape(commit.short)}</code> · {escape(commit.author_name)}</span></td>"
                    f"<td>{files}</td><td>{_evidence(change)}</td><td>{_verdict(change)}</td></tr>")
    return ('<section class="card policy" id="policy"><h2>Policy<span class="id">'
            f"{escape(changes[-1].config_file)}</span></h2>"
            '<p class="meta">The configuration, what it extends and the allowed signers: who may '
            "approve, and what each change needs. Each change of them is judged by the policy "
            "before it.</p>"
            '<table class="versions"><colgroup><col class="recorded"><col>'
            '<col class="approvals"><col class="policy"></colgroup><thead><tr><th>Recorded</th>'
            "<th>Files</th><th>Approvals</th><th>Policy</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>\n")


def _head(title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"slopolicy {__version__}\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n")


def _facts(report: AuditReport) -> str:
    history = report.history
    items = [("Repository head", f"<code>{escape((history.head or '')[:12])}</code>"),
             ("Head date", _day(history.head_date)),
             ("Commits walked", str(len(history.commits)))]
    if _customer(report):
        items = [("As recorded on", _day(history.head_date))]
    if report.since or report.until:
        items.append(("Range", f"{_day(report.since) or '…'} – {_day(report.until) or '…'}"))
    cells = "".join(f"<div><dt>{escape(k)}</dt><dd>{v}</dd></div>" for k, v in items)
    return f'<dl class="facts">{cells}</dl>\n'


def _contents(report: AuditReport, agreements: Sequence[Agreement]) -> str:
    today = report.history.head_date.date() if report.history.head_date else None
    rows = []
    customer = _customer(report)
    for agreement in agreements:
        spec = agreement.latest.doc.spec
        versions = _versions(report, agreement)
        bad = sum(1 for v in versions if not v.compliant)
        state = (f'<span class="bad">✕ {bad} without approval</span>' if bad
                 else '<span class="ok">✓ approved</span>')
        current = "removed" if agreement.removed else words.number(agreement.latest)
        rows.append(
            f'<tr><td><a href="#{_anchor(agreement)}">{escape(_title(agreement))}</a></td>'
            f"<td>{escape(str(spec.get('customer', '')))}</td>"
            f"<td>{escape(current)}</td><td>{escape(_in_force_words(agreement, today))}</td>"
            f"<td>{len(versions)}</td>{'' if customer else f'<td>{state}</td>'}</tr>")
    policy = [] if customer else report.policy_changes()
    if policy:
        bad = sum(1 for c in policy if not c.compliant)
        state = (f'<span class="bad">✕ {bad} without approval</span>' if bad
                 else '<span class="ok">✓ approved</span>')
        rows.append(f'<tr><td><a href="#policy">Policy</a></td><td></td><td></td><td></td>'
                    f"<td>{len(policy)}</td><td>{state}</td></tr>")
    approvals = "" if customer else "<th>Approvals</th>"
    return ('<section class="card toc"><table><thead><tr><th>Agreement</th><th>Customer</th>'
            f"<th>Latest</th><th>In force at head date</th><th>Changes</th>{approvals}"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>\n")


def _in_force_words(agreement: Agreement, today: datetime.date | None) -> str:
    from slopolicy.gitops.audit import in_force

    if today is None:
        return ""
    version = in_force(agreement, today)
    return f"{words.number(version)} since {words.effective(version).split(' ')[0]}" \
        if version else "none"


def _agreement(report: AuditReport, agreement: Agreement) -> str:
    spec = agreement.latest.doc.spec
    meta = [f"customer <strong>{escape(str(spec.get('customer', '?')))}</strong>",
            f"service <strong>{escape(str(spec.get('service', '?')))}</strong>"]
    if not _customer(report):
        meta.append(f"<code>{escape(agreement.file)}</code>")
    if spec.get("contract"):
        meta.append(f"contract {escape(str(spec['contract']))}")
    if agreement.removed:
        meta.append('<span class="bad">removed</span>')
    out = [f'<section class="card agreement" id="{_anchor(agreement)}">',
           f'<h2>{escape(_title(agreement))}<span class="id">{escape(agreement.label)}</span></h2>',
           f'<p class="meta">{" · ".join(meta)}</p>',
           chart(report, agreement),
           _versions_table(report, agreement)]
    for version in _versions(report, agreement):
        if version.retroactive:
            said = (_day(version.commit.date) if _customer(report)
                    else escape(version.commit.short))
            out.append(f'<p class="note"><strong>{said}</strong>: '
                       f"{escape(words.retroactive(version))}</p>")
    out.append("</section>\n")
    return "\n".join(out)


def _title(agreement: Agreement) -> str:
    metadata = agreement.latest.doc.data.get("metadata")
    shown = metadata.get("displayName") if isinstance(metadata, dict) else None
    return str(shown) if shown else agreement.name


def _anchor(agreement: Agreement) -> str:
    return "agreement-" + re.sub(r"[^a-z0-9-]+", "-", agreement.name.lower())


# -- the table -------------------------------------------------------------------------

def _versions_table(report: AuditReport, agreement: Agreement) -> str:
    if _customer(report):
        return _customer_table(report, agreement)
    rows = []
    for event in words.events(report, agreement):
        if isinstance(event, Move):
            rows.append(f'<tr><td>{_day(event.commit.date)}'
                        f'<span class="why"><code>{escape(event.commit.short)}</code></span></td>'
                        '<td></td><td><span class="badge moved">moved</span></td>'
                        f"<td>{escape(words.moved(event))}</td><td></td><td></td></tr>")
        else:
            rows.append(_version_row(event))
    return ('<table class="versions"><colgroup><col class="recorded"><col class="version">'
            '<col class="change"><col><col class="approvals"><col class="policy"></colgroup>'
            "<thead><tr><th>Recorded</th><th>Version</th><th>Change</th><th>What changed</th>"
            f"<th>Approvals</th><th>Policy</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _version_row(version: Version) -> str:
    commit = version.commit
    changed = _again(version) + _list(
        _field(f) for f in words.compared_fields(version) if f.direction != VERSION)
    for other, said in words.also_against(version):  # internal only: it may be another's
        changed += f'<span class="why">{escape(said)}</span>' + _list(
            _field(f) for f in other.change.fields if f.direction != VERSION)
    for instead, said in words.replaced(version):  # internal only: it may be another's
        changed += f'<span class="why">{escape(said)}</span>' + _list(
            _field(f) for f in instead.fields if f.direction != VERSION)
    found = _evidence(version)
    shown_verdict = _verdict(version)
    retro = ('<span class="badge retroactive" title="takes effect before the day of the '
             'change">retroactive</span>' if version.retroactive else "")
    return (f'<tr><td>{_day(commit.date)}<span class="why">'
            f'<code title="{escape(commit.sha)}">{escape(commit.short)}</code> · '
            f"{escape(commit.author_name)}</span></td>"
            f"<td><strong>{escape(words.number(version))}</strong>"
            f'<span class="why">effective {escape(words.effective(version))}</span></td>'
            f'<td><span class="badge {escape(version.status)}">{escape(version.status)}</span>'
            f"{retro}</td><td>{changed}</td><td>{found}</td><td>{shown_verdict}</td></tr>")


def _customer_table(report: AuditReport, agreement: Agreement) -> str:
    """Date, version, change and what changed in words: no hash, author, path or approval."""
    rows = []
    for version in _versions(report, agreement):
        changed = _list(
            f"{escape(words.plain_field(f.shown))}: {escape(show_value(f.before))} → "
            f'{escape(show_value(f.after))} <span class="dir {escape(f.direction)}">'
            f"{escape(f.direction)}</span>" for f in words.customer_fields(version))
        changed = _again(version, own=True) + changed
        rows.append(f"<tr><td>{_day(version.commit.date)}</td>"
                    f"<td><strong>{escape(words.number(version))}</strong>"
                    f'<span class="why">effective {escape(words.effective(version))}</span></td>'
                    f'<td><span class="badge {escape(version.status)}">'
                    f"{escape(version.status)}</span></td><td>{changed}</td></tr>")
    return ('<table class="versions"><colgroup><col class="recorded"><col class="version">'
            '<col class="change"><col></colgroup><thead><tr><th>Recorded</th><th>Version</th>'
            f"<th>Change</th><th>What changed</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table>")


def _again(version: Version, own: bool = False) -> str:
    """For an agreement added back: that it is compared with the version removed (``own``:
    only one of its own customer and service)."""
    again = words.added_back(version, own)
    return "" if again is None else f'<span class="why">{escape(again)}</span>'


def _field(item: FieldChange) -> str:
    """The path (breakable at its dots), then before → after and the direction."""
    # "spec." is in every path of the terms: an account manager reads the rest.
    path = escape(item.shown.removeprefix("spec.")).replace(".", ".<wbr>").replace("[", "<wbr>[")
    return (f'<span class="path">{path}</span><br>{escape(show_value(item.before))} → '
            f'{escape(show_value(item.after))} <span class="dir {escape(item.direction)}">'
            f"{escape(item.direction)}</span>")


def _evidence(change: Change) -> str:
    return _list(
        f'<span class="{"ok" if item.valid else "bad"}">{"✓" if item.valid else "✕"}</span> '
        f"{escape(item.identity)} ({escape(item.role or ', '.join(sorted(item.roles)) or 'no role')}"
        f", {escape(item.evidence)})"
        + ("" if item.valid else f'<span class="why">{escape(item.reason)}</span>')
        for item, _ in words.evidence(change))


def _verdict(change: Change) -> str:
    if not change.compliant:
        return (f'<span class="bad">✕ not approved</span><span class="why">'
                f"{escape(change.missing_text())}</span>")
    verdict = words.verdict(change)
    kind = "none" if verdict == words.NO_REQUIREMENT else "ok"
    return f'<span class="{kind}">✓ {escape(verdict)}</span>'


def _list(items: Iterable[str]) -> str:
    shown = list(items)
    return f"<ul>{''.join(f'<li>{i}</li>' for i in shown)}</ul>" if shown else ""


# -- the chart -------------------------------------------------------------------------

class _Axis(Struct, frozen=True):
    start: int  # proleptic ordinal days
    end: int

    def x(self, day: datetime.date) -> float:
        span = max(self.end - self.start, 1)
        return LEFT + (day.toordinal() - self.start) / span * (WIDTH - LEFT - RIGHT)


def chart(report: AuditReport, agreement: Agreement) -> str:
    """One SVG: a panel per objective (SLA target and backing SLO target), one more per
    latency objective (its threshold), then the markers."""
    panels = _panels(agreement)
    axis = _axis(report, agreement)
    height = TOP + len(panels) * (PANEL + GAP) + MARKS + AXIS
    customer = _customer(report)
    label = f"Targets of {agreement.label} over time"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{escape(label)}" class="timeline" '
             'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">',
             f"<title>{escape(label)}</title>"]
    for row, (name, measure) in enumerate(panels):
        top = TOP + row * (PANEL + GAP)
        parts.append(_threshold_panel(agreement, name, axis, top) if measure == "threshold"
                     else _panel(agreement, name, axis, top, slo=not customer))
    marks_top = TOP + len(panels) * (PANEL + GAP)
    parts.append(_markers(report, agreement, axis, marks_top))
    parts.append(_time_axis(axis, marks_top + MARKS, height, report))
    parts.append("</svg>")
    return f'<figure class="chart">{"".join(parts)}{_legend(customer)}</figure>'


def _swatch_line(color: str, width: int, dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return ('<svg class="swatch" width="26" height="10" aria-hidden="true"><line x1="0" y1="5" '
            f'x2="26" y2="5" stroke="{color}" stroke-width="{width}"{dashed}/></svg>')


def _swatch_dot(color: str) -> str:
    return ('<svg class="swatch" width="12" height="12" aria-hidden="true"><circle cx="6" '
            f'cy="6" r="5" fill="{color}"/></svg>')


def _legend(customer: bool) -> str:
    keys = [(_swatch_line("#1d4ed8", 3), "SLA target or threshold in force (by effective dates)")]
    if customer:
        keys.append((_swatch_dot("#1d4ed8"), "a new version of the terms recorded"))
    else:
        keys += [(_swatch_line("#c2410c", 2, "5 3"), "backing SLO target (as committed)"),
                 (_swatch_dot("#15803d"), "change approved"),
                 (_swatch_dot("#b91c1c"), "change without required approval"),
                 (_swatch_dot("#6b7280"), "no approval required")]
    shown = "".join(f'<span class="key">{swatch}{escape(text)}</span>' for swatch, text in keys)
    return f"<figcaption>{shown}</figcaption>"


def _panels(agreement: Agreement) -> list[tuple[str, str]]:
    """(objective, ``target`` or ``threshold``): every objective's target, and the threshold
    of every objective that any version gave one."""
    panels = []
    for name in objective_names(agreement):
        panels.append((name, "target"))
        if any(_threshold(v.doc, name) is not None for v in agreement.versions):
            panels.append((name, "threshold"))
    return panels


def _axis(report: AuditReport, agreement: Agreement) -> _Axis:
    days: list[datetime.date] = []
    for version in agreement.versions:
        days.append(version.commit.date.date())
        days += [d for d in (version.starts, version.ends) if d is not None]
    for series in agreement.slo_series.values():
        days += [p.date.date() for p in series]
    if report.history.head_date:
        days.append(report.history.head_date.date())
    start, end = min(days).toordinal(), max(days).toordinal()
    pad = max((end - start) // 25, 7)
    # an agreement effective until 9999-12-31 (or from 0001-01-01) has no day beyond it
    return _Axis(max(start - pad, 1), min(end + pad, datetime.date.max.toordinal()))


def _panel(agreement: Agreement, name: str, axis: _Axis, top: int, slo: bool = True) -> str:
    """An objective's target: the SLA's as a step line, the backing SLO's dashed (``slo``)."""
    steps = [(d, t) for d, t, _ in target_steps(agreement, name)]
    series = agreement.slo_series.get(name, []) if slo else []
    values = ([t for _, t in steps if t is not None]
              + [p.target for p in series if p.target is not None])
    low, high = _range(values)
    ticks = [(v, units.format_percent(v)) for v in _ticks_y(low, high)]
    lines: list[_Line] = [(steps, '<path class="sla-target" fill="none" stroke="#1d4ed8" '
                           'stroke-width="3" stroke-linejoin="round"',
                           f"<title>{escape(name)}: SLA target in force — "
                           f"{escape(_steps_words(steps))}</title></path>")]
    if series:
        lines.append(([(p.date.date(), p.target) for p in series],
                      '<path class="slo-target" fill="none" stroke="#c2410c" stroke-width="2" '
                      'stroke-dasharray="6 4"',
                      f"<title>{escape(name)}: backing SLO target — "
                      f"{escape(_slo_words(series))}</title></path>"))
    return _draw(name, "target", (low, high), ticks, lines, axis, top)


def _threshold_panel(agreement: Agreement, name: str, axis: _Axis, top: int) -> str:
    """A latency objective's threshold in force, in milliseconds from zero up."""
    steps = _threshold_steps(agreement, name)
    high, step = _ms_scale([v for _, v in steps if v is not None])
    ticks = []
    value = Decimal(0)
    while value <= high:
        ticks.append((value, units.format_duration(units.Duration(int(value)))))
        value += step
    words_ = "; ".join(f"from {d.isoformat()}: "
                       f"{units.format_threshold(units.Threshold(v)) if v is not None else 'none'}"
                       for d, v in steps)
    line: _Line = (steps, '<path class="sla-threshold" fill="none" stroke="#1d4ed8" '
                   'stroke-width="3" stroke-linejoin="round"',
                   f"<title>{escape(name)}: SLA threshold in force — {escape(words_)}</title>"
                   "</path>")
    return _draw(name, "threshold", (Decimal(0), high), ticks, [line], axis, top)


# A step line: its steps, the opening of its <path> element (without d), and what follows it.
_Line = tuple[Sequence[tuple[datetime.date, Decimal | None]], str, str]


def _draw(name: str, measure: str, bounds: tuple[Decimal, Decimal],
          ticks: Sequence[tuple[Decimal, str]], lines: Sequence[_Line], axis: _Axis,
          top: int) -> str:
    """One panel: its frame and name, the ticks of its scale, and each step line."""
    low, high = bounds

    def y(value: Decimal) -> float:
        return top + PANEL - 8 - float((value - low) / (high - low)) * (PANEL - 16)

    out = [f'<g class="objective" data-objective="{escape(name)}" data-measure="{measure}">',
           f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{PANEL}" '
           'fill="#f8fafc" stroke="#e2e8f0"/>',
           f'<text x="12" y="{top + 20}" font-size="15" font-weight="600" fill="#1f2933">'
           f"{escape(name)}</text>",
           f'<text x="12" y="{top + 38}" font-size="12" fill="#5f6b7a">{measure}</text>']
    for value, label in ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                   f'y2="{y(value):.1f}" stroke="#e2e8f0"/>'
                   f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" font-size="12" fill="#5f6b7a" '
                   f'text-anchor="end">{escape(label)}</text>')
    for steps, opening, rest in lines:
        out.append(f'{opening} d="{_steps_path(steps, axis, y)}">{rest}')
    out.append("</g>")
    return "".join(out)


def _threshold(doc: Document, name: str) -> Decimal | None:
    """The latency threshold of objective ``name``, in milliseconds (None: it has none)."""
    raw = doc.spec.get("objectives")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping) and str(item.get("name")) == name and "threshold" in item:
            try:
                return units.parse_threshold(item["threshold"]).ms
            except UnitError:
                return None
    return None


def _threshold_steps(agreement: Agreement, name: str
                     ) -> list[tuple[datetime.date, Decimal | None]]:
    """The threshold in force from each date on, as the repository says now."""
    steps: list[tuple[datetime.date, Decimal | None]] = []
    for day, _, version in target_steps(agreement, name):
        value = _threshold(version.doc, name) if version is not None else None
        if not steps or steps[-1][1] != value:
            steps.append((day, value))
    return steps


def _ms_scale(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """(top, step) of a scale from zero: round steps, two to five of them, above the values."""
    top = max(values, default=Decimal(1000)) or Decimal(1)  # thresholds of 0: a scale to 1ms
    for magnitude in (Decimal(10) ** k for k in range(0, 10)):
        for unit in (1, 2, 5):
            step = magnitude * unit
            if top / step <= 4:
                return (top / step).to_integral_value(rounding="ROUND_CEILING") * step, step
    return top, top


_NICE = tuple(Decimal(s) for s in ("0.0001", "0.0002", "0.0005", "0.001", "0.002", "0.005",
                                     "0.01", "0.02", "0.05", "0.1", "0.2"))


def _range(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """A y range on round steps around the values, with air, never above 100%."""
    if not values:
        return Decimal("0.99"), Decimal("1")
    low, high = min(values), max(values)
    if low == high:  # one level: show it against the next round values around it
        low, high = low - (1 - low) / 2 or Decimal("0.0005"), min(high + (1 - high) / 2, Decimal(1))
    step = _step(high - low)
    low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = min((high / step).to_integral_value(rounding="ROUND_CEILING") * step, Decimal(1))
    if low == high:
        low -= step
    return max(low, Decimal(0)), high


def _step(span: Decimal) -> Decimal:
    """The round step that cuts ``span`` into two to five parts."""
    return next((s for s in _NICE if span / s <= 3), _NICE[-1])


def _ticks_y(low: Decimal, high: Decimal) -> list[Decimal]:
    step = _step(high - low)
    ticks, value = [], low
    while value <= high + step / 1000:
        ticks.append(value)
        value += step
    return ticks if len(ticks) <= 6 else [low, high]


def _steps_path(steps: Sequence[tuple[datetime.date, Decimal | None]], axis: _Axis,
                y: Callable[[Decimal], float]) -> str:
    """A step line: each value holds from its date to the next; None leaves a gap."""
    end = datetime.date.fromordinal(axis.end)
    commands = []
    for number, (day, value) in enumerate(steps):
        if value is None:
            continue
        until = steps[number + 1][0] if number + 1 < len(steps) else end
        x1, x2, level = axis.x(day), axis.x(until), y(value)
        previous = steps[number - 1][1] if number else None
        if number and previous is not None:
            commands.append(f"V{level:.1f}H{x2:.1f}")
        else:
            commands.append(f"M{x1:.1f},{level:.1f}H{x2:.1f}")
    return "".join(commands) or f"M{LEFT},0"


def _steps_words(steps: Sequence[tuple[datetime.date, Decimal | None]]) -> str:
    return "; ".join(f"from {d.isoformat()}: "
                     f"{units.format_percent(t) if t is not None else 'not in force'}"
                     for d, t in steps)


def _slo_words(points: Sequence[SloPoint]) -> str:
    return "; ".join(f"{p.date.date().isoformat()}: "
                     + (f"{units.format_percent(p.target)} ({p.slo})" if p.target is not None
                        else "no backing SLO") for p in points)


def _markers(report: AuditReport, agreement: Agreement, axis: _Axis, top: int) -> str:
    out = [f'<g class="markers"><text x="12" y="{top + 21}" font-size="12" fill="#5f6b7a">'
           "changes</text>",
           f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top + 17}" y2="{top + 17}" '
           'stroke="#cbd5e1"/>']
    customer = _customer(report)
    for version in _versions(report, agreement):
        x = axis.x(version.commit.date.date())
        kind = "approved" if version.compliant else "unapproved"
        if version.compliant and words.verdict(version) == words.NO_REQUIREMENT:
            kind = "not-required"
        if customer:  # approvals are the provider's own governance
            kind = "version"
        fill = {"approved": "#15803d", "unapproved": "#b91c1c", "not-required": "#6b7280",
                "version": "#1d4ed8"}[kind]
        tip = (f"{version.commit.date.date().isoformat()} {words.number(version)} "
               f"{version.status}" if customer else
               f"{version.commit.date.date().isoformat()} {version.commit.short} "
               f"{words.number(version)} {version.status}: {words.verdict(version)}")
        out.append(f'<circle class="marker {kind}" cx="{x:.1f}" cy="{top + 17}" r="6.5" '
                   f'fill="{fill}" stroke="#fff" stroke-width="1.5"><title>{escape(tip)}</title>'
                   "</circle>")
    out.append("</g>")
    return "".join(out)


def _time_axis(axis: _Axis, top: int, height: int, report: AuditReport) -> str:
    out = [f'<g class="axis"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top}" y2="{top}" '
           'stroke="#94a3b8"/>']
    for tick in _ticks(axis):
        x = axis.x(tick)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{top + 4}" '
                   'stroke="#94a3b8" stroke-opacity="0.35"/>'
                   f'<text x="{x:.1f}" y="{top + 18}" font-size="12" fill="#5f6b7a" '
                   f'text-anchor="middle">{escape(_tick_label(tick, axis))}</text>')
    head = report.history.head_date
    if head is not None:
        x = axis.x(head.date())
        out.append(f'<line class="head" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{top}" '
                   'stroke="#1f2933" stroke-dasharray="2 3"><title>head commit '
                   f"{escape(head.date().isoformat())}</title></line>")
    out.append("</g>")
    return "".join(out)


def _ticks(axis: _Axis) -> list[datetime.date]:
    """First days of months (or quarters, or years) across the axis, at most about 12."""
    start = datetime.date.fromordinal(axis.start)
    end = datetime.date.fromordinal(axis.end)
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1  # month numbers
    step = next((s for s in _TICK_MONTHS if (last - first) / s <= 12), _TICK_MONTHS[-1])
    found = []
    for month in range(-(-first // step) * step, last + 1, step):
        day = datetime.date(month // 12, month % 12 + 1, 1)
        if day >= start:
            found.append(day)
    return found


# Tick spacings in months: every month up to every thousand years (9999-12-31 is a valid end).
_TICK_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000)


def _tick_label(day: datetime.date, axis: _Axis) -> str:
    span = axis.end - axis.start
    if span > 3 * 365:
        return str(day.year)
    return day.strftime("%b %Y") if day.month == 1 or span < 200 else day.strftime("%b")


# -- the answer for one date -----------------------------------------------------------

def snapshot(report: AuditReport, stream: TextIO) -> None:
    customer = _customer(report)
    assert report.as_of is not None
    asked = (f"Terms in force on {report.as_of.isoformat()}" if customer
             else words.snapshot_title(report))
    title = report.title or asked
    stream.write(_head(f"{title} — {report.name}" if report.name and not report.title
                       and not customer else title))
    eyebrow = ("Service level agreements · terms in force" if customer
               else "Agreement audit · terms in force")
    stream.write(f'<div class="page">\n<header>\n<p class="eyebrow">{eyebrow}</p>\n')
    stream.write(f"<h1>{escape(title)}</h1>\n")
    answers = report.answers or []
    shown = [a for a in answers if a.version is not None]
    if report.title:
        stream.write(f'<p class="lede">{escape(asked)}.</p>\n')
    later = "" if report.known_at or customer else (
        " (what the repository says now; --known-at asks what it said then)")
    stream.write(f'<p class="lede">{len(shown)} agreement{"s" if len(shown) != 1 else ""} in '
                 f"force{later}.</p>\n")
    stream.write(_facts(report))
    stream.write("</header>\n<main>\n")
    for answer in answers:
        stream.write(_answer(answer, customer))
    if not answers:
        stream.write('<section class="card"><p>No agreement was in force on that date.</p>'
                     "</section>\n")
    stream.write("</main>\n")
    stream.write(_footer(report))


def _answer(answer: InForce, customer: bool = False) -> str:
    agreement = answer.agreement
    out = [f'<section class="card agreement" id="{_anchor(agreement)}">',
           f'<h2>{escape(_title(agreement))}<span class="id">{escape(agreement.label)}</span></h2>']
    version = answer.version
    if version is None:
        out.append('<p class="meta">not in force on that date</p>')
    elif customer:
        out.append(f'<p class="meta">{escape(words.number(version))} · effective '
                   f"{escape(words.effective(version))} · recorded "
                   f"{_day(version.commit.date)}</p>")
        out.append(_list(escape(line) for line in words.terms_lines(version, internal=False)))
    else:
        commit = version.commit
        out.append(f'<p class="meta">{escape(words.number(version))} · effective '
                   f"{escape(words.effective(version))} · recorded {_day(commit.date)} in "
                   f"<code>{escape(commit.short)}</code> by {escape(commit.author_name)} · "
                   f"<code>{escape(version.file)}</code></p>")
        out.append(_list(escape(line) for line in words.terms_lines(version)))
    if answer.differs and not customer:  # it names commits and their authors
        out.append(f'<p class="note">{escape(words.difference(answer))}</p>')
    out.append("</section>\n")
    return "\n".join(out)


def _footer(report: AuditReport) -> str:
    if _customer(report):
        return (f"<footer>Prepared with slopolicy {escape(__version__)} from the recorded "
                f"history of the agreements, as of {_day(report.history.head_date)}.</footer>\n"
                "</div>\n</body>\n</html>\n")
    return (f"<footer>Generated by slopolicy {escape(__version__)} from the first-parent history "
            f"of {escape((report.history.head or 'HEAD')[:12])}. Each change is judged by the "
            "policy of its parent commit (roster, requirements, allowed signers); approvals count "
            "when recorded while the change stood.</footer>\n</div>\n</body>\n</html>\n")


def _day(value: datetime.datetime | None) -> str:
    return value.date().isoformat() if value is not None else ""
