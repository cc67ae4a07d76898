"""Which SLO objectives back each SLA objective, and how they compare.

An SLA objective is backed by the SLO its ``slo:`` names (and the
objective ``objective:`` names, by displayName), else by every SLO whose
``spec.service`` is the SLA's service and whose indicator matches. Computed
once per run and shared by the rules that need it.

Each comparison is made under the traffic assumption in force for the SLA's
service: the Service annotation ``slopolicy/max-traffic-ratio`` if it has
one, else ``assumptions.traffic.maxRatio`` of the configuration. When no
single backing SLO objective proves an SLA objective, the rolling ones are
tried together (``dominance.combine``).
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from msgspec.structs import replace

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document
from slopolicy.rules.context import Derived
from slopolicy.slo.dominance import Assumptions, Status, Terms, Verdict, combine, compare
from slopolicy.slo.terms import ObjectiveTerms, reason_at, shared, sla_terms, slo_terms
from slopolicy.text.yamlsource import Path, too_long_number

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

OPENSLO = "openslo/v1"
RATIO_ANNOTATION = "slopolicy/max-traffic-ratio"

# Repositories repeat the same terms (one window, a few targets) many times.
_compare = lru_cache(maxsize=4096)(compare)


class Backing(NamedTuple):
    """One SLO objective that backs an SLA objective, and the verdict."""

    slo: Document
    position: int
    verdict: Verdict
    terms: Terms | None = None  # the SLO objective's terms, when they could be read
    at: str | None = None  # the objective's key that keeps them from being read, if one

    @property
    def path(self) -> Path:
        if self.at is not None:
            return ("spec", "objectives", self.position, self.at)
        if self.verdict.slo_window:  # the SLO's window is what cannot be judged
            return ("spec", "timeWindow", 0, "duration")
        return objective_target_path(self.slo, self.position)


class Combined(NamedTuple):
    """A proof from several backing SLO objectives together, and the ones it uses."""

    verdict: Verdict
    used: tuple[Backing, ...]


class Link(NamedTuple):
    """An SLA objective with every SLO objective that backs it."""

    sla: Document
    position: int
    terms: Terms
    backings: tuple[Backing, ...]
    assumptions: Assumptions = Assumptions()
    combined: Combined | None = None  # when no single backing proves it, several together

    @property
    def objective(self) -> Mapping[str, Any]:
        objectives = self.sla.spec.get("objectives")
        item = objectives[self.position] if isinstance(objectives, list) else {}
        return item if isinstance(item, Mapping) else {}

    @property
    def path(self) -> Path:
        return objective_target_path(self.sla, self.position)

    def dominating(self) -> list[Backing]:
        return [b for b in self.backings if b.verdict.dominates]

    def proven(self) -> bool:
        """Some backing SLO objective proves it, or several together do."""
        return bool(self.dominating()) or self.combined is not None


def objective_target_path(doc: Document, position: int) -> Path:
    """``spec.objectives[i].target`` (or targetPercent): where a target is written."""
    objectives = doc.spec.get("objectives")
    objective = objectives[position] if isinstance(objectives, list) else None
    base: Path = ("spec", "objectives", position)
    if isinstance(objective, Mapping):
        for key in ("targetPercent", "target"):
            if key in objective:
                return base + (key,)
    return base


# -- facts each document keeps (with its file, in the cache) -----------------

def _sla_references(sla: Document) -> list[tuple[int, str, str | None]]:
    objectives = sla.spec.get("objectives")
    found = []
    for position, objective in enumerate(objectives if isinstance(objectives, list) else []):
        if isinstance(objective, Mapping) and isinstance(objective.get("slo"), str):
            wanted = objective.get("objective")
            found.append((position, objective["slo"], wanted if isinstance(wanted, str) else None))
    return found


def _display_names(slo: Document) -> list[str | None]:
    objectives = slo.spec.get("objectives")
    names: list[str | None] = []
    for item in objectives if isinstance(objectives, list) else []:
        name = item.get("displayName") if isinstance(item, Mapping) else None
        names.append(name if isinstance(name, str) else None)
    return names


def _service(doc: Document) -> str | None:
    value = doc.spec.get("service")
    return value if isinstance(value, str) else None


def _max_traffic_ratio(doc: Document) -> tuple[Fraction | None, str | None]:
    metadata = doc.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    value = annotations.get(RATIO_ANNOTATION) if isinstance(annotations, Mapping) else None
    if value is None:
        return None, None
    text = str(value).strip()
    try:
        ratio = Decimal(text)
    except InvalidOperation:
        ratio = Decimal("NaN")
    too_long = too_long_number(text, ratio) if ratio.is_finite() else None
    if too_long is not None:
        return None, f"annotation {RATIO_ANNOTATION}: {too_long}"
    if not ratio.is_finite() or ratio < 1:
        return None, (f"annotation {RATIO_ANNOTATION} is a number of at least 1 (the busiest "
                      f"interval's traffic over the quietest's), like 5, not {value!r}")
    return Fraction(ratio), None


def _terms_of_sla(sla: Document) -> list[ObjectiveTerms]:
    return sla_terms(sla.data)


def _own_slo_terms(slo: Document) -> list[ObjectiveTerms] | None:
    """An SLO's terms when they come from it alone (no indicatorRef to follow), else None."""
    consulted: list[str] = []

    def lookup(name: str) -> Mapping[str, Any] | None:
        consulted.append(name)
        return None

    terms = slo_terms(slo.data, lookup)
    return None if consulted else terms


def _shared(found: list[ObjectiveTerms] | None) -> list[ObjectiveTerms] | None:
    """Equal terms read back as the one shared object of their value (see slo.terms.shared)."""
    return None if found is None else [shared(*entry) for entry in found]


SLA_REFERENCES: Fact[list[tuple[int, str, str | None]]] = Fact(
    "sla-references", _sla_references, codec(list[tuple[int, str, str | None]]))
DISPLAY_NAMES: Fact[list[str | None]] = Fact(
    "display-names", _display_names, codec(list[str | None]))
SERVICE: Fact[str | None] = Fact("service", _service, codec(str | None))
MAX_TRAFFIC_RATIO: Fact[tuple[Fraction | None, str | None]] = Fact(
    "max-traffic-ratio", _max_traffic_ratio, codec(tuple[Fraction | None, str | None]))
SLA_TERMS: Fact[list[ObjectiveTerms]] = Fact(
    "sla-terms", _terms_of_sla, codec(list[ObjectiveTerms]).then(_shared).shared())
SLO_OWN_TERMS: Fact[list[ObjectiveTerms] | None] = Fact(
    "slo-own-terms", _own_slo_terms, codec(list[ObjectiveTerms] | None).then(_shared).shared())

# Read for every document on every run: each fact's own lookup, with no call around it.
# (position, SLO name, objective displayName) of each objective that names its SLO:
sla_references = SLA_REFERENCES.of
# the displayName of each objective of an SLO (None where it has none):
display_names = DISPLAY_NAMES.of
# ``spec.service`` of an SLA or SLO, when it is a name:
service = SERVICE.of
# a Service's annotation slopolicy/max-traffic-ratio: (the ratio, or why it is unreadable)
max_traffic_ratio = MAX_TRAFFIC_RATIO.of


# -- links --------------------------------------------------------------------

def links(ctx: Context) -> list[Link]:
    """Every SLA objective with derivable terms, with its backings (once per run)."""
    return ctx.derive(LINKS)


class _Linker:
    """Links every SLA objective, reading each document through its remembered facts."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.slo_terms: dict[int, list[ObjectiveTerms]] = {}
        self._by_service: dict[str, list[Document]] | None = None
        # verdicts by the identity of the terms compared (equal terms are one
        # shared object: see objectives.shared), holding the terms so no id
        # is reused while the run lasts
        self._verdicts: dict[tuple[int, int, Assumptions], tuple[Terms, Terms, Verdict]] = {}

    def all(self) -> list[Link]:
        out = []
        for sla in self.ctx.of_kind("slopolicy/v1", "SLA"):
            entries = SLA_TERMS.of(sla)
            if not entries:
                continue
            named = {position: (slo, wanted) for position, slo, wanted in sla_references(sla)}
            for entry in entries:
                if entry.terms is None:
                    continue  # the schema rule reports what makes the terms unreadable
                assumptions = self._assumptions(sla)
                reference = named.get(entry.position)
                if reference is not None:
                    backings = self._named(reference[0], reference[1], entry.terms, assumptions)
                else:
                    backings = self._by_service_of(sla, entry.terms, assumptions)
                out.append(Link(sla, entry.position, entry.terms, backings, assumptions,
                                _together(backings, entry.terms)))
        return out

    def _assumptions(self, sla: Document) -> Assumptions:
        """The Service's own traffic ratio, else the configuration's."""
        name = service(sla)
        found = self.ctx.named(OPENSLO, "Service", name) if name else None
        ratio = max_traffic_ratio(found)[0] if found is not None else None
        if ratio is None:
            return self.ctx.assumptions
        return Assumptions(ratio, f"annotation {RATIO_ANNOTATION} of Service {name}")

    def _named(self, name: str, wanted: str | None, terms: Terms, assumptions: Assumptions
               ) -> tuple[Backing, ...]:
        slo = self.ctx.named(OPENSLO, "SLO", name)
        if slo is None:
            return ()  # unresolved-reference reports it
        found = self._candidates(slo, terms, explicit=True, assumptions=assumptions)
        if wanted is None:
            return found
        names = display_names(slo)
        return tuple(b for b in found if b.position < len(names) and names[b.position] == wanted)

    def _by_service_of(self, sla: Document, terms: Terms, assumptions: Assumptions
                       ) -> tuple[Backing, ...]:
        if self._by_service is None:
            self._by_service = {}
            for slo in self.ctx.of_kind(OPENSLO, "SLO"):
                name = service(slo)
                if name is not None:
                    self._by_service.setdefault(name, []).append(slo)
        return tuple(
            backing
            for slo in self._by_service.get(service(sla) or "", ())
            for backing in self._candidates(slo, terms, explicit=False, assumptions=assumptions)
        )

    def _candidates(self, slo: Document, sla: Terms, explicit: bool, assumptions: Assumptions
                    ) -> tuple[Backing, ...]:
        out = []
        for entry in self._objectives(slo):
            if entry.terms is None:
                reason = entry.reason or "its terms cannot be read"
                out.append(Backing(slo, entry.position, Verdict(Status.INCOMPARABLE, reason),
                                   at=reason_at(slo.data, entry.position, entry.reason)))
            elif explicit or entry.terms.indicator == sla.indicator:
                verdict = self._verdict(entry.terms, sla, assumptions)
                note = assumed(slo)
                if note:
                    verdict = replace(verdict, reason=f"{verdict.reason}{note}")
                out.append(Backing(slo, entry.position, verdict, entry.terms))
        return tuple(out)

    def _verdict(self, slo: Terms, sla: Terms, assumptions: Assumptions) -> Verdict:
        key = (id(slo), id(sla), assumptions)
        known = self._verdicts.get(key)
        if known is None:
            known = self._verdicts[key] = (slo, sla, _compare(slo, sla, assumptions))
        return known[2]

    def _objectives(self, slo: Document) -> list[ObjectiveTerms]:
        key = id(slo)
        found = self.slo_terms.get(key)
        if found is not None:
            return found
        own = SLO_OWN_TERMS.of(slo)  # kept with its file when it needs no SLI elsewhere
        if own is not None:
            found = self.slo_terms[key] = own
            return found

        def lookup(name: str) -> Mapping[str, Any] | None:
            sli = self.ctx.named(OPENSLO, "SLI", name)
            return sli.data if sli else None

        found = self.slo_terms[key] = slo_terms(slo.data, lookup)
        return found


def _together(backings: tuple[Backing, ...], sla: Terms) -> Combined | None:
    """Several backing SLO objectives that prove the SLA objective together, when no
    single one does."""
    if len(backings) < 2 or any(b.verdict.dominates for b in backings):
        return None
    usable = [b for b in backings if b.terms is not None]
    found = combine([b.terms for b in usable if b.terms is not None], sla,
                    [describe_objective(b.slo, b.position) for b in usable])
    if found is None:
        return None
    verdict, used = found
    together = tuple(usable[i] for i in used)
    note = assumed(*(b.slo for b in together))
    return Combined(replace(verdict, reason=f"{verdict.reason}{note}") if note else verdict,
                    together)


def assumed(*slos: Document) -> str:
    """`` Assumed: ...``: what a verdict on SLOs of other formats rests on that they do not say."""
    found = dict.fromkeys(text for slo in slos if slo.mapped_from is not None
                          for text in slo.mapped_from.assumptions)
    return f" Assumed: {'; '.join(found)}." if found else ""


def describe_objective(doc: Document, position: int) -> str:
    """``SLO public-api-availability objective "internal"`` (or #1)."""
    names = display_names(doc) if doc.kind == "SLO" else []
    shown = names[position] if position < len(names) else None
    if doc.kind == "SLA":
        objectives = doc.spec.get("objectives")
        item = objectives[position] if isinstance(objectives, list) else None
        shown = str(item.get("name")) if isinstance(item, Mapping) and "name" in item else None
    which = f'"{shown}"' if shown else f"#{position + 1}"
    return f"{doc.kind} {doc.name} objective {which}"


LINKS: Derived[list[Link]] = Derived("links", lambda ctx: _Linker(ctx).all())
