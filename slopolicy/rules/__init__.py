"""The rule registry.

A rule is a module (or any object) with ``ID`` (stable kebab-case),
``SEVERITY`` (``error`` | ``warning`` | ``info``), ``OPTIONS`` (option name
-> default), optionally ``OPTION_RANGES`` (option name -> the :class:`Range`
a numeric option's value must lie in), a docstring that documents it with a passing and a failing
example, and ``check(ctx, options)``, a generator of findings. A rule that
looks at one document at a time defines ``check_document(doc, options)``
instead, and its results are cached with the file. A rule that spans
documents reads what it needs of each one through facts it declares
(:class:`slopolicy.cache.facts.Fact`), each computed from that document
alone and kept with it in the cache, so a warm run does not decode the
documents that did not change.
Rules never format output: the engine stamps id and severity and reporters
print.
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

from msgspec import Struct, field

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import FactFamily
from slopolicy.model.problems import Finding, Related
from slopolicy.text.yamlsource import Path

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
    "openslo_portability",
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
    "sla_history_unread",
    "sla_version_bump",
    "sla_retroactive_change",
    "slo_loosened",
    "policy_changed",
    "wildcard_signer",
)


class Range(Struct, frozen=True):
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


class Rule(Struct, frozen=True):
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


class KeptRelated(NamedTuple):
    path: Path
    message: str


class KeptFinding(NamedTuple):
    """A document-scope rule's finding, as the cache keeps it (in its document)."""

    path: Path
    key: bool
    message: str
    related: tuple[KeptRelated, ...]


# what each document-scope rule found in a document, by rule and options
RESULTS: FactFamily[tuple[KeptFinding, ...]] = FactFamily(
    "rule-results", codec(tuple[KeptFinding, ...]))


def per_document(rule_id: str, check_document: DocumentCheck) -> CheckFunction:
    """A rule's ``check`` from its ``check_document``, cached with each file.

    A document-scope rule looks at one document and nothing else, so what it
    finds depends only on that document's content and the rule's options: the
    result is a fact of the document (keyed by the rule and its options), and
    a warm run does not redo it.
    """
    def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
        def compute(doc: Document) -> tuple[KeptFinding, ...]:
            # a tuple: most documents have no finding, and () is one shared object
            return tuple(_kept(doc, f) for f in check_document(doc, options))

        fact = RESULTS.member(rule_id + repr(sorted(options.items())), compute)
        for doc, found in fact.found(ctx.documents):
            for kept in found:
                yield Finding(kept.message, document=doc, path=kept.path, key=kept.key,
                              related=tuple(Related(r.message, document=doc, path=r.path)
                                            for r in kept.related))

    return check


def _kept(doc: Document, finding: Finding) -> KeptFinding:
    assert finding.document is doc and finding.line is None, "a document rule stays in its document"
    related = tuple(KeptRelated(tuple(r.path), r.message) for r in finding.related
                    if r.document is doc)
    return KeptFinding(tuple(finding.path), finding.key, finding.message, related)


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
