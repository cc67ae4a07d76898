""".slopolicy.yaml: discovery, validation, defaults and ``extends``, read through a reader.

The configuration is read from the working tree or at a git ref by the same
code (:mod:`slopolicy.load.readers`); the presets ship with slopolicy. A
configuration error is never a finding: it is a :class:`ConfigError`
(exit 2) that names the file as the user knows it (``path``, or ``REF:path``
at a ref), the line and the key.
"""
from __future__ import annotations

import datetime
import decimal
import posixpath
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from slopolicy.load import discovery, schemas
from slopolicy.load.readers import Reader, WorktreeReader
from slopolicy.load.resources import data_dir
from slopolicy.model.errors import ConfigError
from slopolicy.model.problems import format_path
from slopolicy.model.waivers import FILENAME as FILENAME  # the configuration file
from slopolicy.model.waivers import Waiver
from slopolicy.rules import Range, Rule
from slopolicy.slo.dominance import NO_ASSUMPTIONS, Assumptions
from slopolicy.text.decoding import decode
from slopolicy.text.hints import closest_list, did_you_mean
from slopolicy.text.yamlsource import (
    LoadError,
    Positions,
    contains,
    iter_documents,
    locate,
    locate_key,
)

MISNAMED = ".slopolicy.yml"  # the configuration under the other YAML suffix
PRESETS = ("default", "strict")
DEFAULT_INCLUDE = ("**/*.yaml", "**/*.yml", "**/*.json")
DEFAULT_EXCLUDE = (
    ".git/",
    "node_modules/",
    ".venv/",
    "venv/",
    ".tox/",
    ".slopolicy.yaml",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
)
MAX_EXTENDS = 16  # files in one extends chain
# The presets (extends: default | strict) ship with slopolicy.
_PRESETS: Reader = WorktreeReader(data_dir("presets"), label="slopolicy's presets")


class RuleSetting(Struct, frozen=True):
    severity: str  # error | warning | info | off
    options: Mapping[str, Any]



class Config(Struct):
    root: Path  # documents globs are relative to this folder
    path: Path | None = None  # the file read, if any
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    approvals: dict[str, Any] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    house_rules: list[str] = field(default_factory=list)  # the files `policies:` lists
    plugins: list[str] = field(default_factory=list)
    assumptions: Assumptions = NO_ASSUMPTIONS  # what the user declared about traffic

    def setting(self, rule: Rule) -> RuleSetting:
        return self.rules.get(rule.id, RuleSetting(rule.severity, rule.options))


Layer = tuple[str | None, Positions | None, dict[str, Any]]


class Settings(Struct):
    """A configuration as read: its settings over what it extends, and where it was read.

    Not yet checked against the rules (see :func:`read`).
    """

    data: dict[str, Any]
    reader: Reader  # the side it was read from: the working tree, or a commit
    path: str | None = None  # the configuration file there; None: the default preset alone
    files: dict[str, bytes] = field(default_factory=dict)  # it and the files it extends, read
    # it and what it extends, nearest first, each as written: (name shown, or None for a
    # preset; where its keys are; its settings)
    layers: list[Layer] = field(default_factory=list)

    @property
    def folder(self) -> str:
        """The folder of the file: ``policies:`` and the document globs are relative to it."""
        return posixpath.dirname(self.path) if self.path else ""

    @property
    def shown(self) -> str:
        """The file as a message names it (``path``, or ``REF:path`` at a ref)."""
        return self.reader.shown(self.path) if self.path is not None else "preset"


def find(reader: Reader, start: str) -> str | None:
    """The nearest .slopolicy.yaml from the folder ``start`` up to the repository root."""
    folder = start
    while True:
        candidate = reader.join(folder, FILENAME)
        if reader.exists(candidate):
            return candidate
        misnamed = reader.join(folder, MISNAMED)
        if reader.exists(misnamed):  # never passed over in silence for the default settings
            raise ConfigError(f"{reader.shown(misnamed)}: slopolicy reads its configuration from "
                              f"{FILENAME}; rename the file")
        parent = posixpath.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load(reader: Reader, path: str | None, repo_root: Path, rules: Mapping[str, Rule]) -> Config:
    """Read ``path`` on ``reader`` (or only the default preset when None) over the defaults."""
    return build(read(reader, path), repo_root, rules)


def read(reader: Reader, path: str | None) -> Settings:
    """The settings of ``path`` merged over its presets, not yet checked against rules.

    Split from :func:`build` because ``policies`` and ``plugins`` add rules:
    the registry is complete only after reading them.
    """
    settings = Settings({"extends": "default"}, reader, path)
    positions = None  # where the file's own keys are written
    if path is not None:
        data, positions, settings.files[path] = _read(reader, path)
        settings.layers.append((settings.shown, positions, data))
        settings.data = {**data, "extends": data.get("extends", "default")}
    settings.data = _with_presets(settings.data, reader, path, (), settings.files, positions,
                                  settings.layers)
    return settings


def chain(reader: Reader, path: str) -> dict[str, bytes]:
    """The configuration file and every file it ``extends``, as far as they read (presets aside).

    What a policy change is made of. Unlike :func:`read` it never fails: a
    file that is missing or does not parse ends the chain.
    """
    found: dict[str, bytes] = {}
    current: str | None = path
    while current is not None and current not in found and len(found) < MAX_EXTENDS:
        data = reader.read_one(current)
        if data is None:
            break
        found[current] = data
        current = _extends(reader, current, data)
    return found


def _extends(reader: Reader, path: str, data: bytes) -> str | None:
    text, _ = decode(data)
    first = next(iter_documents(text), None) if text is not None else None
    if first is None or isinstance(first, LoadError) or not isinstance(first.data, Mapping):
        return None
    target = first.data.get("extends")
    if not isinstance(target, str) or target in PRESETS:
        return None
    return reader.join(posixpath.dirname(path), target)


def build(settings: Settings, repo_root: Path, rules: Mapping[str, Rule]) -> Config:
    """Settings from :func:`read` -> a Config, checking rule ids and options."""
    path = repo_root / settings.path if settings.path is not None else None
    try:
        return _build(settings.data, path, repo_root / settings.folder, settings.shown, rules)
    except ConfigError as exc:
        raise _with_line(exc, settings) from None


def _with_line(exc: ConfigError, settings: Settings) -> ConfigError:
    """The error at the line and column of its key, in the file that writes it: this one, or
    one it extends."""
    shown = settings.shown
    if not exc.key or settings.path is None or not str(exc).startswith(shown + ": "):
        return exc  # no key, or not about this file
    found = origin(settings.layers, exc.key)
    if found is None:  # a preset's key, written in no file
        return exc
    name, tree, key = found
    line, column = locate_key(tree, key)
    rest = str(exc)[len(shown) + 2:]
    if key[:2] != exc.key[:2]:  # an entry of a merged list: named by its place in its file
        rest = rest.replace(f"{key[0]}[{exc.key[1]}]", f"{key[0]}[{key[1]}]", 1)
    return ConfigError(f"{name}:{line}:{column}: {rest}", exc.key)


_LISTS = ("waivers", "policies", "plugins")  # merged as base's entries, then the file's own


def origin(layers: list[Layer], key: tuple[Any, ...]
           ) -> tuple[str, Positions, tuple[Any, ...]] | None:
    """The file that writes the merged setting at ``key``, where its keys are, and the key
    there: a setting is the nearest file's, a list entry the file that holds it at its place
    in the merged list."""
    head, *rest = key
    if head in _LISTS and rest and isinstance(rest[0], int):
        index = rest[0]
        for name, tree, data in reversed(layers):  # the deepest file's entries come first
            count = len(data.get(head) or [])
            if index < count:
                return _written(name, tree, (head, index, *rest[1:]))
            index -= count
        return None
    for name, tree, data in layers:  # the nearest file that writes it wins
        written = data.get(head)
        if head == "rules" and rest:
            written = (written or {}).get(rest[0]) if isinstance(written, Mapping) else None
        if written is not None:
            return _written(name, tree, key)
    return None


def _written(name: str | None, tree: Positions | None, key: tuple[Any, ...]
             ) -> tuple[str, Positions, tuple[Any, ...]] | None:
    if name is None or tree is None or not contains(tree, key):
        return None
    return name, tree, key


def _read(reader: Reader, path: str) -> tuple[dict[str, Any], Positions | None, bytes]:
    """One configuration file: its settings (schema checked), where they are written, and its
    bytes.

    Parsed once, with positions: a configuration is small, and its waivers and any error
    need them.
    """
    shown = reader.shown(path)
    raw = reader.read_one(path)
    if raw is None:
        why = "no such file" if not reader.exists(path) else "not a readable file"
        raise ConfigError(f"{shown}: cannot read: {why}")
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        raise ConfigError(f"{shown}:{problem.line}:{problem.column}: {problem.message}")
    docs = list(iter_documents(text, positions=True))
    for doc in docs:
        if isinstance(doc, LoadError):
            raise ConfigError(f"{shown}:{doc.line}:{doc.column}: {doc.message}")
        if doc.error:
            raise ConfigError(f"{shown}:{doc.error.line}:{doc.error.column}: {doc.error.message}")
        for issue in doc.issues:
            raise ConfigError(f"{shown}:{issue.line}:{issue.column}: {issue.message}")
    first = docs[0] if docs and not isinstance(docs[0], LoadError) else None
    if first is None or first.data is None:
        return {}, None, raw
    data, positions = first.data, first.positions
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}:1:1: the configuration must be a mapping of settings")
    _validate(shown, positions, data)
    _mark_waivers(path, positions, data)
    return data, positions, raw


class _Entry(dict):  # type: ignore[type-arg]
    """A waiver's settings, remembering where they are written (unused-waiver points there)."""

    file: str | None = None  # repository-relative, as problems name files
    line: int = 0


def _mark_waivers(path: str, positions: Positions | None, data: dict[str, Any]) -> None:
    waivers = data.get("waivers") or []
    if not waivers:
        return
    marked = []
    for index, waiver in enumerate(waivers):
        entry = _Entry(waiver)
        entry.file = path
        entry.line = locate(positions, ("waivers", index))[0]
        marked.append(entry)
    data["waivers"] = marked


def _validate(path: str, positions: Positions | None, data: dict[str, Any]) -> None:
    errors = schemas.config_errors(data)
    if not errors:
        return
    for where, key, message in schemas.describe(errors[0]):
        line, column = (locate_key if key else locate)(positions, where)
        shown = format_path(where) or "(top level)"
        raise ConfigError(f"{path}:{line}:{column}: {shown}: {message}")


def _with_presets(raw: dict[str, Any], reader: Reader, path: str | None,
                  seen: tuple[tuple[str, str], ...], files: dict[str, bytes],
                  positions: Positions | None = None,
                  layers: list[Layer] | None = None) -> dict[str, Any]:
    """``raw`` merged over what it extends; each file read is added to ``files``, and to
    ``layers`` as written.

    ``positions`` are ``raw``'s in its file: an error names the line of ``extends``.
    """
    base_name = raw.get("extends")
    if not base_name:
        return raw
    where = reader.shown(path) if path is not None else "preset"
    if path is not None and positions is not None:
        where += ":{}:{}".format(*locate(positions, ("extends",)))
    source = _PRESETS if base_name in PRESETS else reader
    if source is _PRESETS:
        target = f"{base_name}.yaml"
    else:
        target = reader.join(posixpath.dirname(path) if path else "", str(base_name))
        if not reader.exists(target):
            raise ConfigError(
                f"{where}: extends: {base_name!r} is neither a preset ({', '.join(PRESETS)}) "
                f"nor a file{did_you_mean(str(base_name), PRESETS)}")
    key = (source.label, target)
    if key in seen:
        raise ConfigError(f"{where}: extends: {base_name!r} extends itself")
    if len(seen) >= MAX_EXTENDS:
        raise ConfigError(f"{where}: extends: {base_name!r} is more than {MAX_EXTENDS} files deep")
    data, found, content = _read(source, target)
    if source is reader:
        files[target] = content
    if layers is not None:
        layers.append((reader.shown(target) if source is reader else None, found, data))
    return _merge(_with_presets(data, source, target, seen + (key,), files, found, layers), raw)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **over}
    merged["rules"] = {**(base.get("rules") or {}), **(over.get("rules") or {})}
    for key in ("waivers", "policies", "plugins"):
        merged[key] = list(base.get(key) or []) + list(over.get(key) or [])
    return merged


def _build(raw: dict[str, Any], path: Path | None, root: Path, where: str,
           rules: Mapping[str, Rule]) -> Config:
    config = Config(root=root, path=path)
    documents = raw.get("documents") or {}
    _check_globs(where, documents)
    if documents.get("include"):
        config.include = list(documents["include"])
    config.exclude = list(DEFAULT_EXCLUDE) + list(documents.get("exclude") or [])
    for rule_id, value in (raw.get("rules") or {}).items():
        config.rules[rule_id] = _rule_setting(where, rule_id, value, rules)
    config.approvals = dict(raw.get("approvals") or {})
    config.house_rules = [str(p) for p in raw.get("policies") or []]
    config.plugins = [str(p) for p in raw.get("plugins") or []]
    config.assumptions = _assumptions(raw.get("assumptions"), where)
    config.waivers = [
        _waiver(where, f"waivers[{i}]", w, rules) for i, w in enumerate(raw.get("waivers") or [])
    ]
    return config


def _check_globs(where: str, documents: Mapping[str, Any]) -> None:
    """Every document glob is a gitignore pattern (the schema checked they are strings)."""
    for side in ("include", "exclude"):
        for index, pattern in enumerate(documents.get(side) or []):
            why = discovery.unreadable_glob(pattern)
            if why is not None:
                raise ConfigError(f"{where}: documents.{side}[{index}]: {pattern!r} is not a "
                                  f"gitignore pattern: {why}", ("documents", side, index))


def _assumptions(raw: Any, where: str) -> Assumptions:
    """``assumptions.traffic.maxRatio`` (the schema checked its shape) as exact values."""
    ratio = ((raw or {}).get("traffic") or {}).get("maxRatio")
    if ratio is None:
        return NO_ASSUMPTIONS
    # the file's name, not its path: a message reads the same from any folder or ref
    name = posixpath.basename(where.rsplit(":", 1)[-1]) if where != "preset" else where
    return Assumptions(Fraction(decimal.Decimal(str(ratio))),
                       f"assumptions.traffic.maxRatio in {name}")


def _rule_setting(where: str, rule_id: str, value: Any, rules: Mapping[str, Rule]) -> RuleSetting:
    rule = rules.get(rule_id)
    if rule is None:
        tip = did_you_mean(rule_id, rules) or "; `slopolicy rules` lists them"
        raise ConfigError(f"{where}: rules.{rule_id}: unknown rule id{tip}", ("rules", rule_id))
    if isinstance(value, str):
        return RuleSetting(value, dict(rule.options))
    options = dict(rule.options)
    severity = rule.severity
    for key, option in (value or {}).items():
        if key == "severity":
            severity = option
            continue
        if key not in rule.options:
            known = ", ".join(rule.options) or "none"
            hint = closest_list(str(key), ["severity", *rule.options])
            tip = f'did you mean "{hint[0]}"? ' if hint else ""
            raise ConfigError(
                f"{where}: rules.{rule_id}.{key}: unknown option ({tip}options of {rule_id}: "
                f"{known})", ("rules", rule_id, key))
        try:
            options[key] = _option_value(where, f"rules.{rule_id}.{key}", rule.options[key],
                                         option, rule.option_ranges.get(key))
        except ConfigError as exc:
            raise ConfigError(str(exc), ("rules", rule_id, key)) from None
    return RuleSetting(severity, options)


def _option_value(where: str, key: str, default: Any, value: Any,
                  allowed: Range | None = None) -> Any:
    numeric = (int, float, decimal.Decimal)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, numeric):
        ok = isinstance(value, numeric) and not isinstance(value, bool)
        value = decimal.Decimal(str(value)) if ok else value
        if ok and not (value.is_finite() and (allowed is None or allowed.holds(value))):
            within = f"a number in {allowed}" if allowed is not None else "a finite number"
            shown = {"NaN": ".nan", "Infinity": ".inf", "-Infinity": "-.inf"}.get(str(value), value)
            raise ConfigError(f"{where}: {key}: expected {within}, got {shown}")
    elif default is None:
        ok = True
    else:
        ok = isinstance(value, type(default))
    if not ok:
        kind = "a number" if isinstance(default, numeric) else (
            "true or false" if isinstance(default, bool) else f"a {type(default).__name__}")
        raise ConfigError(f"{where}: {key}: expected {kind} like {default}, got {value!r}")
    return value


def _waiver(where: str, key: str, raw: Mapping[str, Any], rules: Mapping[str, Rule]) -> Waiver:
    expires = raw["expires"]
    try:
        date = datetime.date.fromisoformat(str(expires))
    except ValueError:
        index = int(key[len("waivers["):-1])
        raise ConfigError(f"{where}: {key}.expires: {expires!r} is not a date (YYYY-MM-DD)",
                          ("waivers", index, "expires")) from None
    if raw["rule"] not in rules:
        tip = did_you_mean(raw["rule"], rules) or "; `slopolicy rules` lists them"
        index = int(key[len("waivers["):-1])
        raise ConfigError(f"{where}: {key}.rule: unknown rule id {raw['rule']!r}{tip}",
                          ("waivers", index, "rule"))
    origin = getattr(raw, "file", None)
    return Waiver(
        rule=raw["rule"],
        reason=raw["reason"],
        expires=date,
        document=raw.get("document"),
        path=raw.get("path"),
        file=raw.get("file"),
        line=getattr(raw, "line", 0),
        source=str(origin) if origin else "",
    )
