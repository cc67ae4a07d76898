"""slopolicy schema: print a JSON Schema."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from slopolicy.model.errors import UsageError

NAME = "schema"
HELP = "print a JSON Schema"
DESCRIPTION = """\
Print the JSON Schema of one KIND (SLO, SLI, Service, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget, SLA, Approval, Policy, config; another
format's as APIVERSION/KIND, like pyrra.dev/v1alpha1/ServiceLevelObjective), or
without KIND one schema that dispatches on apiVersion/kind, for editors
(yaml-language-server) and check-jsonschema.
"""
EPILOG = """\
exit codes:
  0  printed
  2  unknown KIND

examples:
  slopolicy schema > slopolicy.schema.json      every kind, for an editor
  slopolicy schema SLA > sla.schema.json
  slopolicy schema config                       the .slopolicy.yaml schema
  slopolicy schema n9/v1alpha/SLO               a Nobl9 SLO's
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kind = parser.add_argument("kind", nargs="?", metavar="KIND", help="one kind, or config "
                               "(default: all, dispatching on apiVersion/kind)")
    kind.completer = known_kinds  # type: ignore[attr-defined]  # what TAB offers


def known_kinds(**_: object) -> list[str]:
    """Every KIND this command prints a schema of."""
    from slopolicy.load import schemas

    return [*dict.fromkeys(kind for _, kind in schemas.kinds()), "config"]


def lookup(kind: str | None) -> Any:
    from slopolicy.load import schemas  # loaded to run, not to build the parser
    from slopolicy.load.resources import load_json

    if kind is None:
        return schemas.bundle()
    if kind.lower() in ("config", ".slopolicy.yaml"):
        return load_json("schemas", schemas.CONFIG)
    for api_version, known in schemas.kinds():  # KIND, or APIVERSION/KIND for another format's
        if kind.lower() in (known.lower(), f"{api_version}/{known}".lower()):
            return schemas.kind_schema(api_version, known)
    listed = ", ".join(dict.fromkeys(k for _, k in schemas.kinds()))
    raise UsageError(f"unknown kind {kind!r}; known: {listed}, config (or APIVERSION/KIND, "
                     "like n9/v1alpha/SLO)")


def run(args: argparse.Namespace) -> int:
    json.dump(lookup(args.kind), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
