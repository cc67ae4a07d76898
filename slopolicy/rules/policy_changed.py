"""With a base ref: the policy or approver roster changed without the approvals the base requires.

The policy that judges a change is the base's: ``.slopolicy.yaml`` (rules,
roster, approval requirements, waivers), the files it extends, the allowed
signers file and the policy files it names are read from the base ref, so a
change cannot weaken the check that judges it. A change to any of them
needs the base's ``approvals.require.policy`` approvals, recorded with
``slopolicy approve .slopolicy.yaml --role ROLE ...``.

Passing example (the base requires ``policy: [{role: sre, count: 1}]`` and
carol@acme.example, an sre, signed an approval of the new policy files)::

    approvals:
      roles: {legal: [alice@acme.example, dave@acme.example]}

Failing example (the same change with no approval; the new roster entry
does not count until the change is merged)::

    approvals:
      roles: {legal: [alice@acme.example, dave@acme.example]}
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "policy-changed"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    from slopolicy.rules import approval_text  # only when a check has a base

    base = ctx.base
    assert base is not None
    change = base.changes.policy
    if change is None or change.approval is None or change.approval.satisfied:
        return
    files = ", ".join(f"{path} {state}" for path, state in change.files)
    where = next((p for p, s in change.files if s != "removed"), change.config_file)
    message = " ".join(t for t in (
        (f"the policy changed ({files}); this check used {base.ref}'s policy, and the change "
         f"needs approval under it: {approval_text.shortfall_text(change.approval)}."),
        approval_text.uncounted_text(change.approval),
        approval_text.how_to_approve(change.approval, change.config_file, base.records,
                                     base=base.ref),
    ) if t)
    yield Finding(message, file=where, line=1, column=1)
