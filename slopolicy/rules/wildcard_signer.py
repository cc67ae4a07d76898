"""With a base ref: a line of the allowed signers file lets one key sign as many people.

The allowed signers file (``approvals.allowedSigners``, read from the base)
says which key speaks for which identity. A principal with a wildcard
(``*@acme.example``, ``?``) lets that one key sign approvals, and commits,
as every identity it matches: whoever holds it can approve under any legal
or sre name, and a change can look approved by several people when one key
signed it all. Each such line is named, in the base's file (it judges this
change) and in the head's (it would judge the next).

Passing example (``.slopolicy/allowed_signers``)::

    alice@acme.example namespaces="slopolicy" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA...

Failing example (``.slopolicy/allowed_signers``)::

    *@acme.example namespaces="slopolicy" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA...
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "wildcard-signer"
SEVERITY = "warning"
OPTIONS: dict[str, Any] = {}
NEEDS_BASE = True


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    base = ctx.base
    assert base is not None
    signers = base.signers
    if signers is None or signers.path is None:
        return
    trusted = wildcards(signers.base)
    for line, principals in trusted:
        yield Finding(_message(f"{signers.where}:{line}", principals, "lets"), file=signers.path,
                      line=line, column=1)
    if signers.head is None or signers.head == signers.base:
        return
    known = {p for _, p in trusted}
    for line, principals in wildcards(signers.head):
        if principals not in known:
            yield Finding(_message(f"{signers.path}:{line}", principals, "would let"),
                          file=signers.path, line=line, column=1)


def _message(where: str, principals: str, verb: str) -> str:
    return (f"{where}: the principal {principals!r} is a wildcard: it {verb} one key sign "
            "approvals (and commits) as every identity it matches, so one person could fill "
            "several roles and approve in others' names; list each approver's identity with "
            "their own key instead")


def wildcards(content: bytes | None) -> list[tuple[int, str]]:
    """(line number, principals) of every line whose principals hold a ``*`` or ``?``."""
    if not content:
        return []
    found = []
    for number, raw in enumerate(content.decode("utf-8", "replace").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        principals = _principals(text)
        if any(c in principals for c in "*?"):
            found.append((number, principals))
    return found


def _principals(line: str) -> str:
    """The first field of an allowed_signers line (it may be quoted, with spaces)."""
    if line.startswith('"'):
        end = line.find('"', 1)
        return line[1:end] if end > 0 else line[1:]
    return line.split(None, 1)[0]
