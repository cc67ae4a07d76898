"""With a base ref: an SLA is added, and the base's history could not be searched for an earlier version of it.

A change that adds an agreement is compared with the last version of it
(the same name, or the same customer and service) that the base branch's
history removed, so that removing an agreement in one change and adding it
back looser in the next needs the approvals of a loosening, as the edit
would. A clone without that history (a shallow clone, a partial clone whose
objects cannot be fetched) cannot tell: each added agreement is then shown
with what could not be read and how to fetch the history, never passed as
searched; so is an agreement given another customer or service, or put back
in force after it had ended, which is compared with the last agreement of
those parties removed.

Passing example (a full clone: the history was searched)::

    metadata: {name: globex-public-api}
    spec: {customer: globex, service: public-api, version: 1}

Failing example (the same addition, checked in a clone whose history
before the base is missing)::

    metadata: {name: globex-public-api}
    spec: {customer: globex, service: public-api, version: 1}
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "sla-history-unread"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    why = base.changes.history_unread
    if why is None:
        return
    from slopolicy.changes.compare import parties, revived

    today = datetime.datetime.now(datetime.timezone.utc).date()
    for change in base.changes.agreements:
        if change.base is None and change.head is not None:
            yield Finding(
                f"{change.label} is added, and {base.ref}'s history could not be searched for "
                "an earlier version of it (an agreement removed and added back looser needs "
                f"the approvals of a loosening, not only of an addition): {why}",
                document=change.head, path=("metadata", "name"))
        elif (change.base is not None and change.head is not None
              and (after := parties(change.head)) is not None and parties(change.base) != after):
            yield Finding(
                f"{change.label} is given another customer or service, and {base.ref}'s history "
                "could not be searched for the last agreement of those removed (one given "
                "terms looser than theirs were needs the approvals of a loosening): "
                f"{why}", document=change.head, path=("spec", "customer"))
        elif revived(change, today):
            assert change.head is not None
            yield Finding(
                f"{change.label} had ended and is put back in force, and {base.ref}'s history "
                "could not be searched for the last agreement of its customer and service "
                f"removed (terms looser than theirs were need the approvals of a loosening): "
                f"{why}", document=change.head, path=("spec", "effective"))
