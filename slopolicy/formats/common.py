"""What every format's mapping shares: the mapped object, names, durations, numbers.

A mapping reads one document of another format (plain data, or ruamel.yaml's
round-trip data with its comments) and gives the OpenSLO v1 objects it
means, each with the paths that place its parts in the original, what it
assumed where the original is silent, and notes on what OpenSLO v1 cannot
say. A mapping never raises: what it cannot read it leaves out, and the
schema of the original's format reports why.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from msgspec import Struct, field

from slopolicy.text.yamlsource import Path, too_long_number

OPENSLO = "openslo/v1"
INDICATOR_ANNOTATION = "slopolicy/indicator"
THRESHOLD_ANNOTATION = "slopolicy/threshold"
SERVICE_ANNOTATION = "slopolicy/service"


class Mapped(Struct):
    """One OpenSLO v1 object mapped from a document of another format.

    ``data`` is the object (an SLO keeps its SLI inline, in
    ``spec.indicator``); ``paths`` pairs its paths with the original's;
    ``assumptions`` are (original path, what slopolicy took where the original
    is silent); ``notes`` are (original path, what OpenSLO v1 cannot say);
    ``lacks`` are what the object lacks that OpenSLO v1 requires (see
    :class:`Lack`); ``left_out`` are the original's paths of whole SLOs the
    mapping could not read (an SLO with no name), each also a note.
    """

    kind: str
    data: dict[str, Any]
    paths: list[tuple[Path, Path]] = field(default_factory=list)
    assumptions: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[tuple[Path, str]] = field(default_factory=list)
    lacks: list[Lack] = field(default_factory=list)
    left_out: list[Path] = field(default_factory=list)

    def assume(self, source: Path, text: str) -> None:
        self.assumptions.append((source, text))

    @property
    def name(self) -> str:
        return str(self.data["metadata"]["name"])

    def put(self, path: Path, value: Any, source: Path | None = None) -> None:
        """Set ``path`` (creating the mappings on the way) to ``value``, said at ``source``."""
        node: dict[Any, Any] = self.data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        if source is not None:
            self.paths.append((path, source))

    def note(self, source: Path, text: str) -> None:
        self.notes.append((source, text))

    def lack(self, here: Path, key: str, source: Path, text: str) -> None:
        """The object has no ``key`` in ``here``, which OpenSLO v1 requires; ``text``, said
        at ``source``, tells the user what to add."""
        self.lacks.append(Lack(here, key, source, text))


class Lack(Struct, frozen=True):
    """A key OpenSLO v1 requires that the original gives nothing to write for.

    The object is written without it, for the user to complete: ``text`` (at
    ``source`` in the original) says why and what to add, and stands for the
    schema error the written object has at ``here`` that names ``key``.
    """

    here: Path  # in the mapped object
    key: str
    source: Path  # in the original
    text: str


def new(kind: str, name: str, at: Path) -> Mapped:
    """An OpenSLO v1 object of ``kind`` named ``name``, said by the original at ``at``."""
    return Mapped(kind, {"apiVersion": OPENSLO, "kind": kind, "metadata": {"name": name}},
                  [((), at)])


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def items(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def own(value: Any) -> Any:
    """A copy of a mapping of the original, to add to (keeping ruamel.yaml's comments in it).

    Any other value (labels written as text or a number) is given as it is: the
    schema of the original's format reports it, and the mapping has no keys to add.
    """
    if not isinstance(value, Mapping):
        return value
    copy = getattr(value, "copy", None)
    return copy() if callable(copy) else dict(value)


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# -- names ---------------------------------------------------------------------

_NOT_IN_NAME = re.compile(r"[^a-z0-9-]+")


def object_name(raw: str) -> str:
    """``raw`` as an OpenSLO name (an RFC 1123 label): lower case, ``-`` for the rest, 63 at most."""
    name = _NOT_IN_NAME.sub("-", raw.lower()).strip("-")
    name = re.sub("-{2,}", "-", name)[:63].strip("-")
    return name or "unnamed"


def named(mapped: Mapped, raw: str, source: Path) -> None:
    """Note when the original's name had to change to be an OpenSLO name."""
    if mapped.name != raw:
        mapped.note(source, f"name {raw!r} is not an OpenSLO name (an RFC 1123 label): "
                            f"it is {mapped.name!r} here")


_LABEL_KEY = re.compile(r"[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?")


def put_metadata(result: Mapped, metadata: Mapping[str, Any]) -> None:
    """A Kubernetes object's labels and annotations as the OpenSLO v1 object's.

    An OpenSLO v1 label key is one segment; a Kubernetes one may have a prefix
    (``pyrra.dev/team``), as an annotation key may. Such a label becomes an
    annotation, with a note, so that the converted object stays valid.
    """
    labels = mapping(metadata.get("labels"))
    annotations = own(mapping(metadata.get("annotations")))
    kept = own(labels)
    for key in labels:
        if not _LABEL_KEY.fullmatch(str(key)):
            annotations.setdefault(key, kept.pop(key))
            result.paths.append((("metadata", "annotations", key), ("metadata", "labels", key)))
            result.note(("metadata", "labels", key),
                        f"label {key!r} has a key that an OpenSLO v1 label cannot have (one "
                        "segment of letters, digits, '-', '_' and '.', 63 at most): it is an "
                        "annotation here")
    if kept:
        result.put(("metadata", "labels"), kept, ("metadata", "labels"))
    if annotations:
        result.put(("metadata", "annotations"), annotations, ("metadata", "annotations"))


# -- numbers and durations -----------------------------------------------------

def number(value: object) -> Decimal | None:
    """A number written as a number or as text (Pyrra's ``target: "99.5"``), exactly; None
    for one too long to work with exactly (``"1e-99999999"``), as the loader refuses it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)):
        text = str(value).strip()
        try:
            found = Decimal(text)
        except InvalidOperation:
            return None
        return found if found.is_finite() and not too_long_number(text, found) else None
    return None


_PROMETHEUS_UNITS = {"y": 365 * 86_400_000, "w": 604_800_000, "d": 86_400_000,
                     "h": 3_600_000, "m": 60_000, "s": 1_000, "ms": 1}
_PROMETHEUS_DURATION = re.compile(r"(?:[0-9]+(?:ms|y|w|d|h|m|s))+")
_PROMETHEUS_PART = re.compile(r"([0-9]+)(ms|y|w|d|h|m|s)")


def prometheus_ms(value: object) -> int | None:
    """A Prometheus duration (``2w``, ``1d12h``, ``500ms``) in milliseconds; None if it is not one."""
    if not isinstance(value, str) or not _PROMETHEUS_DURATION.fullmatch(value.strip()):
        return None
    return sum(int(n) * _PROMETHEUS_UNITS[u] for n, u in _PROMETHEUS_PART.findall(value))


_SHORTHAND_UNITS = (("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000))


def shorthand(ms: int, written: str | None = None) -> str | None:
    """An OpenSLO duration-shorthand of a fixed length: as written when it is one, else in days,
    hours or minutes; None when it is not whole minutes."""
    if written is not None and re.fullmatch(r"[1-9][0-9]*[mhdw]", written.strip()):
        return written.strip()
    for unit, size in _SHORTHAND_UNITS[1:]:
        if ms > 0 and ms % size == 0:
            return f"{ms // size}{unit}"
    return None


def threshold(seconds: Decimal) -> str:
    """A latency threshold in seconds as slopolicy writes one: ``50ms``, ``1s``, ``2500ms``."""
    ms = seconds * 1000
    if ms == ms.to_integral_value() and ms % 1000 == 0:
        return f"{int(ms) // 1000}s"
    if ms == ms.to_integral_value():
        return f"{int(ms)}ms"
    return f"{format(ms.normalize(), 'f')}ms"


def prometheus_source(query: Any) -> dict[str, Any]:
    """An OpenSLO metric of one Prometheus query."""
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


NO_GENERATED_RULES = (
    "{tool} generates Prometheus recording rules and alerts from this document; OpenSLO v1 "
    "has no form for them, so the converted documents do not carry them: keep generating "
    "them from the original, or write OpenSLO AlertPolicy documents")
