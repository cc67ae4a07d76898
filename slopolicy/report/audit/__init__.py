"""Audit reporters: each turns an audit into one output format.

``REPORTERS`` lists every ``--format`` of ``slopolicy audit``; the command
line builds its choices from it. Each format's ``report`` answers the
question asked: the terms in force on a date (``--as-of``, ``--known-at``)
with its ``snapshot``, else the history with its ``timeline``. A format's
module is imported when it is chosen.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from slopolicy.report import Registry

if TYPE_CHECKING:
    from slopolicy.gitops.audit import AuditReport

REPORTERS: Registry[AuditReport] = Registry(__name__, {
    "text": "text",
    "json": "json",
    "csv": "csv",
    "markdown": "markdown",
    "html": "html",
})
