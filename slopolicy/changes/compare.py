"""What changed between two sides: documents matched by identity, classified.

Pure: two lists of :class:`SourceFile` in, :class:`DocumentChange` values out.
Documents match by ``(apiVersion, kind, metadata.name)``, so a moved or
renamed file keeps its identity. An agreement whose ``metadata.name`` changed
is matched to its predecessor (the one removed from the same file, or for the
same customer and service, as a reader takes their spelling): a change of
that agreement plus a rename, never a removal and an addition that would
each need less than the edit. And since the writer of a change chooses the
names and the spelling, an agreement that gets terms for a customer and
service in a change that takes another's away is also compared with that one
(``replaces``). Objectives
are keyed by ``name`` (an SLA) or ``displayName`` (an OpenSLO SLO), never by
list position, so reordering them changes nothing. When an SLI's definition
changes, every SLO that names it by ``indicatorRef`` changed meaning with it:
each is a change too, with the SLI's change attached (``indicator``).

Every changed field gets a direction:

* ``tightened``: some behaviour that met the old terms breaks the new ones
  (the provider promises more): a higher target, a lower latency threshold,
  a new objective, shorter support times, more credit;
* ``loosened``: some behaviour that broke the old terms meets the new ones
  (the customer gets less: a level of service that earns less credit, an
  agreement that ends sooner);
* ``modified``: a change of terms with no single direction (window, method,
  customer, start date);
* ``metadata``: not a term (labels, owner, which SLO backs an objective, a
  value rewritten without changing it, like ``500ms`` to ``0.5s``);
* ``version``: ``spec.version`` and ``spec.supersedes``.

Objectives whose terms can be derived are also compared whole with
``dominance.compare``, both ways: a window change from a calendar month to a
rolling 30 days is both a loosening and a tightening, and counts as both.

A change belongs to every class it fits: ``added``, ``removed``, or
``modified`` plus ``tightened`` and/or ``loosened``; it then needs the
approvals of every one of its classes (a loosening is also a modification,
and so is a rename).
"""
from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from msgspec import Struct

from slopolicy import runtime
from slopolicy.model.documents import Document, SourceFile
from slopolicy.model.kinds import SLA_KEYED_LISTS
from slopolicy.slo import dominance, units
from slopolicy.slo import terms as objectives
from slopolicy.text import spelling

if TYPE_CHECKING:
    from slopolicy.changes.approvals import ApprovalResult

TIGHTENED, LOOSENED, MODIFIED, METADATA, VERSION = (
    "tightened", "loosened", "modified", "metadata", "version")
TERMS = frozenset({TIGHTENED, LOOSENED, MODIFIED})
SLA_KEY = ("slopolicy/v1", "SLA")
SLO_KEY = ("openslo/v1", "SLO")
SLI_KEY = ("openslo/v1", "SLI")


class _Absent:
    """A side where a field does not exist (distinct from a YAML null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Key(Struct, frozen=True):
    """A list item addressed by its name, shown as ``[name]``.

    ``at``: when the name repeats in the list on a side, which items were compared
    (their positions in the base's list and the head's, -1 for none), shown as
    ``[name (item 1 → 2)]``.
    """

    value: str
    at: tuple[int, int] | None = None


Part = str | int | Key
_P = TypeVar("_P", bound="tuple[Any, ...] | None")
Shown = tuple[Part, ...]
IndexPath = tuple[str | int, ...]


def show_path(path: Shown) -> str:
    """``("spec", "objectives", Key("availability"), "target")`` -> ``spec.objectives[availability].target``."""
    out = ""
    for part in path:
        if isinstance(part, Key):
            out += f"[{part.value}]" if part.at is None else (
                f"[{part.value} (item {_item_number(part.at[0])} → {_item_number(part.at[1])})]")
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _item_number(index: int) -> str:
    return str(index + 1) if index >= 0 else "none"


class FieldChange(Struct, frozen=True):
    path: Shown
    before: Any  # ABSENT when the field is new
    after: Any  # ABSENT when the field is gone
    direction: str
    base_path: IndexPath | None  # where it is in the base document
    head_path: IndexPath | None  # where it is in the head document

    @property
    def shown(self) -> str:
        return show_path(self.path)


class ObjectiveChange(Struct, frozen=True):
    """One objective's terms compared whole (both ways) and its error budget."""

    key: str
    directions: frozenset[str]
    window_before: str | None = None
    window_after: str | None = None
    budget_before: tuple[Decimal, Decimal] | None = None  # least, most bad minutes per window
    budget_after: tuple[Decimal, Decimal] | None = None


class DocumentChange(Struct, eq=False):
    api_version: str
    kind: str
    name: str
    base: Document | None
    head: Document | None
    fields: tuple[FieldChange, ...] = ()
    objectives: tuple[ObjectiveChange, ...] = ()
    approval: ApprovalResult | None = None  # set by the gate, for changes that need approval
    renamed_from: str | None = None  # the predecessor's metadata.name, for a renamed agreement
    indicator: DocumentChange | None = None  # the change of the SLI this SLO references
    # An added agreement that the base's history removed before: the comparison with the
    # last version removed (set by the gate, which reads the history); the one that asks most
    # of those found (:func:`give_earlier`). An agreement given another customer or service
    # has one too: the last version of those parties' agreement removed.
    earlier: Earlier | None = None
    # the other last versions removed it is compared with: the last of its name and the last
    # of its customer and service are two kinds of match, and each is judged
    earlier_also: tuple[Earlier, ...] = ()
    # An agreement that takes terms to a customer and service in the same change that takes
    # another agreement's away (:func:`replacements`): its terms compared with each of those.
    replaces: tuple[DocumentChange, ...] = ()
    # how many more agreements taken away it may stand for, which ask no other class (not
    # compared one by one once the change takes away more than REPLACES_LISTED)
    replaces_more: int = 0
    # the files of every agreement taken away that it is judged as an edit of (those in
    # ``replaces`` and those counted in ``replaces_more``), each with that agreement's label:
    # whoever changed them made part of that edit, and approves it no more than their own
    taken_from: tuple[tuple[str, str], ...] = ()
    # A loosened agreement whose base version had not started by the day of the change: the
    # versions the base's history agreed before it, newest first, back to one that had (set by
    # the gate): the change is made under their terms, and owes their notice.
    agreed_before: tuple[Document, ...] = ()
    # (indicator, earlier, replaces, directions, own classes, earlier_also) as last worked
    # out: the sides, fields and objectives of a change are never replaced, and a report asks
    # many times
    _said: tuple[Any, Any, Any, frozenset[str], frozenset[str], Any] | None = None

    def __post_init__(self) -> None:
        self._said = None  # replace() copies every field: a change made from another asks again

    @property
    def renamed(self) -> bool:
        return self.renamed_from is not None

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def file(self) -> str:
        doc = self.head or self.base
        assert doc is not None
        return doc.source.path

    @property
    def base_file(self) -> str | None:
        return self.base.source.path if self.base else None

    @property
    def paths(self) -> tuple[str, ...]:
        """The files that hold it, on either side."""
        return tuple(dict.fromkeys(d.source.path for d in (self.base, self.head) if d))

    @property
    def directions(self) -> frozenset[str]:
        return self._worked_out()[3]

    @property
    def earliers(self) -> tuple[Earlier, ...]:
        """Every last version removed that it is compared with, the one asking most first."""
        return (self.earlier, *self.earlier_also) if self.earlier is not None else ()

    def _worked_out(self) -> tuple[Any, Any, Any, frozenset[str], frozenset[str], Any]:
        said = self._said
        if (said is None or said[0] is not self.indicator or said[1] is not self.earlier
                or said[2] is not self.replaces or said[5] is not self.earlier_also):
            directions = self._directions()
            said = self._said = (self.indicator, self.earlier, self.replaces, directions,
                                 self._classes(directions), self.earlier_also)
        return said

    def _directions(self) -> frozenset[str]:
        found = {f.direction for f in self.fields}
        if any(_unmatched(self, f) for f in self.fields):
            found |= {LOOSENED, TIGHTENED}  # items that cannot be paired may be either
        for objective in self.objectives:
            found |= objective.directions
        if self.indicator is not None:
            found.add(MODIFIED)  # what the SLO measures changed: no single direction
        return frozenset(found)

    @property
    def terms_changed(self) -> bool:
        """Whether the terms changed (a rename alone changes none of them)."""
        return bool(self.base is not None and self.head is not None and self.directions & TERMS)

    @property
    def classes(self) -> frozenset[str]:
        """Every class the change fits; a loosening is also a modification, and so is a rename.

        An agreement that may stand for one the change takes away fits the
        classes of that edit too (``replaces``).
        """
        own = self._own_classes
        return own.union(*(r.classes for r in self.replaces)) if self.replaces else own

    @property
    def _own_classes(self) -> frozenset[str]:
        return self._worked_out()[4]

    def _classes(self, directions: frozenset[str]) -> frozenset[str]:
        # an agreement removed and added back (or given the parties of one removed) is judged
        # as the edit it amounts to too, against each last version removed it is compared with
        again = frozenset().union(*(e.change.classes for e in self.earliers))
        if self.base is None:
            return frozenset({"added"}) | again
        if self.head is None:
            return frozenset({"removed"})
        if not directions & TERMS and not self.renamed:
            return again
        return frozenset({MODIFIED}) | (directions & {TIGHTENED, LOOSENED}) | again

    @property
    def status(self) -> str:
        """One word: added, removed, loosened, tightened, renamed, modified, metadata, moved,
        unchanged (of its own edit: what it may stand for adds classes, not a status)."""
        classes = self._own_classes
        for word in ("added", "removed", LOOSENED, TIGHTENED):
            if word in classes:
                return word
        if self.renamed:
            return "renamed"
        if MODIFIED in classes:
            return MODIFIED
        if self.fields:
            return METADATA
        return "moved" if self.base_file != self.file else "unchanged"

    @property
    def version_before(self) -> Any:
        return self.base.spec.get("version") if self.base else None

    @property
    def version_after(self) -> Any:
        return self.head.spec.get("version") if self.head else None


class Earlier(Struct, frozen=True):
    """The last version of an added agreement that the base's history removed.

    ``change`` compares that version with the one added, as an edit would be
    compared; ``commit`` removed it (its parent held it), on ``date``.
    """

    change: DocumentChange
    commit: str
    date: datetime

    @property
    def short(self) -> str:
        return self.commit[:7]


# -- matching ----------------------------------------------------------------

def compare_files(base: Sequence[SourceFile], head: Sequence[SourceFile]) -> list[DocumentChange]:
    """Every document that differs between the sides, in head order then removals."""
    olds, news = _all_by_identity(base), _all_by_identity(head)
    before = {identity: docs[0] for identity, docs in olds.items()}
    after = {identity: docs[0] for identity, docs in news.items()}
    renames = pair_renames([d for i, d in before.items() if i not in after],
                           [d for i, d in after.items() if i not in before])
    predecessor = {new.identity: old for old, new in renames}
    lookups = (_sli_lookup(base), _sli_lookup(head))
    changes = []
    matched: list[tuple[Document, Document]] = []  # each head document with its base's
    for identity, docs in news.items():
        if identity in predecessor:
            changes.append(compare_renamed(predecessor[identity], docs[0], lookups))
            changes += [DocumentChange(*identity, base=None, head=d) for d in docs[1:]]
            continue
        for old, doc in _pairs(olds.get(identity, []), docs):
            if old is not None:
                matched.append((old, doc))
            if old is not None and _same_bytes(old, doc):
                # the same file, byte for byte: no field differs (an SLO whose
                # SLI changed is added below, with that SLI's change)
                continue
            change = compare_documents(old, doc, lookups)
            if change is not None:
                changes.append(change)
    successors = {old.identity for old, _ in renames}
    for identity, docs in olds.items():
        if identity not in news:
            changes += [DocumentChange(*identity, base=d, head=None)
                        for d in docs[identity in successors:]]
        else:
            changes += _gone_copies(docs, news[identity])
    replacements(changes)
    return _with_indicators(changes, matched)


def _pairs(olds: Sequence[Document], news: Sequence[Document]
           ) -> list[tuple[Document | None, Document]]:
    """Each head document of one name, with the base document it is compared with.

    One a side is matched as it is (a move or an edit). Copies of a name are
    matched one to one: an unchanged copy with its own self (same place, then
    same file, content equal), then the rest by file, then equal content
    anywhere (a move), then in order. A copy left over when the base has fewer
    is compared with the base's first of the name, so a change never hides
    behind an unchanged copy (duplicate-name says the name is taken twice, but
    a policy may make that a warning), and is no change when it equals one.
    """
    if len(olds) <= 1 and len(news) <= 1:
        return [(olds[0] if olds else None, news[0])] if news else []
    free = list(olds)
    matched: dict[int, Document] = {}
    tests: tuple[Callable[[Document, Document], bool], ...] = (
        lambda o, n: _at_place(o, n) and _equal(o, n),
        lambda o, n: o.source.path == n.source.path and _equal(o, n),
        lambda o, n: o.source.path == n.source.path,
        _equal,
        lambda o, n: True,
    )
    for test in tests:
        for i, new in enumerate(news):
            if i in matched:
                continue
            old = next((o for o in free if test(o, new)), None)
            if old is not None:
                matched[i] = old
                free.remove(old)
    pairs: list[tuple[Document | None, Document]] = []
    for i, new in enumerate(news):
        if i in matched:
            pairs.append((matched[i], new))
        elif not olds:
            pairs.append((None, new))
        elif not any(_equal(o, new) for o in olds):
            pairs.append((olds[0], new))
    return pairs


def _gone_copies(olds: Sequence[Document], news: Sequence[Document]) -> list[DocumentChange]:
    """The base's copies of a name the head still holds that no head copy took the place of.

    One equal to a copy the head keeps is no change (the duplicate removed);
    another is removed from its file, as an agreement of a name of its own
    would be: the copies that stay never hide that its terms are gone.
    """
    if len(olds) <= len(news):
        return []
    taken = {id(old) for old, _ in _pairs(olds, news) if old is not None}
    return [DocumentChange(*old.identity, base=old, head=None) for old in olds
            if id(old) not in taken and not any(_equal(old, new) for new in news)]


def _at_place(old: Document, new: Document) -> bool:
    return (old.source.path, old.index, old.item) == (new.source.path, new.index, new.item)


def _equal(old: Document, new: Document) -> bool:
    """Whether no field differs between two documents of one name."""
    return _same_bytes(old, new) or next(diff_documents(old, new), None) is None


def compare_renamed(old: Document, new: Document,
                    lookups: tuple[objectives.SliLookup, objectives.SliLookup] | None = None,
                    budgets: bool = True) -> DocumentChange:
    """An agreement renamed (and perhaps changed): compared with its predecessor
    (``budgets``: as :func:`compare_documents`)."""
    return _edit(old, new, lookups, renamed_from=old.name, budgets=budgets)


def _edit(old: Document, new: Document,
          lookups: tuple[objectives.SliLookup, objectives.SliLookup] | None,
          renamed_from: str | None, budgets: bool = True) -> DocumentChange:
    """``old`` to ``new`` compared field by field and objective by objective."""
    fields = tuple(diff_documents(old, new))
    objs = tuple(_objective_changes(old, new, fields, lookups or (_none, _none), budgets))
    return DocumentChange(*new.identity, base=old, head=new, fields=fields, objectives=objs,
                          renamed_from=renamed_from)


def pair_renames(removed: Sequence[Document], added: Sequence[Document]
                 ) -> list[tuple[Document, Document]]:
    """Agreements that disappeared, each paired with the one that took its place.

    A successor is an added agreement in the same file or for the same customer
    and service; both at once is the best match, then the same customer and
    service, then the same file. Each is paired once, in document order.
    """
    gone = [(d, d.source.path, parties(d)) for d in removed if (d.api_version, d.kind) == SLA_KEY]
    came = [(d, d.source.path, parties(d)) for d in added if (d.api_version, d.kind) == SLA_KEY]
    # the candidates of each kind of kinship, in document order (a change that removes and
    # adds thousands must not compare each with each)
    by_both: dict[tuple[str, tuple[str, str]], list[int]] = {}
    by_parties: dict[tuple[str, str], list[int]] = {}
    by_file: dict[str, list[int]] = {}
    for number, (_, path, party) in enumerate(came):
        by_file.setdefault(path, []).append(number)
        if party is not None:
            by_both.setdefault((path, party), []).append(number)
            by_parties.setdefault(party, []).append(number)
    taken: set[int] = set()
    paired: dict[int, int] = {}  # gone -> came, by position, in the order found
    for strength in (3, 2, 1):
        for at, (_, path, party) in enumerate(gone):
            if at in paired:
                continue
            if strength == 3:
                candidates = by_both.get((path, party), []) if party is not None else []
            elif strength == 2:
                candidates = by_parties.get(party, []) if party is not None else []
            else:
                candidates = by_file.get(path, [])
            found = next((n for n in candidates if n not in taken
                          and _kin(path, party, came[n][1], came[n][2]) == strength), None)
            if found is not None:
                taken.add(found)
                paired[at] = found
    return [(gone[at][0], came[n][0]) for at, n in paired.items()]


def give_earlier(change: DocumentChange, found: Sequence[Earlier]) -> None:
    """Give ``change`` the last versions removed it is compared with (``found``: the one of
    its own customer and service first): ``earlier`` is the one whose edit asks most (a
    loosening, then a tightening, then other terms), the rest ``earlier_also``."""
    ordered = sorted(found, key=lambda e: -_asks(e.change.classes))
    change.earlier = ordered[0] if ordered else None
    change.earlier_also = tuple(ordered[1:])


def _asks(classes: frozenset[str]) -> int:
    return next((3 - i for i, w in enumerate((LOOSENED, TIGHTENED, MODIFIED)) if w in classes),
                0)


def revived(change: DocumentChange, on: date) -> bool:
    """Whether an edit puts back in force an agreement that had ended by ``on`` (its
    ``effective.until`` dropped or moved past it): its terms come back to its customer and
    service as an addition's would."""
    base, head = change.base, change.head
    if (base is None or head is None or (base.api_version, base.kind) != SLA_KEY
            or (head.api_version, head.kind) != SLA_KEY):
        return False
    try:
        return _until(base) <= on < _until(head)
    except ValueError:
        return False


def _in_force_after(doc: Document, on: date | None) -> bool:
    """Whether the agreement had not ended by ``on`` (today when None): an agreement that had
    ended promised nothing more, and taking it away takes no terms away."""
    try:
        return _until(doc) > (on or datetime.now(timezone.utc).date())
    except ValueError:
        return True


def _until(doc: Document) -> date:
    effective = doc.spec.get("effective")
    return _end(effective.get("until") if isinstance(effective, Mapping) else None)


def same_parties(old: Document, new: Document) -> bool:
    """Whether two agreements are for one customer and service, as a reader takes them."""
    if (old.api_version, old.kind) != SLA_KEY or (new.api_version, new.kind) != SLA_KEY:
        return False
    found = parties(new)
    return found is not None and parties(old) == found


def same_agreement(old: Document, new: Document) -> bool:
    """Whether ``new`` is ``old``'s agreement, as matching across sides takes it: the same
    identity, or a successor for the same customer and service (a rename)."""
    if (old.api_version, old.kind) != SLA_KEY or (new.api_version, new.kind) != SLA_KEY:
        return False
    return old.identity == new.identity or _kinship(old, new) >= 2


def compare_earlier(old: Document, new: Document) -> DocumentChange:
    """An added agreement compared with an earlier version of it (removed since): field by
    field and objective by objective, as an edit from ``old`` to ``new`` is."""
    return _edit(old, new, None, renamed_from=None)


def _kinship(old: Document, new: Document) -> int:
    """2 for the same customer and service (as a reader takes the spelling), plus 1 for the
    same file; 0 for strangers."""
    return _kin(old.source.path, parties(old), new.source.path, parties(new))


def _kin(path: str, party: tuple[str, str] | None, other_path: str,
         other_party: tuple[str, str] | None) -> int:
    return 2 * (party is not None and party == other_party) + (path == other_path)


def parties(doc: Document) -> tuple[str, str] | None:
    """An agreement's customer and service, folded (``Globex`` is ``globex``); None without."""
    customer, service = doc.spec.get("customer"), doc.spec.get("service")
    if not isinstance(customer, str) or not isinstance(service, str):
        return None
    found = (spelling.fold(customer), spelling.fold(service))
    return found if all(found) else None


def replacements(changes: Sequence[DocumentChange], on: date | None = None) -> None:
    """Give each agreement that takes terms to a customer and service (added, or given
    another customer or service) its comparison with each agreement whose terms the same
    change takes away (removed, or given another customer or service): ``replaces``; and
    each agreement whose terms the change edits in place (its effective period brought back,
    its objectives) its comparison with each one taken away from its own customer and
    service that had not ended by ``on`` (the change's day; by default today): what that
    customer is promised before and after, whichever agreement says it.

    Which agreement a new one stands for cannot rest on its name or spelling,
    which whoever writes the change chooses: an agreement loosened, renamed and
    given a customer spelt anew would otherwise be a removal and an addition
    that need less than its edit. So it is judged as an edit of each one it may
    replace, and needs the approvals of all of them (of a loosening, when its
    terms are looser than any).
    """
    agreements = [c for c in changes if (c.api_version, c.kind) == SLA_KEY]
    if all(c.base is not None and c.head is not None and _same_written(c.base, c.head)
           for c in agreements):
        return  # nothing taken away (most changes): no parties to fold
    sides = [(c, parties(c.base) if c.base is not None else None,
              parties(c.head) if c.head is not None else None) for c in agreements]
    party_of = {id(c.base): before for c, before, after in sides
                if c.base is not None and (c.head is None or before != after)}
    gone = [c.base for c, _, _ in sides if c.base is not None and id(c.base) in party_of]
    if not gone:
        return
    keys = ({id(old): (_terms_key(old), party_of[id(old)], old.spec.get("contract", _ABSENT))
             for old in gone} if len(gone) > REPLACES_LISTED else {})
    gone_from: dict[tuple[str, str] | None, list[Document]] = {}  # by customer and service
    for old in gone:
        gone_from.setdefault(party_of[id(old)], []).append(old)
    # one tuple shared by every agreement given terms (its own file among them is no news)
    taken_from = _taken_from(gone)
    for change, before, after in sides:
        head = change.head
        if head is None:
            continue
        if change.base is not None and before == after:
            # edited in place for the same parties: new terms in force for its customer and
            # service (an expired agreement revived, say) where the change takes away another
            # of theirs are judged against that one too: the customer's terms before and after
            if after is None or not change.directions & TERMS:
                continue
            same = [old for old in gone_from.get(after, ())
                    if old is not change.base and _in_force_after(old, on)]
            if same:
                change.replaces, change.replaces_more = _judged_against(same, head, keys)
                change.taken_from = _taken_from(same)
            continue
        own = change.base if change.base is not None and id(change.base) in party_of else None
        change.replaces, change.replaces_more = _judged_against(gone, head, keys, skip=own)
        if change.replaces or change.replaces_more:
            change.taken_from = taken_from


def _same_written(base: Document, head: Document) -> bool:
    """The same customer and service written on both sides (so the same :func:`parties`)."""
    old, new = base.spec, head.spec
    return bool(old.get("customer") == new.get("customer")
                and old.get("service") == new.get("service"))


def _unmatched(change: DocumentChange, field: FieldChange) -> bool:
    """Whether ``field`` is an SLA's keyed list (objectives, exclusions, severities) changed
    whole, because an item's name on one side is no text or number to pair it by: what
    was added, removed or loosened in it cannot be told, so it may be anything."""
    return ((change.api_version, change.kind) == SLA_KEY
            and _pattern(field.path) in _LIST_KEYS[SLA_KEY]
            and isinstance(field.before, list) and isinstance(field.after, list))


def _taken_from(olds: Sequence[Document]) -> tuple[tuple[str, str], ...]:
    """(file, SLA/name) of each agreement taken away, once each."""
    return tuple(dict.fromkeys((old.source.path, f"{old.kind}/{old.name}") for old in olds))


ALL_CLASSES = frozenset({MODIFIED, LOOSENED, TIGHTENED})  # all an edit's comparison can add
REPLACES_LISTED = 10  # beyond this many taken away, only the comparisons that add a class


def _judged_against(olds: list[Document], head: Document,
                    keys: Mapping[int, tuple[Hashable, tuple[str, str] | None, Any]],
                    skip: Document | None = None) -> tuple[tuple[DocumentChange, ...], int]:
    """``head`` compared with each agreement taken away but ``skip`` (the one of them it
    is, if any), and how many more are not shown.

    A change that takes away more than :data:`REPLACES_LISTED` agreements (a
    customer renamed across a whole repository) keeps, of the comparisons of
    each agreement given terms, those that add a class to the ones before,
    and stops once nothing is left to add: what it needs is the same, and
    its report grows with the agreements, not with their square. An
    agreement whose terms are those of one compared before (``keys``: its
    terms but for the parties, the contract and the version, which ask a
    modification at most, with its parties and contract; and as far from
    ``head``'s parties and contract) would ask what that one asked, and is not
    compared.
    """
    # ``olds`` is not copied without ``skip``: a change that takes away every agreement of
    # a large repository would copy it once for each of them
    count = len(olds) - (skip is not None)
    if count <= REPLACES_LISTED:
        return tuple(compare_earlier(old, head) for old in olds if old is not skip), 0
    kept: list[DocumentChange] = []
    seen: frozenset[str] = frozenset()
    asked: set[Hashable] = set()
    party, contract = parties(head), head.spec.get("contract", _ABSENT)
    for old in olds:
        if old is skip:
            continue
        terms, old_party, old_contract = keys[id(old)]
        key = (terms, old_party == party, _same(old_contract, contract))
        if key in asked:
            continue  # its classes are among those seen
        asked.add(key)
        found = compare_earlier(old, head)
        if not found.classes <= seen:
            kept.append(found)
            seen |= found.classes
            if seen >= ALL_CLASSES:
                break
    return tuple(kept), count - len(kept)


_ABSENT = object()
# the fields of an agreement whose change is a modification at most (the version's, no class)
_NO_DIRECTION = frozenset({"customer", "service", "contract", "version", "supersedes"})


def _terms_key(doc: Document) -> Hashable:
    """The agreement's terms but for the fields that ask a modification at most, as a key:
    equal keys are equal data (each value with its type, mappings in their order)."""
    return _value_key({k: v for k, v in doc.spec.items() if k not in _NO_DIRECTION})


def _value_key(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return ("map", tuple((_value_key(k), _value_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_value_key(v) for v in value))
    return (type(value), value if isinstance(value, Hashable) else id(value))


def _with_indicators(changes: list[DocumentChange], matched: Sequence[tuple[Document, Document]]
                     ) -> list[DocumentChange]:
    """Each SLO that references a changed SLI by ``indicatorRef`` changed with it (every copy
    of a name: ``matched`` pairs each head document with the base's it is compared with)."""
    slis = {c.name: c for c in changes if (c.api_version, c.kind) == SLI_KEY
            and c.base is not None and c.head is not None
            and any(f.direction != METADATA for f in c.fields)}
    if not slis:
        return changes
    known = {id(c.head): c for c in changes if c.head is not None}
    for old, doc in matched:
        if (doc.api_version, doc.kind) != SLO_KEY:
            continue
        ref = doc.spec.get("indicatorRef")
        if not isinstance(ref, str) or ref not in slis:
            continue
        if old.spec.get("indicatorRef") != ref:
            continue  # it references another SLI now: its own field change says so
        change = known.get(id(doc))
        if change is None:
            change = DocumentChange(*doc.identity, base=old, head=doc)
            changes.append(change)
        change.indicator = slis[ref]
    return changes


def _all_by_identity(files: Sequence[SourceFile]
                     ) -> dict[tuple[str, str, str], list[Document]]:
    """Each identity's documents, in scan order (more than one: duplicate-name says so)."""
    found: dict[tuple[str, str, str], list[Document]] = {}
    for source in files:
        for doc in source.documents:
            if doc.known and doc.name:
                found.setdefault(doc.identity, []).append(doc)
    return found


def _same_bytes(base: Document, head: Document) -> bool:
    """Both sides' document at one place in files of one content (hashed when cached)."""
    key = base.source.cache_key
    return (bool(key) and key == head.source.cache_key and base.source.path == head.source.path
            and (base.index, base.item) == (head.index, head.item))


def _sli_lookup(files: Sequence[SourceFile]) -> objectives.SliLookup:
    slis = {d.name: d for f in files for d in f.documents if (d.api_version, d.kind) ==
            ("openslo/v1", "SLI")}

    def lookup(name: str) -> Mapping[str, Any] | None:
        found = slis.get(name)
        return found.data if found is not None else None  # read only when asked

    return lookup


def compare_documents(
    base: Document | None,
    head: Document,
    lookups: tuple[objectives.SliLookup, objectives.SliLookup] | None = None,
    budgets: bool = True,
) -> DocumentChange | None:
    """The change from ``base`` to ``head`` (None when nothing changed, not even the file).

    ``budgets=False``: each objective's change carries its directions only, not its
    windows and error budgets (for a reader that shows none of them, as the audit).
    """
    identity = head.identity
    if base is None:
        return DocumentChange(*identity, base=None, head=head)
    fields = tuple(diff_documents(base, head))
    objs = tuple(_objective_changes(base, head, fields, lookups or (_none, _none), budgets))
    if not fields and not objs and base.source.path == head.source.path:
        return None
    return DocumentChange(*identity, base=base, head=head, fields=fields, objectives=objs)


def _none(name: str) -> None:
    return None


def share_unchanged(before: Any, after: Any) -> Any:
    """``after``, each part of it that no reader can tell from ``before``'s (the same type,
    value, key order and digits) replaced in place by ``before``'s own object.

    A history keeps every version of a document: its versions then share
    what did not change, and comparing them skips the shared parts. Numbers
    keep their digits (``99.9`` is not ``99.90``); values of other types
    (date-times and their zones, floats) are never replaced.
    """
    if before is after:
        return before
    kind = type(after)
    if kind is not type(before):
        return after
    if kind is dict:
        same = len(before) == len(after)
        for key, value in after.items():
            old = before.get(key, ABSENT)
            if old is value:
                continue  # one object already (interned text, a small number, a shared part)
            new = _shared(old, value)
            if new is not value:
                after[key] = new
            same = same and new is old
        return before if same and list(before) == list(after) else after
    if kind is list:
        same = len(before) == len(after)
        for index, value in enumerate(after[:len(before)]):
            old = before[index]
            if old is value:
                continue
            new = _shared(old, value)
            if new is not value:
                after[index] = new
            same = same and new is old
        return before if same else after
    return _shared(before, after)


def _shared(before: Any, after: Any) -> Any:
    """:func:`share_unchanged` of one member, its leaves without a call of their own: a
    history shares every leaf of every version."""
    kind = type(after)
    if kind is str or kind is int or kind is date:
        return before if type(before) is kind and before == after else after
    if kind is Decimal:
        # a finite Decimal's text is its digits and exponent, one to one (as_tuple is slower)
        return before if (type(before) is Decimal and before.is_finite()
                          and str(before) == str(after)) else after
    if kind is dict or kind is list:
        return share_unchanged(before, after)
    return after


# -- field diff --------------------------------------------------------------

Rule = Callable[[Shown, Any, Any, "_Sides"], str]


class _Sides(Struct, frozen=True):
    base: Mapping[str, Any]
    head: Mapping[str, Any]


def diff_documents(base: Document, head: Document) -> Iterator[FieldChange]:
    kind = (head.api_version, head.kind)
    direction = _RULES.get(kind, _other_direction)
    keys = _LIST_KEYS.get(kind, {})
    sides = _Sides(base.data, head.data)
    found: list[_Found] = []
    _diff(base.data, head.data, (), (), (), keys, found)
    for path, b_path, h_path, before, after in found:
        b_kept = _shared_path(b_path)
        # a field at the same place on both sides (the most common change): one lookup
        h_kept = b_kept if h_path == b_path else _shared_path(h_path)
        yield FieldChange(_shared_path(path), before, after,
                          direction(path, before, after, sides), b_kept, h_kept)


# Paths seen lately, each kept once: a history's versions change the same few fields.
_path_copy = runtime.OneCopy()


def _shared_path(path: _P) -> _P:
    return path if path is None else _path_copy(path)


# A field that differs: its path, where it is in each document, and its values.
_Found = tuple[Shown, "IndexPath | None", "IndexPath | None", Any, Any]


def _diff(before: Any, after: Any, path: Shown, b_path: IndexPath, h_path: IndexPath,
          keys: Mapping[tuple[str, ...], str], found: list[_Found]) -> None:
    """Add each field that differs between ``before`` and ``after`` to ``found``, in order
    (a list, not a generator: a history diffs every version)."""
    kind = type(before)
    if kind is dict and type(after) is dict:  # the loader's mappings: no ABC checks
        if before is not after:  # else shared by share_unchanged: equal in every part
            _diff_mappings(before, after, path, b_path, h_path, keys, found)
        return
    if before is after and kind is list:
        return  # shared by share_unchanged: equal in every part
    if kind in _LEAVES or type(after) in _LEAVES:  # most values: no ABC checks
        if not _same(before, after):
            found.append((path, b_path, h_path, before, after))
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        _diff_mappings(before, after, path, b_path, h_path, keys, found)
        return
    if isinstance(before, list) and isinstance(after, list):
        key = keys.get(_pattern(path))
        pairs = _keyed(before, after, key) if key else None
        if pairs is not None:
            for item_key, (bi, b), (hi, a) in pairs:
                item = path + (item_key,)
                if bi >= 0 and hi >= 0:
                    _diff(b, a, item, b_path + (bi,), h_path + (hi,), keys, found)
                elif bi < 0 and hi < 0:  # the items of a repeated name (see _keyed)
                    found.append((item, b_path, h_path, b, a))
                else:  # the whole item is new or gone
                    found.append((item, b_path + (bi,) if bi >= 0 else None,
                                  h_path + (hi,) if hi >= 0 else None, b, a))
            return
        if len(before) == len(after):
            for index, (b, a) in enumerate(zip(before, after)):
                _diff(b, a, path + (index,), b_path + (index,), h_path + (index,), keys, found)
            return
    if not _same(before, after):
        found.append((path, b_path, h_path, before, after))


def _diff_mappings(before: Mapping[str, Any], after: Mapping[str, Any], path: Shown,
                   b_path: IndexPath, h_path: IndexPath, keys: Mapping[tuple[str, ...], str],
                   found: list[_Found]) -> None:
    """The members of ``before`` in its order, then those only ``after`` has."""
    for name, b in before.items():
        a = after.get(name, ABSENT)
        if b is a:
            kind = type(b)
            if kind in _REFLEXIVE or kind is Decimal and b.is_finite():
                continue  # one object (shared by share_unchanged, or interned): no change
        elif a is ABSENT:
            found.append((path + (name,), b_path + (name,), None, b, a))
            continue
        elif type(b) is str and type(a) is str:  # text, the most common leaf: no call
            if b != a:
                found.append((path + (name,), b_path + (name,), h_path + (name,), b, a))
            continue
        _diff(b, a, path + (name,), b_path + (name,), h_path + (name,), keys, found)
    for name, a in after.items():
        if name not in before:
            found.append((path + (name,), None, h_path + (name,), ABSENT, a))


_Item = tuple[int, Any]  # an item of a list and its position (-1 and ABSENT: none)
_NONE: _Item = (-1, ABSENT)


def _keyed(before: list[Any], after: list[Any], key: str
           ) -> list[tuple[Key, _Item, _Item]] | None:
    """Items paired by their ``key`` field; None when some item has no key.

    A name that repeats on a side (``check`` reports it: ``duplicate-name``) says
    nothing of which of its items became which, and a change is never judged as less
    than it may be: unless both sides hold the same items of that name, each item of
    the name in the base is compared with each in the head (a ``Key`` with ``at``), an
    unchanged one too (a slower second ``P2`` may be the one the provider holds to).
    When one side holds more of them, any of its items may be the one added (or
    removed): each is also reported so. A change of the items of that name (``[name]``:
    every item of the name on each side, a change in no single direction) says why.
    """
    b_index = _index_by(before, key)
    a_index = _index_by(after, key)
    if b_index is None or a_index is None:
        return None
    names = list(b_index) + [n for n in a_index if n not in b_index]
    pairs: list[tuple[Key, _Item, _Item]] = []
    for name in names:
        olds, news = b_index.get(name, []), a_index.get(name, [])
        if len(olds) <= 1 and len(news) <= 1:
            pairs.append((Key(name), olds[0] if olds else _NONE, news[0] if news else _NONE))
            continue
        if _same_multiset([b for _, b in olds], [a for _, a in news], _same):
            continue  # the same items, perhaps in another order
        pairs.append((Key(name), (-1, [b for _, b in olds]), (-1, [a for _, a in news])))
        for b_item in olds:
            pairs.extend((Key(name, (b_item[0], a_item[0])), b_item, a_item) for a_item in news)
        if len(news) > len(olds):
            pairs.extend((Key(name, (-1, a_item[0])), _NONE, a_item) for a_item in news)
        if len(olds) > len(news):
            pairs.extend((Key(name, (b_item[0], -1)), b_item, _NONE) for b_item in olds)
    return pairs


def _same_multiset(olds: Sequence[Any], news: Sequence[Any],
                   same: Callable[[Any, Any], bool]) -> bool:
    """Whether both sides hold the same values by ``same``, as many of each (in any order):
    the items of a repeated name, or their terms."""
    if len(olds) != len(news):
        return False
    left = list(news)
    for old in olds:
        found = next((n for n, new in enumerate(left) if same(old, new)), None)
        if found is None:
            return False
        del left[found]
    return True


def _index_by(items: list[Any], key: str) -> dict[str, list[_Item]] | None:
    found: dict[str, list[_Item]] = {}
    for index, item in enumerate(items):
        name = item.get(key) if isinstance(item, Mapping) else None
        if not isinstance(name, (str, int)):
            return None
        found.setdefault(str(name), []).append((index, item))
    return found


def _pattern(path: Shown) -> tuple[str, ...]:
    return tuple(["*" if isinstance(p, (Key, int)) else p for p in path])


# Scalar types the loader makes: never a mapping or a list.
_LEAVES = frozenset({str, int, bool, Decimal, float, type(None), date, datetime})
# Types whose every value is _same as itself, and the containers share_unchanged shares (a
# float or a Decimal may be a NaN, which is not).
_REFLEXIVE = frozenset({str, int, bool, type(None), date, datetime, dict, list})


def _same(a: Any, b: Any) -> bool:
    """Equal in value and type: YAML ``1`` and ``true`` differ, ``99.9`` and ``99.90`` do not."""
    if type(a) is str and type(b) is str:
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return Decimal(a) == Decimal(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


# -- directions ----------------------------------------------------------------

def _compare(before: Any, after: Any, parse: Callable[[Any], Any], higher_is: str) -> str:
    """tightened/loosened by a parsed order; equal values are a rewrite (metadata).

    A term that no longer reads as one (a target of .nan) promises nothing: loosened.
    """
    unreadable = (units.UnitError, ValueError, TypeError, ArithmeticError, LookupError)
    try:
        b = parse(before)
    except unreadable:
        return MODIFIED
    try:
        a = parse(after)
    except unreadable:
        return LOOSENED
    if a == b:
        return METADATA
    other = LOOSENED if higher_is == TIGHTENED else TIGHTENED
    return higher_is if a > b else other


def _number(value: Any) -> Decimal:
    return units.to_decimal(value)


def _ms(value: Any) -> Decimal:
    """A duration's exact length, however fine (``PT0.0001S`` -> 10s is a loosening)."""
    return units.duration_ms(value)


# An objective's target by the identity of its data (kept alive here, so the identity stays
# its own): a history compares each version twice, as the text after and then before.
_FRACTIONS: dict[int, tuple[Mapping[str, Any], Decimal]] = {}


def _fraction(objective: Mapping[str, Any]) -> Decimal:
    known = _FRACTIONS.get(id(objective))
    if known is not None and known[0] is objective:
        return known[1]
    found = units.parse_target(objective.get("target"), objective.get("targetPercent"))
    if len(_FRACTIONS) >= 1024:  # one that cannot be read is not kept: it raises
        _FRACTIONS.clear()
    _FRACTIONS[id(objective)] = (objective, found)
    return found


def _presence(before: Any, after: Any, added: str, removed: str) -> str | None:
    if before is ABSENT:
        return added
    if after is ABSENT:
        return removed
    return None


def _target_direction(sides: _Sides, change_path: Shown, before: Any, after: Any) -> str:
    """Targets compare as fractions, so ``targetPercent: 99.9`` -> ``target: 0.999`` is a rewrite."""
    key = change_path[:3]
    b_obj = _keyed_item(sides.base, key, 0)
    a_obj = _keyed_item(sides.head, key, 1)
    return _compare(b_obj, a_obj, _fraction, TIGHTENED)


def _keyed_item(data: Mapping[str, Any], path: Shown, side: int) -> Mapping[str, Any]:
    """The mapping at ``path`` on one side (0: the base, 1: the head)."""
    node: Any = data
    for part in path:
        if isinstance(part, Key) and isinstance(node, list):
            at = part.at[side] if part.at is not None else None
            if at is None:
                node = _named(node, part.value)
            elif 0 <= at < len(node):
                node = node[at]
            else:
                return {}
        elif isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(part, str) and (type(node) is dict or isinstance(node, Mapping)):
            node = node.get(part, {})
        else:
            return {}
    return node if type(node) is dict or isinstance(node, Mapping) else {}


def _named(items: list[Any], wanted: str) -> Any:
    """The first item named ``wanted`` (by ``name``, else ``displayName``, else ``level``)."""
    for item in items:
        if type(item) is dict or isinstance(item, Mapping):
            name = item["name"] if "name" in item else (
                item["displayName"] if "displayName" in item else item.get("level"))
            if str(name) == wanted:
                return item
    return {}


def _sla_direction(path: Shown, before: Any, after: Any, sides: _Sides) -> str:
    p = _pattern(path)
    if p[:1] == ("metadata",):
        return METADATA
    if p in (("spec", "version"), ("spec", "supersedes")):
        return VERSION
    if p[:2] == ("spec", "objectives"):
        return _sla_objective_direction(p, path, before, after, sides)
    if p[:2] == ("spec", "support"):
        return _support_direction(p, before, after)
    if p[:2] == ("spec", "exclusions"):
        return _exclusion_direction(p, before, after)
    if p[:2] == ("spec", "credits"):
        return _credit_direction(path, sides)
    if p == ("spec", "effective", "until"):
        return _compare(before, after, _end, TIGHTENED)  # a later end covers the customer longer
    if p == ("spec", "changeNoticeDays"):
        return _presence(before, after, TIGHTENED, LOOSENED) or _compare(
            before, after, _number, TIGHTENED)
    if p == ("spec", "timeSlice", "target"):
        return _compare(before, after, _number, TIGHTENED)
    return MODIFIED


def _end(value: Any) -> date:
    """``effective.until`` as the first day without cover; none (open-ended) is the latest."""
    if value is ABSENT or value is None:
        return date.max
    found = units.parse_date(value)
    if found is None:
        raise ValueError(f"not a date: {value!r}")
    return found


# A credit schedule: each tier's [atLeast, below) (None: from 0%) and its credit, in percent.
_Tiers = tuple[tuple[Decimal | None, Decimal, Decimal], ...]


def _credit_direction(path: Shown, sides: _Sides) -> str:
    """A change of credit tiers, judged by the credit each measured availability earns.

    Loosened when some level in the changed tier's range, before or after (every level,
    for a tier or the list added or removed), earns less than it did, even if another
    earns more: bounds moved down, a tier removed, less credit. Else tightened when
    some level earns more, else a rewrite of the same schedule (metadata).
    """
    try:
        old = _credit_tiers(sides.base)
    except (units.UnitError, ValueError):
        return MODIFIED
    try:
        new = _credit_tiers(sides.head)
    except (units.UnitError, ValueError):
        return LOOSENED  # a schedule that no longer reads promises nothing
    index = path[2] if len(path) > 3 and isinstance(path[2], int) else None
    ranges = [tiers[index][:2] for tiers in (old, new)
              if index is not None and index < len(tiers)]
    levels = sorted({Decimal(0), Decimal(100)} | {
        bound for tiers in (old, new) for low, below, _ in tiers for bound in (low, below)
        if bound is not None and 0 <= bound <= 100})
    less = more = False
    for level in levels:  # the credit is constant from each bound to the next
        if ranges and not any((low is None or low <= level) and level < below
                              for low, below in ranges):
            continue
        was, now = _credits_at(old, level), _credits_at(new, level)
        if was != now:
            less |= min(now) < max(was)
            more |= max(now) > min(was)
    return LOOSENED if less else TIGHTENED if more else METADATA


def _credit_tiers(data: Mapping[str, Any]) -> _Tiers:
    spec = data.get("spec")
    tiers = spec.get("credits") if isinstance(spec, Mapping) else None
    if tiers is None:
        return ()
    if not isinstance(tiers, list) or not all(isinstance(t, Mapping) for t in tiers):
        raise ValueError("credits are a list of tiers")
    return tuple((_number(t["atLeast"]) if "atLeast" in t else None, _number(t.get("below")),
                  _number(t.get("creditPercent"))) for t in tiers)


def _credits_at(tiers: _Tiers, level: Decimal) -> frozenset[Decimal]:
    """The credits of the tiers that hold ``level`` (0 when none does)."""
    return frozenset(credit for low, below, credit in tiers
                     if (low is None or low <= level) and level < below) or frozenset({Decimal(0)})


def _sla_objective_direction(p: tuple[str, ...], path: Shown, before: Any, after: Any,
                             sides: _Sides) -> str:
    if len(p) <= 3:  # a whole objective: a new promise, or one withdrawn
        return _presence(before, after, TIGHTENED, LOOSENED) or MODIFIED
    leaf = p[3:]
    if leaf in (("target",), ("targetPercent",)):
        return _target_direction(sides, path, before, after)
    if leaf == ("threshold",):
        return _compare(before, after, _ms, LOOSENED)
    if leaf in (("slo",), ("objective",)):
        return METADATA  # which internal SLO backs it is not a term of the agreement
    return MODIFIED


def _exclusion_direction(p: tuple[str, ...], before: Any, after: Any) -> str:
    """An exclusion is downtime that does not count: more of it loosens."""
    if len(p) <= 3:
        return _presence(before, after, LOOSENED, TIGHTENED) or MODIFIED
    if p[3:] == ("maxPerWindow",):
        return _compare(before, after, _ms, LOOSENED)
    if p[3:] == ("notice",):
        return _compare(before, after, _ms, TIGHTENED)
    return MODIFIED


_SUPPORT_HOURS = {"business": 0, "24x7": 1}


def _support_direction(p: tuple[str, ...], before: Any, after: Any) -> str:
    if len(p) == 2:
        return _presence(before, after, TIGHTENED, LOOSENED) or MODIFIED
    if p[2:] == ("hours",):
        return _compare(before, after, _SUPPORT_HOURS.__getitem__, TIGHTENED)
    if p[2:3] == ("severities",):
        if len(p) <= 4:
            return _presence(before, after, TIGHTENED, LOOSENED) or MODIFIED
        if p[4:] in (("response",), ("resolution",)):
            return _compare(before, after, _ms, LOOSENED)
    return MODIFIED


def _slo_direction(path: Shown, before: Any, after: Any, sides: _Sides) -> str:
    p = _pattern(path)
    if p == ("metadata", "annotations", objectives.THRESHOLD_ANNOTATION):
        return _compare(before, after, _ms, LOOSENED)
    if p == ("metadata", "annotations", objectives.INDICATOR_ANNOTATION):
        return MODIFIED
    if p[:1] == ("metadata",) or p[:2] in (("spec", "description"), ("spec", "alertPolicies")):
        return METADATA
    if p[:2] == ("spec", "objectives"):
        if len(p) <= 3:
            return _presence(before, after, TIGHTENED, LOOSENED) or MODIFIED
        leaf = p[3:]
        if leaf in (("target",), ("targetPercent",)):
            return _target_direction(sides, path, before, after)
        if leaf == ("timeSliceTarget",):
            return _compare(before, after, _number, TIGHTENED)
        if leaf == ("displayName",):
            return METADATA
        if leaf == ("value",):
            return _threshold_value_direction(sides, path, before, after)
    return MODIFIED


def _threshold_value_direction(sides: _Sides, path: Shown, before: Any, after: Any) -> str:
    """A threshold objective's ``value``: stricter in the direction of its ``op``."""
    op_before = _keyed_item(sides.base, path[:3], 0).get("op")
    op_after = _keyed_item(sides.head, path[:3], 1).get("op")
    if op_before != op_after:
        return MODIFIED
    if op_after in ("lt", "lte"):
        return _compare(before, after, _number, LOOSENED)
    if op_after in ("gt", "gte"):
        return _compare(before, after, _number, TIGHTENED)
    return MODIFIED


def _other_direction(path: Shown, before: Any, after: Any, sides: _Sides) -> str:
    return METADATA if _pattern(path)[:1] == ("metadata",) else MODIFIED


_RULES: dict[tuple[str, str], Rule] = {SLA_KEY: _sla_direction, SLO_KEY: _slo_direction}
_LIST_KEYS: dict[tuple[str, str], dict[tuple[str, ...], str]] = {
    SLA_KEY: {where: key for where, key, _, _ in SLA_KEYED_LISTS},
    SLO_KEY: {("spec", "objectives"): "displayName"},
}


# -- whole objectives ------------------------------------------------------------

def _objective_changes(base: Document, head: Document, fields: Sequence[FieldChange],
                       lookups: tuple[objectives.SliLookup, objectives.SliLookup],
                       budgets: bool = True) -> Iterator[ObjectiveChange]:
    """Each objective present on both sides whose terms changed, compared whole (only
    when a field of the terms changed: else their terms are not even derived)."""
    kind = (head.api_version, head.kind)
    if kind not in (SLA_KEY, SLO_KEY):
        return
    # a field's direction first: its path is written out only when none is a term's
    changed_spec = any(f.direction in TERMS for f in fields) or any(
        f.shown.startswith("metadata.annotations") for f in fields)
    if not changed_spec:
        return
    before = _terms_by_key(base, lookups[0])
    after = _terms_by_key(head, lookups[1])
    for key, olds in before.items():
        news = after.get(key)
        if not news:
            continue
        if (len(olds) > 1 or len(news) > 1) and _same_multiset(olds, news, operator.eq):
            continue  # a repeated name (see _keyed), and the same terms on both sides
        for old in olds:  # a repeated name: each of the name compared with each
            for new in news:
                change = _objective_change(key, old, new, budgets)
                if change is not None:
                    yield change


def _objective_change(key: str, old: dominance.Terms | None, new: dominance.Terms | None,
                      budgets: bool) -> ObjectiveChange | None:
    if old is None or new is None:
        return None
    directions = _directions(old, new)
    if old == new and not directions:
        return None
    if not budgets:
        return ObjectiveChange(key, directions)
    return ObjectiveChange(  # window words interned: every version says them again
        key, directions, sys.intern(units.format_window(old.window)),
        sys.intern(units.format_window(new.window)), _budget(old), _budget(new))


# An SLA's terms by the identity of its data (kept alive here, so the identity stays its
# own): in a history each version is compared twice, as the text after and then before.
_SLA_TERMS: dict[int, tuple[Mapping[str, Any], dict[str, list[dominance.Terms | None]]]] = {}


def _terms_by_key(doc: Document, lookup: objectives.SliLookup
                  ) -> dict[str, list[dominance.Terms | None]]:
    if (doc.api_version, doc.kind) == SLA_KEY:
        data = doc.data
        known = _SLA_TERMS.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        if len(_SLA_TERMS) >= 1024:
            _SLA_TERMS.clear()
        terms = _terms_of(doc, objectives.sla_terms(data))
        _SLA_TERMS[id(data)] = (data, terms)
        return terms
    return _terms_of(doc, objectives.slo_terms(doc.data, lookup))


def _terms_of(doc: Document, found: Sequence[objectives.ObjectiveTerms]
              ) -> dict[str, list[dominance.Terms | None]]:
    """The terms of the objectives of each name (an SLA) or display name (an SLO), in
    order: more than one when the name repeats. One without a name goes by its position."""
    raw = doc.spec.get("objectives")
    items = raw if isinstance(raw, list) else []
    key_field = "name" if doc.kind == "SLA" else "displayName"
    names = [str(i.get(key_field)) if isinstance(i, Mapping) and i.get(key_field) is not None
             else str(n) for n, i in enumerate(items)]
    by_name: dict[str, list[dominance.Terms | None]] = {}
    for position, terms, _ in found:
        if position < len(names):
            by_name.setdefault(names[position], []).append(terms)
    return by_name


@lru_cache(maxsize=4096)  # an agreement's history repeats the same few terms
def _directions(old: dominance.Terms, new: dominance.Terms) -> frozenset[str]:
    """Judged both ways: what the new terms let through that the old did not, and back."""
    try:
        loosened = not dominance.dominates(new, old)
        tightened = not dominance.dominates(old, new)
    except (units.UnitError, ValueError, ArithmeticError):
        return _UNJUDGED
    return _JUDGED[loosened, tightened]


# The few answers _directions gives, one copy each: a long history holds one per change.
_UNJUDGED = frozenset({MODIFIED})
_JUDGED = {(loosened, tightened): frozenset(
    d for d, yes in ((LOOSENED, loosened), (TIGHTENED, tightened)) if yes)
    for loosened in (False, True) for tightened in (False, True)}


def _budget(terms: dominance.Terms) -> tuple[Decimal, Decimal] | None:
    return _budget_of(terms.target, terms.window)


@lru_cache(maxsize=4096)  # equal targets give equal minutes, however they are written
def _budget_of(target: Decimal, window: units.Window) -> tuple[Decimal, Decimal] | None:
    try:
        return dominance.budget_range_minutes(target, window)
    except (units.UnitError, ValueError, ArithmeticError):
        return None
