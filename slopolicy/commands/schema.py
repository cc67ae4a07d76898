"""slopolicy schema: print a JSON Schema."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from slopolicy.load import schemas
from slopolicy.load.resources import load_json
from slopolicy.model.errors import UsageError


def lookup(kind: str | None) -> Any:
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
