from __future__ import annotations

from slopolicy.cli import entry

entry()
