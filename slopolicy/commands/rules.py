"""slopolicy rules: list the rules, or explain one."""
from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING

from slopolicy.model.errors import UsageError

if TYPE_CHECKING:
    from slopolicy.rules import Rule

NAME = "rules"
HELP = "list the rules, or explain one"
DESCRIPTION = """\
List every rule (id, default severity, summary), or print one rule's
documentation with examples.
"""
EPILOG = """\
exit codes:
  0  listed or explained
  2  unknown rule id, or a configuration error

examples:
  slopolicy rules                               every rule, with its severity here
  slopolicy rules explain slo-stricter-than-sla
  slopolicy rules --format json --config .slopolicy.yaml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("list", "explain"), default="list",
                        help="list every rule (the default), or explain ID")
    rule = parser.add_argument("rule", nargs="?", metavar="ID", help="the rule to explain")
    rule.completer = rule_ids  # type: ignore[attr-defined]  # what TAB offers
    parser.add_argument("--config", metavar="FILE", help="include the custom rules of this config")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="listing format (default: text)")


def run(args: argparse.Namespace) -> int:
    from slopolicy.config.project import open_project  # loaded to run, not to build the parser
    from slopolicy.report.terminal import block, line
    from slopolicy.text.hints import closest_list

    project = open_project([], args.config)
    rules = project.rules
    if args.action == "explain" or args.rule:
        if not args.rule:
            raise UsageError("rules explain: which rule? (e.g. `slopolicy rules explain schema`)")
        rule = rules.get(args.rule)
        if rule is None:
            hint = closest_list(args.rule, list(rules))
            tip = f'; did you mean "{hint[0]}"?' if hint else " (see `slopolicy rules`)"
            raise UsageError(f"unknown rule id {args.rule!r}{tip}")
        # a house rule's description, message and CEL are a policy file's: no terminal escape
        sys.stdout.write(block(explain(rule, project.config.setting(rule).severity)))
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
    starred = False
    for rule in rules.values():
        configured = project.config.setting(rule).severity
        shown = rule.severity if configured == rule.severity else f"{configured}*"
        starred = starred or configured != rule.severity
        sys.stdout.write(f"{rule.id:<{width}}  {shown:<8}  {line(plain(rule.summary))}\n")
    legend = "* as configured in .slopolicy.yaml; " if starred else ""
    sys.stdout.write(f"\n{legend}`slopolicy rules explain ID` explains one, with examples\n")
    return 0


def plain(text: str) -> str:
    """Docstring markup for a terminal: ``code`` -> `code`, a closing ``::`` -> ``:``."""
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return re.sub(r"::$", ":", text, flags=re.M)


def explain(rule: Rule, configured: str) -> str:
    lines = [f"{rule.id} (default severity: {rule.severity}; here: {configured})", ""]
    lines.append(plain(rule.doc))
    if rule.options:
        lines += ["", f"Options (.slopolicy.yaml: rules: {{{rule.id}: {{OPTION: VALUE}}}}):"]
        lines += [f"  {name}: {default}" for name, default in rule.options.items()]
    return "\n".join(lines) + "\n"


def rule_ids(**_: object) -> list[str]:
    """The built-in rule ids, for completion (custom ones need a project read)."""
    from slopolicy.rules import builtin_rules

    return list(builtin_rules())
