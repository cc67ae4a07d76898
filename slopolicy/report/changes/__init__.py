"""Change reporters: each turns a change set into one output format (``slopolicy diff``).

``REPORTERS`` lists every ``--format`` of ``slopolicy diff``; the command
line builds its choices from it. A format's module is imported when it is
chosen. ``check --format json`` embeds :func:`json.changeset_json`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from slopolicy.report import Registry

if TYPE_CHECKING:
    from slopolicy.changes.changeset import ChangeSet

REPORTERS: Registry[ChangeSet] = Registry(__name__, {
    "text": "text",
    "json": "json",
    "markdown": "markdown",
})
