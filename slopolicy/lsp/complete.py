"""Completion: kinds, apiVersions, names of documents in reference fields, rule ids.

The context is read from the line being typed, not from a parse: text
being typed is rarely valid YAML. A value after ``key:`` completes by its
key (``kind``, ``apiVersion``, ``slo``, ``indicatorRef``, ``service``...); in
``.slopolicy.yaml`` a key under ``rules:``, and a waiver's ``rule:``,
complete to the project's rule ids.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from msgspec import Struct

from slopolicy.config.settings import PRESETS
from slopolicy.lsp.cursor import Span, indentation
from slopolicy.lsp.workspace import Snapshot
from slopolicy.model.kinds import FAMILIES
from slopolicy.rules.unresolved_reference import REFERENCES

OPENSLO = "openslo/v1"
LIMIT = 500  # items in one answer; more make the client ask again as the user types
_VALUE = re.compile(r"(?:^\s*(?:-\s+)*|[{,]\s*)(?P<key>[A-Za-z][\w./-]*)\s*:(?P<space>\s*)"
                    r"(?P<quote>[\"']?)(?P<prefix>[^\s\"'{},\[\]#]*)$")
_KEY = re.compile(r"^(?P<indent> +)(?P<prefix>[a-z0-9-]*)$")
_API_VERSION = re.compile(r"^apiVersion:\s*[\"']?([^\s\"'#]+)")
NAMED = {"slo": "SLO", "service": "Service", **REFERENCES}


class Item(Struct, frozen=True):
    label: str
    kind: str  # "kind" | "apiVersion" | "reference" | "rule" | "preset"
    detail: str
    span: Span  # the text the item replaces
    text: str  # what it puts there
    documentation: str = ""


def complete(snapshot: Snapshot, rel: str, lines: Sequence[str], line: int, column: int,
             config: bool) -> tuple[list[Item], bool]:
    """The items for the cursor at (line, column), and whether the list was cut short."""
    if line >= len(lines):
        return [], False
    before = lines[line][:column]
    match = _VALUE.search(before)
    if match is not None:
        prefix = match["prefix"]
        span = Span(rel, line, column - len(prefix), column)
        lead = "" if match["space"] or match["quote"] else " "
        found = _values(snapshot, match["key"], lines, line, config)
        return _items(found, prefix, span, lead)
    key = _KEY.match(before)
    if config and key is not None and _parent(lines, line, len(key["indent"])) == "rules":
        prefix = key["prefix"]
        return _items(_rules(snapshot), prefix, Span(rel, line, column - len(prefix), column), "")
    return [], False


Candidate = tuple[str, str, str, str]  # label, kind, detail, documentation


def _values(snapshot: Snapshot, key: str, lines: Sequence[str], line: int, config: bool
            ) -> list[Candidate]:
    if config:
        if key == "rule":
            return _rules(snapshot)
        if key == "extends":
            return [(name, "preset", "a preset shipped with slopolicy", "") for name in PRESETS]
        return []
    if key == "apiVersion":
        return [(api, "apiVersion", ", ".join(sorted(kinds)), "") for api, kinds in FAMILIES.items()]
    if key == "kind":
        api = _api_version(lines, line)
        families = {api: FAMILIES[api]} if api in FAMILIES else FAMILIES
        return [(kind, "kind", family, "") for family, kinds in families.items()
                for kind in sorted(kinds)]
    kind = NAMED.get(key)
    if kind is None:
        return []
    seen: dict[str, str] = {}
    for doc in snapshot.documents(OPENSLO, kind):
        seen.setdefault(doc.name, doc.source.path)
    return [(name, "reference", f"{kind} in {path}", "") for name, path in sorted(seen.items())
            if name]


def _rules(snapshot: Snapshot) -> list[Candidate]:
    if snapshot.project is None:
        return []
    return [(rule.id, "rule", f"{rule.severity}{', ' + rule.source if rule.source else ''}",
             rule.summary) for rule in snapshot.project.rules.values()]


def _items(found: Iterable[Candidate], prefix: str, span: Span, lead: str
           ) -> tuple[list[Item], bool]:
    folded = prefix.casefold()
    kept = [c for c in found if c[0].casefold().startswith(folded)]
    items = [Item(label, kind, detail, span, lead + label, documentation)
             for label, kind, detail, documentation in kept[:LIMIT]]
    return items, len(kept) > LIMIT


def _api_version(lines: Sequence[str], line: int) -> str | None:
    """The apiVersion of the YAML document holding ``line`` (between ``---`` markers)."""
    start = line
    while start > 0 and not lines[start - 1].startswith("---"):
        start -= 1
    end = line
    while end + 1 < len(lines) and not lines[end + 1].startswith("---"):
        end += 1
    for text in lines[start:end + 1]:
        match = _API_VERSION.match(text)
        if match is not None:
            return match[1]
    return None


def _parent(lines: Sequence[str], line: int, indent: int) -> str | None:
    """The key of the nearest line above ``line`` indented less than ``indent``."""
    for number in range(line - 1, -1, -1):
        text = lines[number].rstrip()
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if indentation(text) < indent:
            match = re.match(r"\s*(?:-\s+)?([\w-]+)\s*:", text)
            return match[1] if match else None
    return None
