"""Rewrite the IANA time zone enum of the bundled JSON Schema from tzdata.

slopolicy validates ``timeZone`` against the zones of the ``tzdata`` package
it depends on, never against the host's zoneinfo (a CI image without tzdata
would otherwise reject ``America/New_York``).  Run this after upgrading
tzdata::

    python scripts/update_timezones.py [SCHEMA]

SCHEMA defaults to ``schemas/slopolicy.schema.json``.  The file is rewritten
in place with deterministic formatting, so an unchanged tzdata gives an
unchanged file.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
from collections.abc import Sequence
from pathlib import Path

DEFAULT_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "slopolicy.schema.json"
TIMEZONE_DEF = "timeZone"


def tzdata_zones() -> list[str]:
    """Every zone name the installed tzdata package ships, sorted."""
    listing = importlib.resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return sorted({line.strip() for line in listing.splitlines() if line.strip()})


def update_schema(path: Path, zones: list[str]) -> bool:
    """Set the timeZone enum in the schema at path; return whether the file changed."""
    original = path.read_text(encoding="utf-8")
    schema = json.loads(original)
    schema["$defs"][TIMEZONE_DEF]["enum"] = zones
    updated = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    if updated == original:
        return False
    path.write_text(updated, encoding="utf-8")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rewrite the timeZone enum of the JSON Schema from tzdata."
    )
    parser.add_argument("schema", nargs="?", type=Path, default=DEFAULT_SCHEMA)
    args = parser.parse_args(argv)
    zones = tzdata_zones()
    changed = update_schema(args.schema, zones)
    state = "updated" if changed else "unchanged"
    print(f"{args.schema}: {len(zones)} time zones, {state}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
