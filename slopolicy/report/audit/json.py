"""The audit as JSON: the contract the other audit formats are derived from.

Timeline::

    {"version": 1, "agreements": [{"document": "SLA/name", "file": "...", "versions": [
        {"commit": "<40 hex>", "author": "Name <email>", "date": "ISO 8601", "version": 3,
         "effective": {"from": "2025-01-01", "until": null}, "change": "tightened",
         "changes": [{"path": "...", "from": 99.9, "to": 99.95, "direction": "tightened"}],
         "approvals": [{"identity": "...", "role": "legal", "evidence": "signed",
                        "valid": true, "reason": null, ...}],
         "compliant": true, ...}]}]}

Snapshot (``--as-of``/``--known-at``)::

    {"version": 1, "asOf": "2025-06-30", "knownAt": null,
     "agreements": [{"document": "...", "version": 2, "commit": "...", "effective": {...},
                     "terms": {...}}],
     "retroactive": [...]}
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from msgspec import Struct

from slopolicy import __version__
from slopolicy.changes.approvals import ApprovalResult, Evidence
from slopolicy.gitops.audit import (
    Agreement,
    AuditReport,
    Change,
    InForce,
    PolicyEdit,
    Version,
    rewritten_by,
)
from slopolicy.report.changes.json import earlier_json, field_json, json_value, replaces_json


def report(report: AuditReport, stream: TextIO) -> None:
    """The terms in force on the date asked (``--as-of``, ``--known-at``), else the timeline."""
    (snapshot if report.as_of is not None else timeline)(report, stream)


def timeline(report: AuditReport, stream: TextIO) -> None:
    # Written agreement by agreement, version by version: a long history's whole JSON
    # as Python values would take many times the memory of its text.
    _write(timeline_json(report, lazy=True), 0, stream)
    stream.write("\n")


def snapshot(report: AuditReport, stream: TextIO) -> None:
    _dump(snapshot_json(report), stream)


_SCALARS = {None: "null", True: "true", False: "false"}
_string: Callable[[str], str] = json.encoder.encode_basestring
# json.dumps(value, ensure_ascii=False), without making an encoder per call: the C encoder,
# made once (JSONEncoder.encode makes one a call; a report's values hold no cycle to look for)
_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_encode: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False).encode
if _make_encoder is not None:
    _c_encode = _make_encoder(None, json.JSONEncoder().default, _string, None, ": ", ", ", False,
                              False, True)

    def _encode_c(value: Any) -> str:
        return "".join(_c_encode(value, 0))

    _encode = _encode_c
# Objects and lists are laid out one member a line down to this depth (a version's fields);
# deeper values are written on one line by the C encoder: json's indent= is pure Python, and
# the largest part of an audit of a long history.
EXPANDED = 5
_CONTAINERS = frozenset({dict, list})
# A value no report writes (JSON writes it "\u0000"): put between the members of a list, it
# marks where one member's text ends in the text of the whole list.
_MARK = "\0"
_MARKED = f", {_string(_MARK)}, "


def _one_lines(values: Sequence[Any]) -> list[str]:
    """Each value as one line of JSON, made by one call of the C encoder for them all.

    A call per value costs twice as much: most of a version's fields are short. Should a
    value hold the mark itself, the text splits into more parts than there are values, and
    each is encoded alone.
    """
    written = [i for i, value in enumerate(values) if type(value) is _Json]
    marked = [_MARK] * (2 * len(values) - 1)
    marked[::2] = values
    for i in written:
        marked[2 * i] = _MARK  # its text is put in its place below
    parts = _encode(marked)[1:-1].split(_MARKED)
    if len(parts) != len(values):
        return [value.text if type(value) is _Json else _encode(value) for value in values]
    for i in written:
        parts[i] = values[i].text
    return parts


@functools.lru_cache(maxsize=1024)
def _object_template(keys: tuple[str, ...], depth: int) -> str:
    """An object laid out one member a line, its members' values left as ``%s``."""
    pad = "  " * (depth + 1)
    members = ",\n".join(f"{pad}{_string(key).replace('%', '%%')}: %s" for key in keys)
    return "{\n" + members + "\n" + "  " * depth + "}"


class _Json:
    """JSON text, written as it is: a value that many changes share, encoded once."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Shared:
    """The JSON of the values that many changes of one report share, each encoded once.

    The judging keeps one copy of each equal requirement table and shortfall (a long
    history has a handful), so a value is known by the object it is made of.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[str, int], tuple[object, _Json]] = {}

    def json(self, what: str, source: object, make: Callable[[], Any]) -> _Json:
        """The JSON text of ``make()``, made the first time ``what`` of ``source`` is asked
        for."""
        key = (what, id(source))
        found = self._found.get(key)
        if found is None or found[0] is not source:  # an id is another object's once freed
            found = self._found[key] = (source, _Json(_encode(make())))
        return found[1]


def _dump(data: dict[str, Any], stream: TextIO) -> None:
    stream.write(_layout(data, 0))
    stream.write("\n")


class _Streamed(Struct, frozen=True):
    """A list written member by member, each made only when it is written."""

    items: Sequence[Any]
    make: Callable[[Any], Any]


def _each(items: Sequence[Any], make: Callable[[Any], Any], lazy: bool) -> Any:
    return _Streamed(items, make) if lazy else [make(item) for item in items]


def _write(value: Any, depth: int, stream: TextIO) -> None:
    """``_layout(value, depth)`` written to ``stream``, streamed lists made as they go."""
    kind = type(value)
    if kind is _Streamed:
        members: Iterable[Any] = (value.make(item) for item in value.items)
        if not value.items:
            stream.write("[]")
            return
        opening, closing = "[\n", "]"
    elif kind is dict and value and depth < EXPANDED and _Streamed in map(type, value.values()):
        members = value.items()
        opening, closing = "{\n", "}"
    else:
        stream.write(_layout(value, depth))
        return
    pad = "  " * (depth + 1)
    stream.write(opening)
    for number, member in enumerate(members):
        stream.write(",\n" + pad if number else pad)
        if kind is dict:
            key, member = member
            stream.write(f"{_string(str(key))}: ")
        _write(member, depth + 1, stream)
    stream.write("\n" + "  " * depth + closing)


def _layout(value: Any, depth: int) -> str:
    """``value`` as JSON: objects and lists one member a line above depth ``EXPANDED``, each
    member indented by two spaces a level, anything deeper (or empty) on one line."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None or kind is bool:
        return _SCALARS[value]
    if kind is int:
        return str(value)
    if kind is _Json:
        return str(value.text)
    if depth >= EXPANDED or kind not in _CONTAINERS or not value:
        return _encode(value)
    members = value.values() if kind is dict else value
    if depth + 1 >= EXPANDED or not _CONTAINERS.intersection(map(type, members)):
        parts = _one_lines(list(members))  # every member on one line
    else:
        parts = [_layout(member, depth + 1) for member in members]
    if kind is dict:
        return _object_template(tuple(map(str, value)), depth) % tuple(parts)
    pad = "  " * (depth + 1)
    return "[\n" + pad + (",\n" + pad).join(parts) + "\n" + "  " * depth + "]"


# -- timeline ------------------------------------------------------------------------

def timeline_json(report: AuditReport, lazy: bool = False) -> dict[str, Any]:
    """The timeline as JSON values (``lazy``: its long lists made as they are written)."""
    agreements = report.shown()
    failed = report.failures()
    shared = _Shared() if lazy else None  # values made to be written, not handed back
    return {
        "version": 1,
        "tool": {"name": "slopolicy", "version": __version__},
        "repository": _repository(report),
        "range": {"since": _iso(report.since), "until": _iso(report.until)},
        "summary": {
            "agreements": len(agreements),
            "versions": sum(len(report.versions(a)) for a in agreements),
            "nonCompliant": len(failed),
        },
        "failures": _each(failed, _failure_json, lazy),
        "agreements": _each(agreements,
                            lambda a: agreement_json(a, report.versions(a), lazy, shared), lazy),
        "policy": {"file": _policy_file(report),
                   "changes": [policy_change_json(c) for c in report.policy_changes()]},
    }


def _failure_json(change: Change) -> dict[str, Any]:
    return {"commit": change.commit.sha, "document": change.label,
            "version": json_value(change.number) if isinstance(change, Version) else None,
            "change": change.status, "missing": change.missing_text()}


def _policy_file(report: AuditReport) -> str | None:
    changes = report.history.policy_changes
    return changes[-1].config_file if changes else None


def policy_change_json(change: PolicyEdit) -> dict[str, Any]:
    return {
        "commit": change.commit.sha,
        "author": change.commit.author,
        "date": change.commit.date.isoformat(),
        "subject": change.commit.subject,
        "change": "policy",
        "files": [{"path": path, "change": state} for path, state in change.files],
        **_judged(change),
        "digest": change.subject.digest,
    }


def _judged(change: Change, shared: _Shared | None = None) -> dict[str, Any]:
    """The approvals found, what the policy of the parent commit required, and the verdict."""
    result = change.result
    required: Any
    missing: Any
    if shared is not None and result is not None:
        required = shared.json("required", result.requirements, lambda: _required(result))
        missing = shared.json("missing", result.missing, lambda: _missing(result))
    else:
        required, missing = _required(result), _missing(result)
    return {
        "approvals": [evidence_json(e, change, i)
                      for i, e in enumerate(result.evidence if result else ())],
        "required": required,
        "missing": missing,
        "unsignedCommits": list(result.unsigned if result else ()),
        "policy": _policy(change),
        "compliant": change.compliant,
    }


def _policy(change: Change) -> dict[str, Any]:
    """The commit whose policy judged the change; where a policy edit before it was never
    approved, the policy before that edit judged it, and ``notApproved`` names the edit."""
    if change.overruled is None:
        return {"commit": change.parent, "error": change.policy.error}
    return {"commit": change.policy.commit, "error": change.policy.error,
            "notApproved": change.overruled.sha}


def _required(result: ApprovalResult | None) -> list[dict[str, Any]]:
    return [{"class": c, "role": r.role, "count": r.count}
            for c, reqs in (result.requirements.items() if result else ()) for r in reqs]


def _missing(result: ApprovalResult | None) -> list[dict[str, Any]]:
    return [{"class": m.change_class, "role": m.role, "count": m.missing,
             "holders": list(m.holders)} for m in (result.missing if result else ())]


def _repository(report: AuditReport) -> dict[str, Any]:
    history = report.history
    return {"name": report.name, "head": history.head, "date": _iso(history.head_date),
            "commitsWalked": len(history.commits)}


def agreement_json(agreement: Agreement, versions: list[Version], lazy: bool = False,
                   shared: _Shared | None = None) -> dict[str, Any]:
    spec = agreement.latest.doc.spec
    return {
        "document": agreement.label,
        "file": agreement.file,
        "files": agreement.files,
        "customer": json_value(spec.get("customer")),
        "service": json_value(spec.get("service")),
        "removed": agreement.removed,
        "versions": _each(versions, lambda v: version_json(v, shared), lazy),
        "moves": [{"commit": m.commit.sha, "date": m.commit.date.isoformat(), "from": m.before,
                   "to": m.after} for m in agreement.moves],
    }


def version_json(version: Version, shared: _Shared | None = None) -> dict[str, Any]:
    start, end = version.effective
    return {
        "commit": version.commit.sha,
        "author": version.commit.author,
        "date": version.commit.date.isoformat(),
        "subject": version.commit.subject,
        "file": version.file,
        "version": json_value(version.number),
        "effective": {"from": json_value(start), "until": json_value(end)},
        "change": version.status,
        "classes": sorted(version.change.classes),
        "changes": [field_json(f) for f in version.change.fields],
        **_judged(version, shared),
        "retroactive": version.retroactive,
        "digest": version.subject.digest,
        # added back: compared with the version removed, as the gate's ``earlier``
        **({"earlier": earlier_json(version.change.earlier)}
           if version.change.earlier is not None else {}),
        **({"earlierAlso": [earlier_json(e) for e in version.change.earlier_also]}
           if version.change.earlier_also else {}),
        # given terms as its commit took another agreement's away: compared with each, as the
        # gate's ``replaces``
        **({"replaces": replaces_json(version.change)} if version.change.replaces else {}),
        **({"replacesMore": version.change.replaces_more} if version.change.replaces_more
           else {}),
    }


def evidence_json(evidence: Evidence, version: Change, index: int) -> dict[str, Any]:
    span = version.recorded.get(index)
    return {
        "identity": evidence.identity,
        "role": evidence.role or ", ".join(sorted(evidence.roles)) or None,
        "evidence": evidence.evidence,
        "valid": evidence.valid,
        "reason": evidence.reason or None,
        "source": evidence.source,
        "recorded": {"commit": span.commit.sha, "date": span.commit.date.isoformat()}
        if span else None,
    }


# -- snapshot ------------------------------------------------------------------------

def snapshot_json(report: AuditReport) -> dict[str, Any]:
    answers = report.answers or []
    return {
        "version": 1,
        "tool": {"name": "slopolicy", "version": __version__},
        "repository": _repository(report),
        "asOf": report.as_of.isoformat() if report.as_of else None,
        "knownAt": _iso(report.known_at),
        "agreements": [in_force_json(a.agreement, a.version) for a in answers
                       if a.version is not None],
        "retroactive": [retroactive_json(a) for a in answers if a.differs],
    }


def in_force_json(agreement: Agreement, version: Version) -> dict[str, Any]:
    start, end = version.effective
    return {
        "document": agreement.label,
        "file": version.file,
        "version": json_value(version.number),
        "commit": version.commit.sha,
        "recorded": version.commit.date.isoformat(),
        "author": version.commit.author,
        "effective": {"from": json_value(start), "until": json_value(end)},
        "compliant": version.compliant,
        "terms": json_value(version.doc.spec),
    }


def retroactive_json(answer: InForce) -> dict[str, Any]:
    later = rewritten_by(answer)
    return {
        "document": answer.agreement.label,
        "kind": "rewritten" if answer.rewritten else "recorded-later",
        "asKnownOn": answer.on.isoformat(),
        "then": _brief(answer.then),
        "now": _brief(answer.version),
        "rewrittenBy": None if later is None else {
            "commit": later.commit.sha, "date": later.commit.date.isoformat(),
            "author": later.commit.author, "version": json_value(later.number)},
    }


def _brief(version: Version | None) -> dict[str, Any] | None:
    if version is None:
        return None
    start, end = version.effective
    return {"version": json_value(version.number), "commit": version.commit.sha,
            "effective": {"from": json_value(start), "until": json_value(end)}}


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
