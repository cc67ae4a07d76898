"""Waivers: a finding accepted for a reason, until a date (written in .slopolicy.yaml)."""
from __future__ import annotations

import datetime

from msgspec import Struct

FILENAME = ".slopolicy.yaml"  # the configuration file, where waivers are written


class Waiver(Struct, frozen=True):
    rule: str
    reason: str
    expires: datetime.date
    document: str | None = None
    path: str | None = None
    file: str | None = None
    line: int = 0  # where it is written, for unused or expired waivers
    source: str = ""  # the configuration file that holds it, relative to the repository root
