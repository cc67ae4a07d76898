"""The rule registry.

A rule is a module (or any object) with ``ID`` (stable kebab-case),
``SEVERITY`` (``error`` | ``warning`` | ``info``), ``OPTIONS`` (option name
-> default), optionally ``OPTION_RANGES`` (option name -> the :class:`Range`
a numeric option's value must lie in), a docstring that documents it with a passing and a failing
example, and ``check(ctx, options)``, a generator of findings. A rule that
looks at one document at a time defines ``check_document(doc, options)``
instead, and its results are cached with the file. A rule that spans
documents reads what it needs of each one through ``doc.remember(name,
compute)``, a fact computed from that document alone and kept with it in the
cache, so a warm run does not unpickle the documents that did not change.
Rules never format output: the engine stamps id and severity and reporters
print.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any

from slopolicy.model.problems import Finding, Related

if TYPE_CHECKING:
    from slopolicy.model.documents import Document
    from slopolicy.rules.context import Context

CheckFunction = Callable[["Context", Mapping[str, Any]], Iterator[Finding]]

# Module names under slopolicy.rules, in catalogue order.
BUILTIN = (
    "yaml_syntax",
    "duplicate_key",
    "schema",
    "unknown_kind",
    "duplicate_name",
    "unresolved_reference",
    "openslo_semantics",
    "slo_stricter_than_sla",
    "slo_headroom",
    "slo_assumption",
    "sla_backed_by_slo",
    "credit_tiers",
    "support_times",
    "effective_period",
    "ambiguous_duration",
    "unused_waiver",
    "sla_change_approval",
    "sla_version_bump",
    "sla_retroactive_change",
    "slo_loosened",
    "policy_changed",
    "wildcard_signer",
)


@dataclass(frozen=True)
class Range:
    """The values a numeric option may take, e.g. a ratio in (0, 1]."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = True  # low itself is not allowed
    high_open: bool = False

    def holds(self, value: Decimal) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def __str__(self) -> str:
        low = "-inf" if self.low is None else str(self.low)
        high = "inf" if self.high is None else str(self.high)
        return f"{'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"


RATIO = Range(Decimal(0), Decimal(1))  # (0, 1]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    options: Mapping[str, Any]
    doc: str
    check: CheckFunction
    needs_base: bool = False  # change rules: only run with --base
    after_waivers: bool = False  # runs once waivers are applied (it judges them)
    source: str = ""  # where a custom rule is defined (policy file, plugin); "" if built in
    option_ranges: Mapping[str, Range] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""


DocumentCheck = Callable[["Document", Mapping[str, Any]], Iterator[Finding]]
PlainFinding = tuple[Any, bool, str, tuple[tuple[Any, str], ...]]


def per_document(rule_id: str, check_document: DocumentCheck) -> CheckFunction:
    """A rule's ``check`` from its ``check_document``, cached with each file.

    A document-scope rule looks at one document and nothing else, so what it
    finds depends only on that document's content and the rule's options: the
    result is kept with the file in the cache and a warm run does not redo it.
    """
    def compute(doc: Document, options: Mapping[str, Any]) -> tuple[PlainFinding, ...]:
        # a tuple: most documents have no finding, and () is one shared object
        return tuple(_plain(doc, f) for f in check_document(doc, options))

    def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
        key = rule_id + repr(sorted(options.items()))
        for doc in ctx.documents:
            # Document.remember's lookup, inlined: this loop runs for every
            # document of the project on every run
            found = doc.facts.get(key)
            if found is None:
                found = doc.remember(key, partial(compute, doc, options))
            for path, at_key, message, related in found:
                yield Finding(message, document=doc, path=path, key=at_key, related=tuple(
                    Related(text, document=doc, path=where) for where, text in related))

    return check


def _plain(doc: Document, finding: Finding) -> PlainFinding:
    assert finding.document is doc and finding.line is None, "a document rule stays in its document"
    related = tuple((r.path, r.message) for r in finding.related if r.document is doc)
    return (finding.path, finding.key, finding.message, related)


def from_module(module: ModuleType | Any) -> Rule:
    check = getattr(module, "check", None)
    if check is None:
        check = per_document(module.ID, module.check_document)
    return Rule(
        id=module.ID,
        severity=module.SEVERITY,
        options=dict(getattr(module, "OPTIONS", {})),
        doc=inspect.cleandoc(module.__doc__ or ""),
        check=check,
        needs_base=bool(getattr(module, "NEEDS_BASE", False)),
        after_waivers=bool(getattr(module, "AFTER_WAIVERS", False)),
        option_ranges=dict(getattr(module, "OPTION_RANGES", {})),
    )


def builtin_rules() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for name in BUILTIN:
        rule = from_module(importlib.import_module(f"slopolicy.rules.{name}"))
        rules[rule.id] = rule
    return rules
