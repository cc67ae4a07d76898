"""The versions of an agreement before the base's, back to the one in force on the day of a change.

An agreement's text on the base branch may be a version that has not started
yet: agreed, with its own ``changeNoticeDays``, to replace the version in force
from a later day. A change made before then is made while the earlier terms
are in force, and its new terms take the place of every version that would be
in force before they start; ``sla-retroactive-change`` asks the loosening for
the longest notice any of them asks. This module finds those versions in the
history of the merge base (:attr:`DocumentChange.agreed_before`), for the
loosened agreements whose base version starts after the day of the change
only: one ``git log --raw`` of the first-parent chain over the files the globs
can select, newest first, stopped once each is back to a version that had
started by then (moves are followed: a file moved away is a deletion the log
names). A history git cannot read is exit 2, never a notice unchecked.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

from slopolicy.changes.changeset import ChangeSet
from slopolicy.changes.compare import DocumentChange, same_agreement
from slopolicy.config.settings import Config
from slopolicy.gitops.earlier import READ_AT_ONCE, Version, agreements, pathspecs, unspelt
from slopolicy.gitops.git import GitRepo
from slopolicy.load import discovery
from slopolicy.model.documents import Document
from slopolicy.slo import units

_PAST = "the past versions of the agreements' files"
# dates are in each agreement's time zone: a day either side of UTC's covers them all
_ZONES = datetime.timedelta(days=1)


def look_back(repo: GitRepo, rev: str, config: Config, repo_root: Path, changeset: ChangeSet,
              on: datetime.datetime) -> None:
    """Give each agreement ``changeset`` loosens whose base version starts after ``on`` (the
    date of the change) the versions ``rev``'s history agreed before it, newest first, back
    to one that had started by then."""
    day = on.astimezone(datetime.timezone.utc).date()
    wanted = [c for c in changeset.agreements
              if c.base is not None and c.head is not None and "loosened" in c.classes
              and not _started(c.base, day - _ZONES)]
    if not wanted or repo.is_shallow():
        return  # a shallow clone is refused before a gate judges anything
    found: dict[int, list[Document]] = {id(c): [] for c in wanted}
    pending: list[Version] = []
    for commit in repo.changes_back(rev, pathspecs(config.include)):
        pending += ((commit, c) for c in commit.changes if c.old_blob and c.old_path)
        if len(pending) >= READ_AT_ONCE:
            wanted = _settle(repo, config, repo_root, pending, wanted, found, day - _ZONES)
            pending = []
            if not wanted:
                break
    if pending and wanted:
        _settle(repo, config, repo_root, pending, wanted, found, day - _ZONES)
    for change in changeset.agreements:
        versions = found.get(id(change))
        if versions:
            change.agreed_before = tuple(versions)


def _settle(repo: GitRepo, config: Config, repo_root: Path, versions: list[Version],
            wanted: list[DocumentChange], found: Mapping[int, list[Document]],
            back_to: datetime.date) -> list[DocumentChange]:
    """Add, newest first, each wanted agreement's versions among ``versions``; the agreements
    still wanted (none of their versions found had started by ``back_to``)."""
    chosen = set(discovery.select(config, {c.old_path for _, c in versions if c.old_path},
                                  repo_root))
    versions = [v for v in versions if v[1].old_path in chosen]
    needles = {n for c in wanted for n in _spelt(c)}
    olds = repo.read_past((c.old_blob for _, c in versions if c.old_blob), _PAST)
    for _, change in versions:
        assert change.old_blob is not None and change.old_path is not None
        raw = olds.get(change.old_blob)
        if raw is None or not (unspelt(raw) or any(n in raw for n in needles)):
            continue
        docs = agreements(change.old_path, raw)
        for agreement in list(wanted):
            assert agreement.base is not None
            doc = (next((d for d in docs if d.identity == agreement.base.identity), None)
                   or next((d for d in docs if same_agreement(d, agreement.base)), None))
            if doc is None:
                continue
            held = found[id(agreement)]
            if (held[-1] if held else agreement.base).data != doc.data:
                held.append(doc)
            if _started(doc, back_to):
                wanted.remove(agreement)
    return wanted


def _started(doc: Document, day: datetime.date) -> bool:
    """Whether ``doc``'s terms start no later than ``day`` (an unreadable start: they may)."""
    effective = doc.spec.get("effective")
    start = units.parse_date(effective.get("from") if isinstance(effective, Mapping) else None)
    return start is None or start <= day


def _spelt(change: DocumentChange) -> list[bytes]:
    assert change.base is not None
    customer = change.base.spec.get("customer")
    return [change.base.name.encode(), *([customer.encode()] if isinstance(customer, str)
                                         and customer else [])]
