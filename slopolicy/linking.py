"""Which SLO objectives back each SLA objective, and how they compare.

DESIGN §1: an SLA objective is backed by the SLO its ``slo:`` names (and the
objective ``objective:`` names, by displayName), else by every SLO whose
``spec.service`` is the SLA's service and whose indicator matches. Computed
once per run and shared by the rules that need it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from slopolicy.documents import Document
from slopolicy.dominance import Status, Terms, Verdict, compare
from slopolicy.objectives import ObjectiveTerms, sla_terms, slo_terms
from slopolicy.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.engine import Context

OPENSLO = "openslo/v1"

# Repositories repeat the same terms (one window, a few targets) many times.
_compare = lru_cache(maxsize=4096)(compare)


@dataclass(frozen=True)
class Backing:
    """One SLO objective that backs an SLA objective, and the verdict."""

    slo: Document
    position: int
    verdict: Verdict

    @property
    def path(self) -> Path:
        return objective_target_path(self.slo, self.position)


@dataclass(frozen=True)
class Link:
    """An SLA objective with every SLO objective that backs it."""

    sla: Document
    position: int
    terms: Terms
    backings: tuple[Backing, ...]

    @property
    def objective(self) -> Mapping[str, Any]:
        objectives = self.sla.spec.get("objectives")
        item = objectives[self.position] if isinstance(objectives, list) else {}
        return item if isinstance(item, Mapping) else {}

    @property
    def name(self) -> str:
        return str(self.objective.get("name", self.position))

    @property
    def path(self) -> Path:
        return objective_target_path(self.sla, self.position)

    def dominating(self) -> list[Backing]:
        return [b for b in self.backings if b.verdict.dominates]


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


def links(ctx: Context) -> list[Link]:
    """Every SLA objective with derivable terms, with its backings."""
    if "links" not in ctx.memo:
        ctx.memo["links"] = [link for sla in ctx.of_kind("slopolicy/v1", "SLA") for link in _sla_links(ctx, sla)]
    found: list[Link] = ctx.memo["links"]
    return found


def _slo_objectives(ctx: Context, slo: Document) -> list[ObjectiveTerms]:
    cache: dict[int, list[ObjectiveTerms]] = ctx.memo.setdefault("slo_terms", {})
    key = id(slo)
    if key in cache:
        return cache[key]
    kept: list[ObjectiveTerms] | None = slo.source.derived.get(("slo_terms", slo.index, slo.item))
    if kept is not None:
        cache[key] = kept
        return kept
    consulted: list[str] = []

    def lookup(name: str) -> Mapping[str, Any] | None:
        consulted.append(name)
        sli = ctx.named(OPENSLO, "SLI", name)
        return sli.data if sli else None

    terms = cache[key] = slo_terms(slo.data, lookup)
    if not consulted:  # terms from this document alone: keep them with its file
        slo.remember("slo_terms", lambda: terms)
    return terms


def _sla_links(ctx: Context, sla: Document) -> list[Link]:
    objectives = sla.spec.get("objectives")
    out = []
    for entry in sla.remember("sla_terms", lambda: sla_terms(sla.data)):
        if entry.terms is None or not isinstance(objectives, list):
            continue  # the schema rule reports what makes the terms unreadable
        raw = objectives[entry.position]
        backings = tuple(_backings(ctx, sla, raw if isinstance(raw, Mapping) else {}, entry.terms))
        out.append(Link(sla, entry.position, entry.terms, backings))
    return out


def _backings(ctx: Context, sla: Document, objective: Mapping[str, Any], terms: Terms) -> list[Backing]:
    named = objective.get("slo")
    if isinstance(named, str):
        slo = ctx.named(OPENSLO, "SLO", named)
        if slo is None:
            return []  # unresolved-reference reports it
        wanted = objective.get("objective")
        return [
            b for b in _candidates(ctx, slo, terms, explicit=True)
            if not isinstance(wanted, str) or _display_name(slo, b.position) == wanted
        ]
    service = sla.spec.get("service")
    return [
        backing
        for slo in ctx.of_kind(OPENSLO, "SLO")
        if slo.spec.get("service") == service
        for backing in _candidates(ctx, slo, terms, explicit=False)
    ]


def _candidates(ctx: Context, slo: Document, sla: Terms, explicit: bool) -> list[Backing]:
    out = []
    for entry in _slo_objectives(ctx, slo):
        if entry.terms is None:
            reason = entry.reason or "its terms cannot be read"
            out.append(Backing(slo, entry.position, Verdict(Status.INCOMPARABLE, reason)))
        elif entry.terms.indicator == sla.indicator or explicit:
            out.append(Backing(slo, entry.position, _compare(entry.terms, sla)))
    return out


def _display_name(slo: Document, position: int) -> str | None:
    objectives = slo.spec.get("objectives")
    item = objectives[position] if isinstance(objectives, list) else None
    name = item.get("displayName") if isinstance(item, Mapping) else None
    return name if isinstance(name, str) else None


def describe_objective(doc: Document, position: int) -> str:
    """``SLO public-api-availability objective "internal"`` (or #1)."""
    shown = _display_name(doc, position) if doc.kind == "SLO" else None
    if doc.kind == "SLA":
        objectives = doc.spec.get("objectives")
        item = objectives[position] if isinstance(objectives, list) else None
        shown = str(item.get("name")) if isinstance(item, Mapping) and "name" in item else None
    which = f'"{shown}"' if shown else f"#{position + 1}"
    return f"{doc.kind} {doc.name} objective {which}"
