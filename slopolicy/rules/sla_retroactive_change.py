"""With a base ref: changed terms that would rewrite a period already past, or give too little notice.

An agreement in force is changed by a new version that starts in the
future; the old version stays in force until then. This rule reports terms
changed while the new version's ``effective.from`` is before the date of
the change (in the SLA's time zone: the head commit's date, or now when that
is later, since a commit's date is typed and a change takes effect when
merged), and terms loosened with less notice than the base's
``changeNoticeDays`` (which the customer agreed to) before
``effective.from``. Ending an agreement sooner (``effective.until`` set or
brought nearer) is a loosening too, unless the new end is no sooner than the
one agreed before. An agreement added back after a removal is judged as an
edit of the last version removed. A notice ending after 9999-12-31 is given
by no date: a loosening under it is always reported.

Passing example (changed on 2025-03-10; base ``changeNoticeDays: 30``)::

    spec:
      version: 4
      effective: {from: 2025-05-01}
      changeNoticeDays: 30
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.5}

Failing example (changed on 2025-03-10, the old terms edited in place)::

    spec:
      version: 4
      effective: {from: 2025-01-01}
      objectives:
        - {name: availability, indicator: availability, targetPercent: 99.5}

Notice is given under the terms in force. When the base's version had not
started by the date of the change, the loosening needs the longest notice of
the versions agreed before it that would be in force from the change until
the new terms start (the one in force that day among them), as well as the
base's: a version agreed to start later cannot shorten it.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding
from slopolicy.rules.readded_text import as_edit, readded
from slopolicy.slo import units

if TYPE_CHECKING:  # git and change modules load only when a check has a base
    from slopolicy.changes.compare import DocumentChange, Earlier
    from slopolicy.rules.context import Context

ID = "sla-retroactive-change"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    for change in base.changes.agreements:
        edit, earlier = as_edit(change)  # an agreement added back: from the version removed
        if not edit.terms_changed or edit.head is None:
            continue
        start = units.parse_date(_effective_from(edit.head))
        if start is None:
            continue  # no readable date: the schema rule says so
        zone = units.window_zone(edit.head.spec.get("window"))
        changed_on = base.head_date.astimezone(zone).date()
        if _only_until(edit):
            yield from _ended(edit, earlier, changed_on)
            yield from _ended_soon(edit, changed_on)
            continue
        notice, whose = (_required(edit, changed_on, start) if "loosened" in edit.classes
                         else (0, ""))
        earliest = _days_after(changed_on, notice)
        if earliest is not None and start >= earliest:
            continue
        message = (_message(edit, start, changed_on, notice, earliest, whose) if earlier is None
                   else _readded(edit, earlier, start, changed_on, notice, earliest))
        yield Finding(message, document=edit.head, path=("spec", "effective", "from"))


def _days_after(day: datetime.date, days: int) -> datetime.date | None:
    """The day ``days`` after ``day``; None past the calendar's last day (9999-12-31): a
    notice that long is given on no date, however large the number written."""
    if days > (datetime.date.max - day).days:
        return None
    return day + datetime.timedelta(days=days)


def _never(notice: int, changed_on: datetime.date) -> str:
    return (f"{notice} days from {changed_on.isoformat()} is past the last day a calendar "
            f"holds ({datetime.date.max.isoformat()}), so no date gives that notice")


def _message(change: DocumentChange, start: datetime.date, changed_on: datetime.date,
             notice: int, earliest: datetime.date | None, whose: str = "") -> str:
    fix = (f"make the new terms a new version with effective.from: {earliest.isoformat()} or "
           "later; the old version stays in force until then" if earliest is not None
           else _never(notice, changed_on))
    if start < changed_on:
        return (f"{change.label}: the terms changed on {changed_on.isoformat()} but the new version "
                f"takes effect on {start.isoformat()}, so it would rewrite a period already past; "
                f"{fix}" + (f" ({notice} days' notice for a loosening, changeNoticeDays)"
                            if notice else ""))
    days = (start - changed_on).days
    return (f"{change.label}: the terms are loosened with {days} days' notice (from "
            f"{changed_on.isoformat()} to {start.isoformat()}), but changeNoticeDays requires "
            f"{notice}{whose}; {fix}")


def _readded(change: DocumentChange, earlier: Earlier, start: datetime.date,
             changed_on: datetime.date, notice: int, earliest: datetime.date | None) -> str:
    """The same judgement of an agreement added back, against the version removed."""
    said = f"{change.label} {readded(earlier)}. It is added back on {changed_on.isoformat()}"
    fix = (f"set effective.from: {earliest.isoformat()} or later" if earliest is not None
           else _never(notice, changed_on))
    if start < changed_on:
        return (f"{said} but takes effect on {start.isoformat()}, so it would rewrite a period "
                f"already past; {fix}" + (f" ({notice} days' notice for a loosening, the "
                                          "changeNoticeDays of the version removed)"
                                          if notice else ""))
    days = (start - changed_on).days
    return (f"{said} with {days} days' notice (it takes effect on {start.isoformat()}), "
            f"but the version removed asks for {notice} (changeNoticeDays); {fix}")


def _only_until(change: DocumentChange) -> bool:
    """Only the end date changed: the terms stand, and only their end may be in the past."""
    terms = [f for f in change.fields if f.direction in ("tightened", "loosened", "modified")]
    return bool(terms) and all(f.shown == "spec.effective.until" for f in terms)


def _ended(change: DocumentChange, earlier: Earlier | None,
           changed_on: datetime.date) -> Iterator[Finding]:
    assert change.head is not None
    effective = change.head.spec.get("effective")
    until = units.parse_date(effective.get("until")) if isinstance(effective, Mapping) else None
    if until is not None and until < changed_on:
        said = (f"{change.label}: the agreement is made" if earlier is None else
                f"{change.label} {readded(earlier)}. It is added back")
        yield Finding(
            f"{said} to end on {until.isoformat()}, before the date of the change "
            f"{changed_on.isoformat()}, so it would rewrite a period already past; end it on "
            f"{changed_on.isoformat()} or later",
            document=change.head, path=("spec", "effective", "until"))


def _ended_soon(change: DocumentChange, changed_on: datetime.date) -> Iterator[Finding]:
    """An end brought nearer (or set) loosens the agreement: it needs the notice too, unless
    it is no sooner than the end the customer had agreed to."""
    until = _until(change.head)
    if "loosened" not in change.classes or until is None or until < changed_on:
        return  # no loosening, or an end in the past (_ended)
    notice, whose = _required(change, changed_on, until)
    if not notice:
        return  # no notice to give
    earliest = _days_after(changed_on, notice)
    agreed = _until(change.base)
    if agreed is not None and (earliest is None or agreed < earliest):
        earliest = agreed
    if earliest is not None and until >= earliest:
        return
    fix = (f"end it on {earliest.isoformat()} or later" if earliest is not None
           else _never(notice, changed_on))
    yield Finding(
        f"{change.label}: the agreement is made to end on {until.isoformat()}, with "
        f"{(until - changed_on).days} days' notice (from {changed_on.isoformat()}), but "
        f"changeNoticeDays requires {notice}{whose}; {fix}",
        document=change.head, path=("spec", "effective", "until"))


def _until(doc: Document | None) -> datetime.date | None:
    effective = doc.spec.get("effective") if doc is not None else None
    return units.parse_date(effective.get("until")) if isinstance(effective, Mapping) else None


def _effective_from(doc: Document) -> Any:
    effective = doc.spec.get("effective")
    return effective.get("from") if isinstance(effective, Mapping) else None


def _notice(change: DocumentChange) -> int:
    """The notice the agreement agreed asks for; a new value cannot shorten it."""
    for doc in (change.base, change.head):
        value = _days(doc)
        if value:
            return value
    return 0


def _days(doc: Document | None) -> int:
    value = doc.spec.get("changeNoticeDays") if doc else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _required(change: DocumentChange, changed_on: datetime.date, start: datetime.date
              ) -> tuple[int, str]:
    """The notice a loosening from ``start``, made on ``changed_on``, needs, and whose it is
    when not the agreement's own (" (that of version 3, in force until ...)").

    The agreement's own (the base's, which a new value cannot shorten); and
    when the base's version had not started by the day of the change, that of
    every version the history agreed before it that would be in force on some
    day from the change until the new terms start (``agreed_before``, newest
    first): the one in force when the change is made, and any agreed to start
    before the new terms. Each version is in force from its start until a
    version agreed after it starts (notice of a change is given under the
    terms in force, and the new terms take the place of each).
    """
    notice, whose = _notice(change), ""
    horizon = _start(change.base)  # the later versions take over from here
    for doc in change.agreed_before:
        begins = _start(doc)
        if begins is None:
            continue  # no readable date: the schema rule said so when it was agreed
        if ((horizon is None or (begins < horizon and horizon > changed_on))
                and begins < start and _days(doc) > notice):
            notice = _days(doc)
            version = doc.spec.get("version")
            named = f"version {version}" if version is not None else "the version"
            whose = (f" (that of {named}, in force "
                     + (f"from {begins.isoformat()} " if begins > changed_on else "")
                     + (f"until {horizon.isoformat()})" if horizon else "then)"))
        horizon = begins if horizon is None else min(horizon, begins)
        if begins <= changed_on:
            break  # in force on the day of the change: the versions before it had ended
    return notice, whose


def _start(doc: Document | None) -> datetime.date | None:
    return units.parse_date(_effective_from(doc)) if doc is not None else None
