"""What a rule sees: every document of the project, lookups, and the base of a change.

A :class:`Context` is built complete before any rule runs and never changes
after. What several rules derive from the whole project (the links from SLAs
to SLOs, the names of each kind) is a :class:`Derived` value, computed once
per context on first use.
"""
from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from msgspec import Struct, field
from msgspec.structs import force_setattr

from slopolicy.model.documents import Document, SourceFile
from slopolicy.model.waivers import Waiver
from slopolicy.slo.dominance import NO_ASSUMPTIONS, Assumptions

if TYPE_CHECKING:
    from slopolicy.changes.changeset import BaseSide

T = TypeVar("T")


class Derived(Struct, Generic[T], frozen=True, eq=False):
    """Something rules derive once per run from the whole project, and share."""

    name: str
    compute: Callable[[Context], T]


class Context(Struct, frozen=True, eq=False):
    """Every known document, every file, the base side under ``--base``."""

    files: Sequence[SourceFile]
    explicit: frozenset[str] = frozenset()  # files named on the command line
    base: BaseSide | None = None  # the base side, for change rules (with --base)
    today: datetime.date = field(default_factory=datetime.date.today)
    # What the configuration declares about traffic; SLO-versus-SLA proofs may rest on it.
    assumptions: Assumptions = NO_ASSUMPTIONS
    # Waivers that matched nothing: given to the rules that judge waivers
    # (AFTER_WAIVERS), which run once the others' problems were waived.
    unused_waivers: tuple[Waiver, ...] = ()
    # A check of part of the project (the groups a change touched, see
    # slopolicy.check.incremental): (apiVersion, kind, name) of the documents
    # of the rest, for what reads every name of a kind (a did-you-mean).
    elsewhere: Sequence[tuple[str, str, str]] = ()
    # worked out from ``files`` by __post_init__
    documents: tuple[Document, ...] = ()
    _named: dict[tuple[str, str, str], Document] = {}
    _kinds: dict[tuple[str, str], list[Document]] = {}
    _derived: dict[Derived[Any], Any] = {}

    def __post_init__(self) -> None:
        documents = tuple(d for f in self.files for d in f.documents if d.known)
        named: dict[tuple[str, str, str], Document] = {}
        kinds: dict[tuple[str, str], list[Document]] = {}
        for doc in documents:
            named.setdefault(doc.identity, doc)
            kinds.setdefault((doc.api_version, doc.kind), []).append(doc)
        force_setattr(self, "documents", documents)
        force_setattr(self, "_named", named)
        force_setattr(self, "_kinds", kinds)
        force_setattr(self, "_derived", {})

    def named(self, api_version: str, kind: str, name: str) -> Document | None:
        return self._named.get((api_version, kind, name))

    def of_kind(self, api_version: str, kind: str) -> list[Document]:
        return self._kinds.get((api_version, kind), [])

    def names_of(self, api_version: str, kind: str) -> list[str]:
        """The name of every document of a kind in the project, this context's and elsewhere."""
        return [*(d.name for d in self.of_kind(api_version, kind)),
                *(name for a, k, name in self.elsewhere if a == api_version and k == kind)]

    def derive(self, what: Derived[T]) -> T:
        """``what.compute(self)``, once for this context."""
        if what not in self._derived:
            self._derived[what] = what.compute(self)
        value: T = self._derived[what]
        return value

    def judging_waivers(self, unused: Sequence[Waiver]) -> Context:
        """This context for the rules that judge waivers: the same documents, ``unused`` set."""
        twin = copy.copy(self)  # not replace: that would work the lookups out again
        force_setattr(twin, "unused_waivers", tuple(unused))
        return twin


class CelSteps(Struct):
    """The CEL steps the house rules took in a run, by file, for the project index.

    A cold run's answer depends on them (past the run's limit, a house rule
    stops), so a warm run must know what a cold run would spend. Kept here,
    not with the house rules, so that a check without them imports no CEL.
    """

    by_file: dict[str, int] = field(default_factory=dict)
    limit: int = 0  # the run's limit (0: no house rule ran)
    spent: bool = False  # the limit was reached: the figures fall short of a cold run's
    # A check of part of the project: what the rest takes, as the project index keeps it.
    # The part may take the rest of the limit; past that, a cold run would stop.
    reserved: int = 0

    def over(self, total: int) -> bool:
        """Whether a run of ``total`` steps reaches the limit (a house rule stops there)."""
        return self.spent or bool(self.limit) and total >= self.limit


CEL_STEPS: Derived[CelSteps] = Derived("CEL steps by file", lambda ctx: CelSteps())
