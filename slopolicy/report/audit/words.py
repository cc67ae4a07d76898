"""Words the audit reporters share: one phrasing for a verdict, a change, an approval."""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

from slopolicy.changes.approvals import Evidence
from slopolicy.changes.compare import (
    LOOSENED,
    VERSION,
    DocumentChange,
    Earlier,
    FieldChange,
    same_parties,
)
from slopolicy.gitops.audit import (
    Agreement,
    AuditReport,
    Change,
    InForce,
    Move,
    PolicyEdit,
    Version,
    rewritten_by,
)
from slopolicy.rules.value_text import more_taken_away, show_value

NO_REQUIREMENT = "no approval required"


def title(change: Change) -> str:
    """``SLA/name v3 loosened``, or ``policy .slopolicy.yaml``: what changed, in one phrase."""
    if isinstance(change, Version):
        return f"{change.label} {number(change)} {change.status}"
    return change.label


def policy_files(change: PolicyEdit) -> str:
    """``modified .slopolicy.yaml, added .slopolicy/allowed_signers``."""
    return ", ".join(f"{state} {path}" for path, state in change.files)


def verdict(version: Change) -> str:
    """``approved`` / ``no approval required`` / ``NOT APPROVED: what is missing``."""
    found = (f"NOT APPROVED: {version.missing_text()}" if not version.compliant
             else "approved" if version.result is not None and version.result.requirements
             else NO_REQUIREMENT)
    if version.overruled is not None:
        found += (f" (by the policy before {version.overruled.short}: that policy edit was "
                  "never approved)")
    return found


def effective(version: Version) -> str:
    start, end = version.effective
    return f"{_date(start)} → {_date(end) if end is not None else ''}".rstrip()


def _date(value: Any) -> str:
    return "?" if value is None else show_value(value)


def number(version: Version) -> str:
    value = version.number
    return f"v{value}" if value is not None else "v?"


def field_lines(version: Version) -> list[str]:
    """``path: before → after (direction)``, leaving out the version bump (shown as vN); an
    agreement added back is compared with the version removed, after a line that says so."""
    fields = [f for f in compared_fields(version) if f.direction != VERSION]
    lines = [f"{f.shown}: {show_value(f.before)} → {show_value(f.after)} ({f.direction})"
             for f in fields]
    again = added_back(version)
    if again is not None:
        lines.insert(0, again + (":" if lines else ": the same terms"))
    for other, said in also_against(version):
        lines.append(said + ":")
        lines.extend(f"  {f.shown}: {show_value(f.before)} → {show_value(f.after)} "
                     f"({f.direction})" for f in other.change.fields if f.direction != VERSION)
    for instead, said in replaced(version):
        lines.append(said + ":")
        lines.extend(f"  {f.shown}: {show_value(f.before)} → {show_value(f.after)} "
                     f"({f.direction})" for f in instead.fields if f.direction != VERSION)
    if version.change.replaces_more:
        lines.append(more_taken_away(version.change.replaces_more))
    return lines


def replaced(version: Version) -> Iterator[tuple[DocumentChange, str]]:
    """Each agreement whose terms the version's commit took away as it gave these to other
    parties (``replaces``), with ``judged as an edit of SLA/x (file) too, which loosens it``
    (internal: the agreement taken away may be another customer's)."""
    for instead in version.change.replaces:
        base = instead.base
        if base is None or not instead.classes:
            continue
        which = ", which loosens it" if LOOSENED in instead.classes else ""
        yield instead, (f"judged as an edit of {base.kind}/{base.name} ({base.source.path}) "
                        f"too{which}")


def compared_fields(version: Version, own: bool = False) -> tuple[FieldChange, ...]:
    """The fields the version changed; for an agreement added back, against the version
    removed (an addition changes no field of its own); ``own``: only against a version of
    its own customer and service (a page for that customer)."""
    earlier = _first(version, own)
    return (earlier.change.fields if earlier is not None and version.change.base is None
            else version.change.fields)


def _first(version: Version, own: bool) -> Earlier | None:
    """The version removed that the version is shown against; ``own``: the first of its own
    customer and service, for a customer's page (another's may be another customer's)."""
    found = version.change.earliers
    if own:
        found = tuple(e for e in found if e.change.base is not None and e.change.head is not None
                      and same_parties(e.change.base, e.change.head))
    return found[0] if found else None


def added_back(version: Version, own: bool = False) -> str | None:
    """``added back, against the version removed in abc1234 (2025-03-05)``; None for a
    version that is no agreement added back (``own``: as :func:`compared_fields`, and, for
    a customer's page, which names no commit, ``... removed on 2025-03-05``)."""
    earlier = _first(version, own)
    if earlier is None or version.change.base is not None:
        return None
    day = earlier.date.date().isoformat()
    if own:
        return f"added back, against the version removed on {day}"
    return f"added back, against the version removed in {earlier.short} ({day})"


def also_against(version: Version) -> Iterator[tuple[Earlier, str]]:
    """The other versions removed it is compared with (internal: one matched by its name may
    be another customer's), with ``also against SLA/x as removed in abc1234 (2025-03-05)``."""
    change = version.change
    others = change.earlier_also if change.base is None else change.earliers
    also = "also " if change.base is None else ""  # an edit's own fields come first
    for other in others:
        old = other.change.base
        label = f"{old.kind}/{old.name}" if old is not None else "the agreement"
        yield other, (f"{also}against {label} as removed in {other.short} "
                      f"({other.date.date().isoformat()})")


def evidence(version: Change) -> Iterator[tuple[Evidence, str]]:
    """Each approval found, in words: who, in which role, how, and whether it counted."""
    result = version.result
    for index, item in enumerate(result.evidence if result else ()):
        role = item.role or ", ".join(sorted(item.roles)) or "no role"
        span = version.recorded.get(index)
        where = ""
        if span is not None and span.commit.sha != version.commit.sha:
            where = f", committed in {span.commit.short} on {span.commit.date.date().isoformat()}"
        state = "counted" if item.valid else f"not counted: {item.reason}"
        yield item, f"{item.identity} ({role}, {item.evidence}{where}): {state}"


def retroactive(version: Version) -> str:
    return (f"retroactive: these terms take effect on {_date(version.effective[0])}, before the "
            f"change on {version.changed_on.isoformat()}, so they rewrite a period already past")


def moved(move: Move) -> str:
    return f"moved from {move.before} to {move.after}"


def events(report: AuditReport, agreement: Agreement) -> list[Version | Move]:
    """Versions in the range and moves, in the order the history recorded them."""
    versions = report.versions(agreement)
    moves = [m for m in agreement.moves if report.in_range(m.commit)]
    found: list[Version | Move] = [*versions, *moves]
    # A move recorded with a change of text is said after that change.
    return sorted(found, key=lambda e: (e.index, isinstance(e, Move)))


def summary(report: AuditReport) -> str:
    shown = report.shown()
    changes = sum(len(report.versions(a)) for a in shown)
    policy = len(report.policy_changes())
    failed = report.failures()
    head = report.history
    where = (f" at {head.head[:7]} ({head.head_date.date().isoformat()})"
             if head.head and head.head_date else "")
    verdict_text = (f"{len(failed)} without the approvals "
                    f"{'they' if len(failed) != 1 else 'it'} needed" if failed
                    else "every one carried the approvals its policy required")
    return (f"{len(shown)} agreement{'s' if len(shown) != 1 else ''}, {changes} "
            f"change{'s' if changes != 1 else ''}, {policy} policy "
            f"change{'s' if policy != 1 else ''}{_range(report)} in "
            f"{report.name or 'the repository'}{where}: {verdict_text}")


def _range(report: AuditReport) -> str:
    parts = []
    if report.since:
        parts.append(f"since {report.since.date().isoformat()}")
    if report.until:
        parts.append(f"until {report.until.date().isoformat()}")
    return f" ({', '.join(parts)})" if parts else ""


def snapshot_title(report: AuditReport) -> str:
    assert report.as_of is not None
    known = (f"as the repository said {_instant(report.known_at)}" if report.known_at
             else "as the repository says now")
    return f"Terms in force on {report.as_of.isoformat()}, {known}"


def _instant(moment: datetime.datetime) -> str:
    """``at the end of 2025-07-15 (UTC)`` for a whole day, else ``on <ISO 8601>``."""
    if moment.time() == datetime.time.max and moment.utcoffset() == datetime.timedelta(0):
        return f"at the end of {moment.date().isoformat()} (UTC)"
    return f"on {moment.isoformat()}"


def difference(answer: InForce) -> str:
    """Where what the repository says now about the date differs from what it said then."""
    on = answer.on.isoformat()
    later = rewritten_by(answer)
    since = (f"since {later.commit.short} ({later.commit.date.date().isoformat()}, "
             f"{later.commit.author})" if later else "since then")
    now = answer.version
    current = f"{number(now)} (effective {effective(now)})" if now else "no version"
    if not answer.rewritten:
        first = answer.agreement.versions[0]
        return (f"recorded later: the agreement was added on "
                f"{first.commit.date.date().isoformat()} ({first.commit.short}) with terms from "
                f"{_date(first.effective[0])}; on {on} the repository did not hold it yet")
    then = answer.then
    said = (f"{number(then)} (commit {then.commit.short}, effective {effective(then)})" if then
            else "no version")
    return (f"retroactive edit: as recorded on {on}, {said} was in force on that date; "
            f"{since} the repository says {current}")


def terms_lines(version: Version, internal: bool = True) -> list[str]:
    """The terms of a version, one line each, as an account manager reads them
    (``internal=False``: without the backing SLOs, for the customer)."""
    spec = version.doc.spec
    lines = [f"customer {show_value(spec.get('customer'))}, service "
             f"{show_value(spec.get('service'))}"
             + (f", contract {show_value(spec['contract'])}" if spec.get("contract") else "")]
    window = spec.get("window")
    if isinstance(window, dict):
        shown = (f"calendar {show_value(window.get('calendar'))} "
                 f"({show_value(window.get('timeZone', 'UTC'))})" if "calendar" in window
                 else f"rolling {show_value(window.get('rolling'))}")
        lines.append(f"window {shown}, {show_value(spec.get('budgetingMethod'))}")
    for item in spec.get("objectives") or []:
        if isinstance(item, dict):
            lines.append(objective_line(item, internal))
    support = spec.get("support")
    if isinstance(support, dict):
        levels = ", ".join(f"{show_value(s.get('level'))} response {show_value(s.get('response'))}"
                           f" resolution {show_value(s.get('resolution'))}"
                           for s in support.get("severities") or [] if isinstance(s, dict))
        lines.append(f"support {show_value(support.get('hours'))}" + (f": {levels}" if levels else ""))
    credits = [c for c in spec.get("credits") or [] if isinstance(c, dict)]
    if credits:
        lines.append("credits " + ", ".join(
            f"{show_value(c.get('creditPercent'))}% below {show_value(c.get('below'))}%"
            for c in credits))
    if spec.get("changeNoticeDays") is not None:
        lines.append(f"change notice {show_value(spec['changeNoticeDays'])} days")
    return lines


def objective_line(item: dict[str, Any], internal: bool = True) -> str:
    target = (f"{show_value(item['targetPercent'])}%" if "targetPercent" in item
              else f"target {show_value(item.get('target'))}")
    within = f" within {show_value(item['threshold'])}" if item.get("threshold") else ""
    backed = (f" (backed by SLO {show_value(item['slo'])})" if item.get("slo") and internal
              else "")
    return f"{show_value(item.get('name'))}: {target}{within}{backed}"


# The fields of an agreement's terms in words, for a reader who never saw its YAML.
_FIELD_WORDS = {
    "objectives": "objective", "credits": "credit tier", "targetPercent": "target",
    "severities": "severity", "changeNoticeDays": "change notice (days)",
    "creditPercent": "credit (%)", "atLeast": "at least", "timeZone": "time zone",
    "budgetingMethod": "budgeting method", "timeSlice": "time slice",
}


def plain_field(shown: str) -> str:
    """``spec.objectives[latency-p95].threshold`` -> ``objective latency-p95 threshold``;
    list positions count from 1 (``credits[0].below`` -> ``credit tier 1 below``)."""
    words = []
    for part in re.findall(r"\[[^\]]*\]|[^.\[\]]+", shown.removeprefix("spec.")):
        if part.startswith("["):
            inner = part[1:-1]
            words.append(str(int(inner) + 1) if inner.isdigit() else inner)
        else:
            words.append(_FIELD_WORDS.get(part) or re.sub(r"(?<=[a-z])([A-Z])", r" \1",
                                                          part).lower())
    return " ".join(words)


def customer_fields(version: Version) -> list[FieldChange]:
    """The changes of the terms a customer signed (``spec``): not the version number, nor
    the document's metadata (its owner, labels), which are internal bookkeeping."""
    return [f for f in compared_fields(version, own=True)
            if f.direction != VERSION and f.shown.startswith("spec.")]
