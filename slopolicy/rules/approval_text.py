"""What a change's approvals lack, and the command that supplies them, in words.

Shared by the change rules' messages and the reports that list approvals.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from slopolicy.changes.approvals import ApprovalResult

KEY_HINT = "~/.ssh/id_ed25519"
FORGES = ("github:", "gitlab:")  # roster entries a forge review fills, not a signature


def needed(result: ApprovalResult) -> list[tuple[str, int, tuple[str, ...], tuple[str, ...]]]:
    """Per role: how many more approvers, for which classes, and who holds the role."""
    by_role: dict[str, tuple[int, list[str], tuple[str, ...]]] = {}
    for short in result.missing:
        count, classes, holders = by_role.get(short.role, (0, [], short.holders))
        by_role[short.role] = (max(count, short.missing), classes + [short.change_class], holders)
    return [(role, count, tuple(classes), holders)
            for role, (count, classes, holders) in by_role.items()]


def _authored(result: ApprovalResult, role: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(h for s in result.missing if s.role == role for h in s.authored))


def shortfall_text(result: ApprovalResult) -> str:
    parts = [f"every commit signed (approvals.signedCommits: required), and {item}"
             for item in result.unsigned]
    for role, count, classes, holders in needed(result):
        authored = _authored(result, role)
        if holders:
            who = ", ".join(holders)
        elif authored:
            who = (f"nobody left: {', '.join(authored)} changed it and may not approve it; "
                   "add an approver to the roster in a change of its own")
        else:
            who = "nobody holds it in the base policy"
        parts.append(f"{count} more {role} approver{'s' if count != 1 else ''} "
                     f"(for {'/'.join(classes)}; {role}: {who})")
    return "; ".join(parts)


def uncounted_text(result: ApprovalResult) -> str:
    items = [f"{e.source} ({e.evidence}, {e.identity}): {e.reason}"
             for e in result.evidence if not e.valid]
    return ("Not counted: " + "; ".join(items) + ".") if items else ""


def approve_command(path: str, role: str, holders: Sequence[str], document: str | None = None,
                    removed_from: str | None = None, base: str | None = None) -> str:
    signers = [h for h in holders if not h.startswith(FORGES)]
    identity = signers[0] if len(signers) == 1 else "YOUR-ID"
    parts = ["slopolicy approve", _arg(path), f"--role {_arg(role)}", f"--identity {_arg(identity)}",
             f"--key {KEY_HINT}"]
    if document:
        parts.insert(2, f"--document {_arg(document)}")
    if removed_from:
        parts.insert(2, f"--removed-from {_arg(removed_from)}")
    elif base:  # the record names the change from the base: the approver gives the same base
        parts.insert(2, f"--base {_arg(base)}")
    return " ".join(parts)


def _arg(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_@%+=:,./~-]+", text) else "'" + text.replace(
        "'", "'\\''") + "'"


def how_to_approve(result: ApprovalResult, path: str, records: str, document: str | None = None,
                   removed_from: str | None = None, base: str | None = None) -> str:
    """The command each missing approver runs, and what else would count."""
    commands = []
    reviewers: list[str] = []
    for role, _count, _classes, holders in needed(result):
        nobody_left = not holders and _authored(result, role)
        if any(not h.startswith(FORGES) for h in holders) or not (holders or nobody_left):
            commands.append(
                f"`{approve_command(path, role, holders, document, removed_from, base)}`")
        reviewers += [h for h in holders if h.startswith(FORGES)]
    text = ""
    if len(commands) == 1:
        text = (f"To approve, the approver runs {commands[0]} on this change and commits the "
                f"record in {records}/")
    elif commands:
        text = (f"To approve, the approvers run {' and '.join(commands)} on this change and "
                f"commit the records in {records}/")
    if reviewers:
        text += ("; or " if text else "To approve, ") + (
            f"{', '.join(dict.fromkeys(reviewers))} approves the head commit on the pull or merge "
            "request (counted with --reviews)")
    return text + "." if text else ""
