"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; every rule in ``tool.driver.rules``; one result per problem, located
in the repository (``%SRCROOT%``) with a region, the document and path as
logical locations, related locations linked from the message, a fingerprint
that survives line moves, and waivers as external suppressions.

File URIs are always relative to ``%SRCROOT%``, never absolute: a report is
forwarded and uploaded from other machines. The fingerprint is slopolicy's
own (``fingerprints``, key :data:`FINGERPRINT`); ``partialFingerprints`` is
left to the uploader, which computes ``primaryLocationLineHash`` from the
line's text and warns when a file's value differs from its own.

GitHub code scanning rejects a whole run of more than 25,000 results
(:data:`MAX_RESULTS`): past that, the most severe are kept and a tool
notification of the run says how many were left out.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any, TextIO
from urllib.parse import quote

from slopolicy import __version__
from slopolicy.model.problems import Problem, RelatedLocation
from slopolicy.report import markdown
from slopolicy.report.check import CheckReport
from slopolicy.rules import Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://slopolicy.dev"
SRCROOT = "%SRCROOT%"
# The key of slopolicy's fingerprint: the scheme's name and version, as SARIF asks (§3.27.17).
FINGERPRINT = "slopolicy/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
# GitHub shows at most 1024 characters of a rule's short and full description.
_DESCRIPTION_LIMIT = 1024
_LITERAL = re.compile(r"``([^`]+)``")
MAX_RESULTS = 25_000  # results per run that GitHub code scanning accepts


def report(report: CheckReport, stream: TextIO) -> None:
    json.dump(as_dict(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def as_dict(report: CheckReport) -> dict[str, Any]:
    rules = _rule_list(report)
    index = {rule_id: i for i, (rule_id, _) in enumerate(rules)}
    results = _results(report.result.problems, index)
    run: dict[str, Any] = {
        "tool": {"driver": _driver(rules)},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the repository checked."}}
        },
        "columnKind": "unicodeCodePoints",
        "results": _most_severe(results),
    }
    if len(results) > MAX_RESULTS:
        run["invocations"] = [_cut(len(results))]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rank(result: dict[str, Any]) -> int:
    """Errors first, then warnings, then notes; waived (suppressed) problems last."""
    return (3 if "suppressions" in result else 0) + list(LEVELS.values()).index(result["level"])


def _most_severe(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most :data:`MAX_RESULTS` results, the most severe, in the report's order."""
    if len(results) <= MAX_RESULTS:
        return results
    ranked = sorted(range(len(results)), key=lambda i: _rank(results[i]))
    return [results[i] for i in sorted(ranked[:MAX_RESULTS])]


def _cut(total: int) -> dict[str, Any]:
    left_out = total - MAX_RESULTS
    text = (f"{total} problems: GitHub code scanning accepts {MAX_RESULTS} results a run, so "
            f"the {left_out} least severe are left out; `slopolicy check --format json` "
            "lists every one")
    notification = {"level": "warning", "message": {"text": text}}
    return {"executionSuccessful": True, "toolExecutionNotifications": [notification]}


def _rule_list(report: CheckReport) -> list[tuple[str, Rule | None]]:
    """Every known rule, then any rule id a problem names that is not known."""
    rules: list[tuple[str, Rule | None]] = list(report.rules.items())
    known = set(report.rules)
    for problem in report.result.problems:
        if problem.rule not in known:
            known.add(problem.rule)
            rules.append((problem.rule, None))
    return rules


def _driver(rules: list[tuple[str, Rule | None]]) -> dict[str, Any]:
    return {
        "name": "slopolicy",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_descriptor(rule_id, rule) for rule_id, rule in rules],
    }


def _descriptor(rule_id: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": rule_id, "name": rule_name(rule_id), "shortDescription": {"text": rule_id}}
    prose, _examples = split_doc(rule.doc)
    return {
        "id": rule.id,
        "name": rule_name(rule.id),
        "shortDescription": {"text": _limit(rule.summary or rule.id)},
        "fullDescription": {"text": _limit(prose or rule.summary or rule.id)},
        "help": {"text": rule.doc or rule.id, "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"problem.severity": _PROBLEM_SEVERITY[rule.severity]},
    }


def rule_name(rule_id: str) -> str:
    """``slo-stricter-than-sla`` -> ``SloStricterThanSla`` (SARIF's readable name)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def split_doc(doc: str) -> tuple[str, str]:
    """(the description, the examples): a rule's doc split before the paragraph
    that introduces its first literal block (``Passing example::``)."""
    paragraphs = re.split(r"\n\s*\n", doc.strip())
    for index, paragraph in enumerate(paragraphs):
        if paragraph.rstrip().endswith("::"):
            return "\n\n".join(paragraphs[:index]), "\n\n".join(paragraphs[index:])
    return doc.strip(), ""


def help_markdown(rule: Rule) -> str:
    """The rule's doc as Markdown: ``literal`` -> `literal`, ``::`` blocks fenced.

    A house rule's or a plugin's doc (its description, message, CEL) is someone else's
    text: each line a paragraph of escaped text, so it shows no image, link, HTML or
    mention in the code scanning alert.
    """
    if rule.source:
        shown = [markdown.cell(line) for line in rule.doc.splitlines() if line.strip()]
        return "\n\n".join([f"# {rule.id}", *shown]) + "\n"
    out: list[str] = [f"# {rule.id}", ""]
    in_block = False
    for line in rule.doc.splitlines():
        if in_block and line.strip() and not line.startswith((" ", "\t")):
            out += ["```", ""]
            in_block = False
        if in_block:
            out.append(line[4:] if line.startswith("    ") else line.strip())
        elif line.rstrip().endswith("::"):
            out += [_LITERAL.sub(r"`\1`", line.rstrip()[:-1]), "", "```yaml"]
            in_block = True
        else:
            out.append(_LITERAL.sub(r"`\1`", line))
    if in_block:
        out.append("```")
    return _trim_block_ends("\n".join(out)) + "\n"


def _trim_block_ends(text: str) -> str:
    """Drop blank lines just inside fences (the doc's blank line after ``::``)."""
    text = re.sub(r"```yaml\n+", "```yaml\n", text)
    return re.sub(r"\n+```(\n|$)", r"\n```\1", text).strip()


def _limit(text: str) -> str:
    if len(text) <= _DESCRIPTION_LIMIT:
        return text
    cut = text[: _DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _results(problems: list[Problem], index: dict[str, int]) -> list[dict[str, Any]]:
    seen: Counter[str] = Counter()
    results = []
    for problem in problems:
        identity = fingerprint(problem)
        seen[identity] += 1
        results.append(_result(problem, index[problem.rule], f"{identity}:{seen[identity]}"))
    return results


def _result(problem: Problem, rule_index: int, identity: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": problem.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[problem.severity],
        "message": {"text": _message(problem)},
        "locations": [_primary_location(problem)],
        # A hash of what the finding is about (not of the line's text): one
        # alert while the line moves or its value is edited.
        "fingerprints": {FINGERPRINT: identity},
    }
    if problem.related:
        result["relatedLocations"] = [
            _related_location(i, r) for i, r in enumerate(problem.related, start=1)
        ]
    if problem.waived:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": problem.waiver_reason}
        ]
    return result


def fingerprint(problem: Problem) -> str:
    """A stable hash of rule, file, document and path (not line or message)."""
    key = f"{problem.rule}\0{problem.file}\0{problem.document}\0{problem.path}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def escape(text: str) -> str:
    """Literal brackets in a SARIF plain-text message are escaped (§3.11.6)."""
    return text.replace("[", "\\[").replace("]", "\\]")


def _message(problem: Problem) -> str:
    text = escape(problem.message)
    if problem.related:
        links = "; ".join(
            f"[{escape(r.message)}]({i})" for i, r in enumerate(problem.related, start=1)
        )
        text += f" (see {links})"
    return text


def uri(file: str) -> str:
    """A file's URI reference relative to ``%SRCROOT%``, ``/``-separated and percent-encoded.

    Reported paths are relative to the repository root, which is found from
    the checked paths, wherever slopolicy runs from.
    """
    # A name that is not UTF-8 (git allows any bytes) holds its bytes as lone surrogates:
    # percent-encoded as those bytes, it names the file it came from.
    return quote(file.replace("\\", "/").encode("utf-8", "surrogateescape"), safe="/")


def _physical(file: str, line: int, column: int) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": uri(file), "uriBaseId": SRCROOT},
        "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
    }


def _primary_location(problem: Problem) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": _physical(problem.file, problem.line, problem.column)
    }
    logical = _logical_locations(problem)
    if logical:
        location["logicalLocations"] = logical
    return location


def _logical_locations(problem: Problem) -> list[dict[str, Any]]:
    """The document (``Kind/name``) and the path inside it."""
    out: list[dict[str, Any]] = []
    if problem.document:
        out.append(
            {"name": problem.document, "fullyQualifiedName": problem.document, "kind": "object"}
        )
    if problem.path:
        qualified = f"{problem.document}/{problem.path}" if problem.document else problem.path
        kind = _kind(problem.path)
        out.append({"name": problem.path, "fullyQualifiedName": qualified, "kind": kind})
    return out


def _kind(path: str) -> str:
    """``...[0]`` names an array element (a value); anything else a property."""
    return "value" if re.search(r"\[\d+\]$", path) else "property"


def _related_location(location_id: int, related: RelatedLocation) -> dict[str, Any]:
    return {
        "id": location_id,
        "physicalLocation": _physical(related.file, related.line, related.column),
        "message": {"text": escape(related.message)},
    }
