"""A reference names no document.

OpenSLO documents refer to each other by name: ``indicatorRef`` (an SLI),
``alertPolicyRef`` (an AlertPolicy), ``conditionRef`` (an AlertCondition),
``targetRef`` (an AlertNotificationTarget) and ``metricSourceRef`` (a
DataSource). An SLA objective names its backing SLO with ``slo:`` and, when
that SLO has several objectives, one of them with ``objective:`` (its
``displayName``). Every name must resolve among the checked documents.

Some documents live outside the repository: DataSources and agents kept in a
vendor's system, for example. List them under the ``external`` option as
``Kind/name`` globs, and a reference that matches one is never a finding::

    rules:
      unresolved-reference: {external: ["DataSource/*", "AlertNotificationTarget/pagerduty-*"]}

Passing example::

    apiVersion: openslo/v1
    kind: SLI
    metadata: {name: checkout-success}
    ---
    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-availability}
    spec:
      indicatorRef: checkout-success

Failing example (no SLI is named ``checkout-sucess``)::

    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: checkout-availability}
    spec:
      indicatorRef: checkout-sucess
"""
from __future__ import annotations

import fnmatch
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from slopolicy.cache.codec import codec
from slopolicy.cache.facts import Fact
from slopolicy.model.documents import Document
from slopolicy.model.problems import Finding
from slopolicy.rules.context import Derived
from slopolicy.rules.linking import display_names, sla_references
from slopolicy.text.hints import closest, with_article
from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from slopolicy.rules.context import Context

ID = "unresolved-reference"
SEVERITY = "error"
OPTIONS: dict[str, Any] = {"external": []}  # Kind/name globs kept outside the repository

OPENSLO = "openslo/v1"
REFERENCES = {
    "indicatorRef": "SLI",
    "alertPolicyRef": "AlertPolicy",
    "conditionRef": "AlertCondition",
    "targetRef": "AlertNotificationTarget",
    "metricSourceRef": "DataSource",
}


def check(ctx: Context, options: Mapping[str, Any]) -> Iterator[Finding]:
    for doc in ctx.documents:
        if doc.api_version == OPENSLO:
            for path, key, name in references(doc):
                kind = REFERENCES[key]
                if (ctx.named(OPENSLO, kind, name) is None
                        and not _external(kind, name, options)):
                    yield _missing(ctx, doc, path, kind, name)
        elif doc.kind == "SLA":
            yield from _sla_references(ctx, doc, options)


def _external(kind: str, name: str, options: Mapping[str, Any]) -> bool:
    """Whether ``Kind/name`` matches a glob of the ``external`` option."""
    label = f"{kind}/{name}"
    return any(isinstance(glob, str) and fnmatch.fnmatchcase(label, glob)
               for glob in options.get("external") or ())


def _all_references(doc: Document) -> tuple[tuple[Path, str, str], ...]:
    """(path, reference key, name) of every reference by name in an OpenSLO document."""
    return tuple((path, key, name) for path, key, name in _references(doc.data, ())
                 if isinstance(name, str))


REFERENCE_NAMES: Fact[tuple[tuple[Path, str, str], ...]] = Fact(
    "references", _all_references, codec(tuple[tuple[Path, str, str], ...]))


def references(doc: Document) -> tuple[tuple[Path, str, str], ...]:
    """(path, key, name) of every reference by name an OpenSLO document makes (kept with its file)."""
    return REFERENCE_NAMES.of(doc)


def _references(node: Any, path: Path) -> Iterator[tuple[Path, str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in REFERENCES and not isinstance(value, (Mapping, list)):
                yield path + (key,), key, value
            else:
                yield from _references(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, path + (index,))


def _missing(ctx: Context, doc: Document, path: Path, kind: str, name: str) -> Finding:
    names = ctx.derive(_names_of(kind))
    hint = names.closest(name)
    external = json.dumps(f"{kind}/{name}")  # a YAML flow scalar, whatever the name holds
    tip = f'; did you mean "{hint}"?' if hint else (
        f"; add {with_article(kind)} named {name!r}, or, if it lives outside the repository, "
        f"list it in .slopolicy.yaml: rules: {{unresolved-reference: {{external: [{external}]}}}}"
        if not names.names else ""
    )
    return Finding(f"{kind} {name!r} is not defined in the checked documents{tip}", doc, path)


class Names:
    """The names a missing one may be a typo of.

    difflib compares a name with every candidate (0.3 s among 10,000 names),
    so a renamed family of SLOs would stall a large check: above SMALL names,
    candidates come from an index of every name with one character deleted,
    which finds the names within about two edits.
    """

    SMALL = 500

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        self._deletions: _Index | None = None
        self._found: dict[str, str | None] = {}

    def closest(self, name: str) -> str | None:
        if name not in self._found:
            self._found[name] = self._closest(name)
        return self._found[name]

    def _closest(self, name: str) -> str | None:
        candidates = self.names
        if len(candidates) > self.SMALL:
            index = self._index()
            candidates = sorted({n for v in _deleted(name) for n in index.get(v)})
        return closest(name, candidates)

    def _index(self) -> _Index:
        if self._deletions is None:
            self._deletions = _deletion_index(self.names)
        return self._deletions


class _Index:
    """Each name with one character deleted -> the names: a few changes over a shared base.

    Never changed once built, so an index derived from it (see
    :func:`_deletion_index`) shares its base and copies only its changes.
    """

    FOLD = 20_000  # changed variants beyond which a derived index gets a base of its own

    def __init__(self, base: dict[str, frozenset[str]],
                 changes: dict[str, frozenset[str]] | None = None) -> None:
        self.base = base
        self.changes = changes or {}

    def get(self, variant: str) -> frozenset[str]:
        found = self.changes.get(variant)
        return found if found is not None else self.base.get(variant, frozenset())

    def entries(self) -> dict[str, frozenset[str]]:
        """Every variant with the names it comes from (for comparing two indexes)."""
        merged = {**self.base, **self.changes}
        return {variant: names for variant, names in merged.items() if names}


# The last few indexes built, with their names. A long-running process (the
# language server) checks the project after every edit: the names are those
# of the last check but for the one being typed, and an index derived from
# the last one costs a few sets instead of 0.7 s for 10,000 names.
_RECENT: list[tuple[frozenset[str], _Index]] = []
_RECENT_KEPT = 4
_DERIVE_LIMIT = 64  # names added or removed, beyond which a new index is cheaper


def _deletion_index(names: list[str]) -> _Index:
    wanted = frozenset(names)
    near = min(_RECENT, key=lambda entry: len(entry[0] ^ wanted), default=None)
    if near is not None and len(near[0] ^ wanted) <= _DERIVE_LIMIT:
        known, last = near
        changes = dict(last.changes)
        for name in known - wanted:
            for variant in _deleted(name):
                changes[variant] = (changes.get(variant) or last.get(variant)) - {name}
        for name in wanted - known:
            for variant in _deleted(name):
                changes[variant] = (changes.get(variant) or last.get(variant)) | {name}
        index = _Index(last.base, changes)
        if len(changes) > _Index.FOLD:
            index = _Index(index.entries())
    else:
        building: dict[str, set[str]] = {}
        for known_name in names:
            for variant in _deleted(known_name):
                building.setdefault(variant, set()).add(known_name)
        index = _Index({variant: frozenset(found) for variant, found in building.items()})
    _RECENT.insert(0, (wanted, index))
    del _RECENT[_RECENT_KEPT:]
    return index


def _deleted(word: str) -> set[str]:
    """``word`` and every string it gives with one character deleted."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _sla_references(ctx: Context, doc: Document, options: Mapping[str, Any]
                    ) -> Iterator[Finding]:
    for index, name, wanted in sla_references(doc):
        path: Path = ("spec", "objectives", index)
        slo = ctx.named(OPENSLO, "SLO", name)
        if slo is None:
            if not _external("SLO", name, options):
                yield _missing(ctx, doc, path + ("slo",), "SLO", name)
            continue
        if wanted is not None:
            names = [n for n in display_names(slo) if n is not None]
            if wanted not in names:
                listed = ", ".join(repr(n) for n in names) or "none with a displayName"
                yield Finding(
                    f"SLO {slo.name!r} has no objective with displayName {wanted!r} "
                    f"(it has {listed})",
                    doc,
                    path + ("objective",),
                )


@functools.cache
def _names_of(kind: str) -> Derived[Names]:
    """The names of ``kind`` in the project, gathered once per run (one key per kind)."""
    return Derived(f"names of {kind}", lambda ctx: Names(ctx.names_of(OPENSLO, kind)))
