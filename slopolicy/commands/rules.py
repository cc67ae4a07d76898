"""slopolicy rules: list the rules, or explain one."""
from __future__ import annotations

import argparse
import json
import sys

from slopolicy.errors import UsageError
from slopolicy.project import open_project
from slopolicy.rules import Rule


def run(args: argparse.Namespace) -> int:
    project = open_project([], args.config)
    rules = project.rules
    if args.action == "explain" or args.rule:
        if not args.rule:
            raise UsageError("rules explain: which rule? (e.g. `slopolicy rules explain schema`)")
        rule = rules.get(args.rule)
        if rule is None:
            raise UsageError(f"unknown rule id {args.rule!r} (see `slopolicy rules`)")
        sys.stdout.write(explain(rule, project.config.setting(rule).severity))
        return 0
    if args.format == "json":
        listing = [
            {"id": r.id, "severity": r.severity, "configured": project.config.setting(r).severity,
             "summary": r.summary, "options": {k: str(v) for k, v in r.options.items()},
             "source": r.source or "built-in"}
            for r in rules.values()
        ]
        json.dump(listing, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max(len(r.id) for r in rules.values())
    for rule in rules.values():
        configured = project.config.setting(rule).severity
        shown = rule.severity if configured == rule.severity else f"{configured}*"
        sys.stdout.write(f"{rule.id:<{width}}  {shown:<8}  {rule.summary}\n")
    sys.stdout.write("\n* configured in .slopolicy.yaml; `slopolicy rules explain ID` for details\n")
    return 0


def explain(rule: Rule, configured: str) -> str:
    lines = [f"{rule.id} (default severity: {rule.severity}; here: {configured})", ""]
    lines.append(rule.doc)
    if rule.options:
        lines += ["", f"Options (.slopolicy.yaml: rules: {{{rule.id}: {{OPTION: VALUE}}}}):"]
        lines += [f"  {name}: {default}" for name, default in rule.options.items()]
    return "\n".join(lines) + "\n"
