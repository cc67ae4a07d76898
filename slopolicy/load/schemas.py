"""The JSON Schemas by (apiVersion, kind), and validation errors as findings.

One bundle (``schemas/slopolicy.schema.json``) holds every kind under
``$defs``, and a second (``schemas/formats.schema.json``) the kinds of the
other formats slopolicy reads (Sloth, Pyrra, Nobl9, OpenSLO v1alpha and
v2alpha), whose references resolve among the first's definitions; a
validator per kind is built once, on first use.

Two validators share the work. A native one (jsonschema-rs) decides whether a
document is valid, which is all most documents need; only a document it
refuses goes through ``jsonschema``, which finds every error and the
keyword, path and value that make the message. Neither is imported until a
document needs it, and ``jsonschema`` not at all in a run where everything is
valid. Where the two could disagree (a number such as ``1.0`` that is
integral but written with a fraction: JSON Schema calls it an integer, the
loader keeps it a decimal), ``jsonschema`` decides.
"""
from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from itertools import repeat
from typing import TYPE_CHECKING, Any

from slopolicy.load.resources import load_json
from slopolicy.model.kinds import declared
from slopolicy.text.hints import did_you_mean
from slopolicy.text.yamlsource import Path

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

BUNDLE = "slopolicy.schema.json"
FORMATS_BUNDLE = "formats.schema.json"
CONFIG = "config.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def def_name(api_version: str, kind: str) -> str:
    return f"{api_version.replace('/', '-')}-{kind}"


def bundle() -> dict[str, Any]:
    value: dict[str, Any] = load_json("schemas", BUNDLE)
    return value


def formats_bundle() -> dict[str, Any]:
    value: dict[str, Any] = load_json("schemas", FORMATS_BUNDLE)
    return value


@functools.lru_cache(maxsize=1)
def all_defs() -> dict[str, Any]:
    """The definitions of both bundles, in one namespace."""
    return {**bundle()["$defs"], **formats_bundle()["$defs"]}


def kinds() -> list[tuple[str, str]]:
    """Every (apiVersion, kind) the bundles define, in their order."""
    from slopolicy.model.kinds import FAMILIES

    named = {def_name(api, kind): (api, kind) for api, members in FAMILIES.items()
             for kind in members}
    return [named[name] for name in all_defs() if name in named]


def kind_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """A standalone schema for one kind (the bundles' $defs, one $ref)."""
    defs = all_defs()
    name = def_name(api_version, kind)
    if name not in defs:
        return None
    return {
        "$schema": DIALECT,
        "$id": f"https://slopolicy.dev/schemas/{api_version}/{kind}.schema.json",
        "title": f"{api_version} {kind}",
        "$ref": f"#/$defs/{name}",
        "$defs": defs,
    }


def _enum(validator: Any, enums: list[Any], instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``enum`` with a set lookup for strings: the time zone list has ~600 names."""
    if isinstance(instance, str):
        key = id(enums)
        members = _ENUM_SETS.get(key)
        if members is None:
            members = _ENUM_SETS[key] = frozenset(e for e in enums if isinstance(e, str))
        if instance in members:
            return
    from jsonschema import Draft202012Validator

    yield from Draft202012Validator.VALIDATORS["enum"](validator, enums, instance, schema)


_ENUM_SETS: dict[int, frozenset[str]] = {}


@functools.lru_cache(maxsize=None)
def _validator_class() -> Any:
    from jsonschema import Draft202012Validator, validators

    types = Draft202012Validator.TYPE_CHECKER.redefine("number", _is_number)
    return validators.extend(Draft202012Validator, {"enum": _enum}, type_checker=types)


def _is_number(checker: Any, instance: Any) -> bool:
    """A finite number: YAML's .nan, .inf and -.inf are no number a document can promise."""
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    if isinstance(instance, Decimal):
        return instance.is_finite()
    return isinstance(instance, float) and math.isfinite(instance)


# Formats are checked, by both validators (by default they only annotate): a date must be on
# the calendar, not only look like YYYY-MM-DD. Each check raises ValueError saying why.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _date(instance: object) -> bool:
    if isinstance(instance, str) and _DATE.fullmatch(instance):
        datetime.date.fromisoformat(instance)
    return True  # other shapes are the pattern's to refuse


def _date_time(instance: object) -> bool:
    if isinstance(instance, str) and instance[:1].isdigit():
        # Python 3.10 reads only 3 or 6 digits of a second's fraction: the calendar is the point
        plain = re.sub(r"[.][0-9]+", "", instance, count=1).replace("Z", "+00:00")
        datetime.datetime.fromisoformat(plain.replace("z", "+00:00"))
    return True


def _local_date_time(instance: object) -> bool:
    if isinstance(instance, str) and _LOCAL_TIME.fullmatch(instance):
        datetime.datetime.fromisoformat(instance)
    return True


FORMATS: dict[str, Callable[[object], bool]] = {
    "date": _date, "date-time": _date_time, "local-date-time": _local_date_time}


def _holds(check: Callable[[object], bool]) -> Callable[[object], bool]:
    def holds(instance: object) -> bool:
        try:
            return check(instance)
        except ValueError:
            return False

    return holds


@functools.lru_cache(maxsize=None)
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(())
    for name, check in FORMATS.items():
        checker.checks(name, raises=ValueError)(check)
    return checker


def _inline(node: Any, defs: Mapping[str, Any], done: dict[str, Any]) -> Any:
    """The schema with every local ``$ref`` replaced by its target.

    The bundle has no recursive definitions, and resolving references on
    every instance is most of jsonschema's time; inlining them once keeps the
    meaning (``$ref`` beside other keywords becomes an ``allOf`` member).
    """
    if isinstance(node, list):
        return [_inline(item, defs, done) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _inline(value, defs, done) for key, value in node.items() if key != "$ref"}
    ref = node.get("$ref")
    if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
        return out
    name = ref[len("#/$defs/"):]
    if name not in done:
        done[name] = _inline(defs[name], defs, done)
    if not out or set(out) <= {"description", "title"}:
        return done[name]
    out["allOf"] = [done[name], *out.get("allOf", [])]
    return out


_INLINED: dict[str, Any] = {}  # the definitions inlined so far, by name, shared by all


def _inlined(name: str) -> Any:
    """One definition with every ``$ref`` inlined; None for a name the bundles lack.

    Only the definitions it reaches are inlined: a check of one kind does not
    walk the other kinds' schemas.
    """
    if name not in _INLINED:
        defs = all_defs()
        if name not in defs:
            return None
        _INLINED[name] = _inline(defs[name], defs, _INLINED)
    return _INLINED[name]


@functools.lru_cache(maxsize=None)
def validator(api_version: str, kind: str) -> Any:
    """The validator of one kind, built once; None for a kind with no schema."""
    schema = _inlined(def_name(api_version, kind))
    if schema is None:
        return None
    return _validator_class()(schema, format_checker=_format_checker())


@functools.lru_cache(maxsize=None)
def config_validator() -> Draft202012Validator:
    found: Draft202012Validator = _validator_class()(load_json("schemas", CONFIG),
                                                     format_checker=_format_checker())
    return found


@functools.lru_cache(maxsize=None)
def native(name: str) -> Any:
    """The native validator of one ``$defs`` name (or ``CONFIG``); None when unavailable."""
    try:
        import jsonschema_rs
    except ImportError:  # no wheel for this platform: jsonschema alone is slower, not wrong
        return None
    schema = _schema(name)
    if schema is None:
        return None
    formats = {name: _holds(check) for name, check in FORMATS.items()}
    return jsonschema_rs.validator_for(schema, formats=formats, validate_formats=True)


def _schema(name: str) -> Any:
    """The schema of one ``$defs`` name, inlined, or the configuration's (``CONFIG``)."""
    return load_json("schemas", CONFIG) if name == CONFIG else _inlined(name)


def valid(name: str, instance: Any) -> bool:
    """Whether the native validator finds ``instance`` valid; False when it cannot tell."""
    fast = native(name)
    if fast is None or not _unambiguous(instance, _integer_keys(name)):
        return False
    try:
        return bool(fast.is_valid(instance))
    except (ValueError, TypeError, OverflowError):
        return False


def _unambiguous(value: Any, integers: frozenset[str] | None, key: str = "") -> bool:
    """No value the two validators could read differently.

    The loader keeps ``1.0`` a decimal, which ``jsonschema`` does not count as
    an integer and JSON Schema does. That matters only where the schema wants
    an integer: under the property names of :func:`_integer_keys` (every
    integral decimal, when the schema wants integers elsewhere too). Every
    document is walked (iteratively: most of its values are text, passed at
    a glance).
    """
    pending: list[tuple[Any, Any]] = [(key, value)]
    pop, extend = pending.pop, pending.extend
    while pending:
        key, value = pop()
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            continue
        if kind is dict:
            extend(value.items())
        elif kind is list:
            extend(zip(repeat(key), value))
        elif isinstance(value, Decimal):
            if not value.is_finite():
                return False
            if (integers is None or key in integers) and value == value.to_integral_value():
                return False
        elif isinstance(value, float):
            return False
    return True


@functools.lru_cache(maxsize=None)
def _integer_keys(name: str) -> frozenset[str] | None:
    """The property names where the schema of ``name`` (a ``$defs`` name, or ``CONFIG``)
    wants an integer; None if some integer it wants has no name."""
    names: set[str] = set()
    unnamed = False

    def walk(node: Any, name: str | None) -> None:
        nonlocal unnamed
        if isinstance(node, list):
            for item in node:
                walk(item, name)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
            if name is None:
                unnamed = True
            else:
                names.add(name)
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for prop, sub in value.items():
                    walk(sub, prop)
            elif key in ("items", "prefixItems", "additionalProperties", "patternProperties",
                         "contains", "propertyNames", "$defs"):
                walk(value, None)
            else:
                walk(value, name)

    walk(_schema(name), None)
    return None if unnamed else frozenset(names)


def document_errors(data: Mapping[str, Any]) -> list[tuple[Path, bool, str]]:
    """(path, points-at-key, message) of every schema error of one document."""
    api_version, kind = declared(data)
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return []
    if valid(def_name(api_version, kind), data):
        return []
    found = validator(api_version, kind)
    if found is None:
        return []
    # one failure can surface through several keywords (allOf, if/then): say it once
    return list(dict.fromkeys(item for error in errors(found, data) for item in describe(error)))


def kind_errors(api_version: str, kind: str, data: Any) -> list[ValidationError]:
    """The errors of a document of a kind the bundle defines, most relevant first."""
    if valid(def_name(api_version, kind), data):
        return []
    found = validator(api_version, kind)
    assert found is not None, f"the schema bundle defines {api_version} {kind}"
    return errors(found, data)


def config_errors(data: Any) -> list[ValidationError]:
    """The errors of a configuration's settings, most relevant first."""
    if valid(CONFIG, data):
        return []
    return errors(config_validator(), data)


def errors(validator: Draft202012Validator, instance: Any) -> list[ValidationError]:
    """Errors, most relevant first, each narrowed to its best sub-error."""
    from jsonschema.exceptions import relevance

    found = sorted(validator.iter_errors(instance), key=relevance, reverse=True)
    return [_narrow(error) for error in found]


def _narrow(error: ValidationError) -> ValidationError:
    from jsonschema.exceptions import relevance

    # anyOf/oneOf report the branch that came closest, as best_match does.
    while error.context and error.validator in ("anyOf", "oneOf") and not _message(error):
        best = sorted(error.context, key=relevance, reverse=True)[0]
        if best.validator in ("not", "required") and len(error.context) > 1:
            break
        error = best
    return error


def describe(error: ValidationError) -> Iterator[tuple[Path, bool, str]]:
    """(path, points-at-key, message) for one error, in users' words.

    Values are shown as the document writes them (``99.75``, ``true``,
    ``[{duration: 28d}]``), never as Python sees them.
    """
    path: Path = tuple(error.absolute_path)
    validator = error.validator
    custom = _message(error)
    if validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = list(error.schema.get("properties", {}))
        for key in _extra_keys(error):
            tip = did_you_mean(str(key), allowed) or (
                f"; allowed here: {', '.join(allowed)}" if allowed else ""
            )
            yield path + (key,), True, f'unknown property "{key}"{tip}'
        return
    if validator == "format":
        yield path, False, _format_message(error)
        return
    if custom:
        if validator == "type":  # say what was written: "99.9" in quotes is text
            custom += f" (got {_shown(error.instance)})"
        yield path, False, custom
        return
    yield path, False, _words(error)


def _words(error: ValidationError) -> str:
    """The message of a failed keyword without a custom one."""
    validator, value, instance = error.validator, error.validator_value, error.instance
    if validator == "required":  # one error per missing key, each naming its key
        return str(error.message).replace("is a required property", "is required here")
    if validator == "enum":
        options = [show(v) for v in value]
        listed = ", ".join(options) if len(options) <= 12 else f"one of {len(options)} values"
        tip = did_you_mean(str(instance), [str(v) for v in value])
        return f"{show(instance)} is not allowed: expected {listed}{tip}"
    if validator == "const":
        return f"{show(instance)} is not allowed: expected {show(value)}"
    if validator == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"expected {expected}, got {_shown(instance)}{_boolean_tip(value, instance)}"
    sized = _SIZES.get(str(validator))
    if sized is not None and isinstance(instance, (list, str, Mapping)):
        what, bound = sized
        unit = "items" if isinstance(instance, list) else (
            "characters" if isinstance(instance, str) else "keys")
        return f"has {len(instance)} {unit}; {bound} {value} allowed"
    bound_text = _BOUNDS.get(str(validator))
    if bound_text is not None:
        return f"{show(instance)} is {bound_text} {show(value)}"
    if validator == "pattern":
        return f"{show(instance)} does not match the pattern {value}"
    if validator == "format":
        return f"{show(instance)} is not a valid {value}"
    if validator == "uniqueItems":
        return "has repeated items; each item must be different"
    if validator in ("oneOf", "anyOf"):
        return f"{show(instance)} matches none of the allowed forms"
    if validator == "not":
        return f"{show(instance)} is not allowed here"
    return str(error.message)


_YAML11_BOOLEANS = {"yes": True, "y": True, "on": True, "true": True,
                    "no": False, "n": False, "off": False, "false": False}


def _boolean_tip(expected: Any, instance: Any) -> str:
    """YAML 1.1's ``yes`` and ``on`` (which some tools read as booleans) are text in YAML 1.2."""
    meant = _YAML11_BOOLEANS.get(instance.lower()) if isinstance(instance, str) else None
    if expected != "boolean" or meant is None:
        return ""
    word = "true" if meant else "false"
    if instance.lower() == word:  # "true" in quotes
        return f"; write {word}, without quotes"
    return f"; write {word} (YAML 1.2 reads {show(instance)} as text)"


_SIZES = {
    "maxItems": ("items", "at most"), "minItems": ("items", "at least"),
    "maxLength": ("characters", "at most"), "minLength": ("characters", "at least"),
    "maxProperties": ("keys", "at most"), "minProperties": ("keys", "at least"),
}
_BOUNDS = {
    "minimum": "below the minimum", "maximum": "above the maximum",
    "exclusiveMinimum": "not above", "exclusiveMaximum": "not below",
}


def show(value: Any) -> str:
    """A value as YAML writes it in flow style: ``99.75``, ``true``, ``"28d"``, ``[a, b]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, Mapping):
        text = "{" + ", ".join(f"{_plain(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_flow(v) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _flow(value: Any) -> str:
    return _plain(value) if isinstance(value, str) else show(value)


def _plain(value: Any) -> str:
    """A string unquoted where YAML would read it back as the same string."""
    text = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-/]*", text) and text not in _YAML_WORDS:
        return text
    return _quoted(text)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")


def _quoted(text: str) -> str:
    """YAML's single-quoted style: ``'It''s'``; double-quoted with escapes (``"a\\nb"``) for
    text that holds a line break or another control character, which a report line
    must never print as it is (a forged line, a terminal escape)."""
    if _UNPRINTABLE.search(text):
        return '"' + _UNPRINTABLE.sub(_escape, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'
    return "'" + text.replace("'", "''") + "'"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}")


_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        return {"NaN": ".nan", "Infinity": ".inf", "-Infinity": "-.inf"}.get(str(value), str(value))
    text = format(value, "f")
    return text


def _format_message(error: ValidationError) -> str:
    """Why a value of the right shape is not what it looks like (2025-02-30 is no day)."""
    cause = f": {error.cause}" if error.cause is not None else ""
    what = {"date": "a date on the calendar (YYYY-MM-DD)",
            "date-time": "a real date and time (ISO 8601 with a zone)",
            "local-date-time": "a real date and time (YYYY-MM-DD hh:mm:ss)"}
    shown = what.get(str(error.validator_value), f"a valid {error.validator_value}")
    return f"{show(error.instance)} is not {shown}{cause}"


def _message(error: ValidationError) -> str:
    """A schema's own words for a failed constraint (``errorMessage``).

    The texts stand alone, because editors (yaml-language-server) show them
    as they are: no placeholder. One that starts with "not " and fails a check
    of a value (its pattern, length, type) is said of that value, which a
    terminal shows before it: ``'Check Out' is not a valid name: ...``.
    """
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    message = schema.get("errorMessage")
    if not isinstance(message, str):
        return ""
    if message.startswith("not ") and error.validator in _VALUE_CHECKS:
        return f"{show(error.instance)} is {message}"
    return message


_VALUE_CHECKS = frozenset({"pattern", "format", "minLength", "maxLength", "type", "enum",
                           "const"})


def _extra_keys(error: ValidationError) -> list[Any]:
    schema = error.schema
    props = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [
        key
        for key in error.instance
        if key not in props and not any(re.search(p, str(key)) for p in patterns)
    ]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"string {show(value)}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (float, Decimal)) and not _is_number(None, value):
        if value != value:  # NaN is unequal to itself
            return ".nan, not a number"
        return "-.inf, an infinity" if value < 0 else ".inf, an infinity"
    if isinstance(value, (int, float, Decimal)):
        return f"number {show(value)}"
    return show(value)
