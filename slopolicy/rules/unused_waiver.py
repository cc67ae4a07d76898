"""A waiver in .slopolicy.yaml matches no problem: delete it.

A waiver accepts a known problem until it expires. Once the problem is fixed
the waiver is stale: left in place it would silently accept the same problem
when it comes back. Reported at the waiver, so the fix is one deleted entry.

slopolicy judges a waiver only when that judgement is sound: its rule ran
(not excluded by ``--select``/``--ignore``, not ``off``, and for change
rules a ``--base`` was given), on the whole project (rules always see every
document, and this finding lives in .slopolicy.yaml, so a run on some files
only, as under pre-commit, shows it when .slopolicy.yaml is among them).
With ``--base`` the base's configuration is in force, so its waivers are
left to plain runs.

Passing example (``SLO/legacy-checkout`` has too little headroom)::

    waivers:
      - rule: slo-headroom
        document: SLO/legacy-checkout
        reason: "migrating to the new SLI, OPS-123"
        expires: 2027-01-31

Failing example (no problem of ``credit-tiers`` in ``SLA/globex``)::

    waivers:
      - rule: credit-tiers
        document: SLA/globex
        reason: "tiers fixed in contract v4, OPS-99"
        expires: 2027-01-31
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding
from slopolicy.model.waivers import FILENAME, Waiver

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "unused-waiver"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}
AFTER_WAIVERS = True  # the engine fills ctx.unused_waivers first


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for waiver in ctx.unused_waivers or ():
        yield Finding(
            _message(waiver, ctx),
            file=waiver.source or FILENAME,
            line=waiver.line or 1,
            column=1,
        )


def _message(waiver: Waiver, ctx: Context) -> str:
    scope = [f"{name} {value}" for name, value in (
        ("document", waiver.document), ("path", waiver.path), ("file", waiver.file)) if value]
    where = f" ({', '.join(scope)})" if scope else ""
    expired = (
        f"; it expired on {waiver.expires.isoformat()} too" if waiver.expires < ctx.today else ""
    )
    return (
        f"waiver of {waiver.rule}{where} matches no problem{expired}: "
        "the problem is gone, so delete the waiver"
    )
