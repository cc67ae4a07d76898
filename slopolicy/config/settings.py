""".slopolicy.yaml: discovery, validation, defaults and ``extends``.

A configuration error is never a finding: it is a :class:`ConfigError`
(exit 2) that names the file, the line and the key.
"""
from __future__ import annotations

import datetime
import decimal
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from slopolicy.load import schemas
from slopolicy.load.resources import data_dir
from slopolicy.model.errors import ConfigError
from slopolicy.model.problems import format_path
from slopolicy.model.waivers import FILENAME as FILENAME  # the configuration file
from slopolicy.model.waivers import Waiver
from slopolicy.rules import Rule
from slopolicy.slo.dominance import NO_ASSUMPTIONS, Assumptions
from slopolicy.text.decoding import decode
from slopolicy.text.yamlsource import LoadError, contains, iter_documents, locate, locate_key

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




@dataclass(frozen=True)
class RuleSetting:
    severity: str  # error | warning | info | off
    options: Mapping[str, Any]



@dataclass
class Config:
    root: Path  # documents globs are relative to this folder
    path: Path | None = None  # the file read, if any
    include: list[str] = field(default_factory=lambda: list(DEFAULT_INCLUDE))
    exclude: list[str] = field(default_factory=list)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    approvals: dict[str, Any] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)
    assumptions: Assumptions = NO_ASSUMPTIONS  # what the user declared about traffic

    def setting(self, rule: Rule) -> RuleSetting:
        return self.rules.get(rule.id, RuleSetting(rule.severity, rule.options))


def find(start: Path, stop: Path) -> Path | None:
    """The nearest .slopolicy.yaml from ``start`` up to ``stop`` (inclusive)."""
    start = start.resolve()
    stop = stop.resolve()
    for folder in (start, *start.parents):
        candidate = folder / FILENAME
        if candidate.is_file():
            return candidate
        if folder == stop:
            break
    return None


def load(path: Path | None, root: Path, rules: Mapping[str, Rule]) -> Config:
    """Read ``path`` (or only the default preset when None) over the defaults."""
    return build(read(path), path, root, rules)


def read(path: Path | None) -> dict[str, Any]:
    """The settings of ``path`` merged over its presets, not yet checked against rules.

    Split from :func:`build` because ``policies`` and ``plugins`` add rules:
    the registry is complete only after reading them.
    """
    raw: dict[str, Any] = {"extends": "default"}
    if path is not None:
        raw = _read(path)
        raw.setdefault("extends", "default")
    return _with_presets(raw, path, seen=())


def build(raw: dict[str, Any], path: Path | None, root: Path, rules: Mapping[str, Rule]) -> Config:
    """Settings from :func:`read` -> a Config, checking rule ids and options."""
    try:
        config = _build(raw, path, root if path is None else path.parent, rules)
    except ConfigError as exc:
        raise _with_line(exc, path) from None
    config.waivers = [_located(w, root) for w in config.waivers]
    return config


def _with_line(exc: ConfigError, path: Path | None) -> ConfigError:
    """The error with the line and column of its key in ``path``, when it is there."""
    if not exc.key or path is None or not str(exc).startswith(_shown(path) + ": "):
        return exc  # no key, or a file read from elsewhere (a git ref)
    try:
        loaded = next(iter_documents(path.read_text(encoding="utf-8"), positions=True))
    except (OSError, UnicodeDecodeError, StopIteration):
        return exc
    if isinstance(loaded, LoadError) or loaded.positions is None:
        return exc
    tree = loaded.positions
    if not contains(tree, exc.key):  # a preset's key, not written in this file
        return exc
    line, column = locate_key(tree, exc.key)
    shown = _shown(path)
    rest = str(exc)[len(shown) + 2:]
    return ConfigError(f"{shown}:{line}:{column}: {rest}", exc.key)


def _shown(path: Path) -> str:
    """The path as the user would type it: relative to the current folder."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _read(path: Path) -> dict[str, Any]:
    shown = _shown(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror}") from None
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        raise ConfigError(f"{shown}:{problem.line}:{problem.column}: {problem.message}")
    docs = list(iter_documents(text))
    for doc in docs:
        if isinstance(doc, LoadError):
            raise ConfigError(f"{shown}:{doc.line}:{doc.column}: {doc.message}")
        if doc.error:
            raise ConfigError(f"{shown}:{doc.error.line}:{doc.error.column}: {doc.error.message}")
        for issue in doc.issues:
            raise ConfigError(f"{shown}:{issue.line}:{issue.column}: {issue.message}")
    data = docs[0].data if docs and not isinstance(docs[0], LoadError) else None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}:1:1: the configuration must be a mapping of settings")
    _validate(shown, text, data)
    _mark_waivers(path, text, data)
    return data


class _Entry(dict):  # type: ignore[type-arg]
    """A waiver's settings, remembering where they are written (unused-waiver points there)."""

    file: Path | None = None
    line: int = 0


def _mark_waivers(path: Path, text: str, data: dict[str, Any]) -> None:
    waivers = data.get("waivers") or []
    if not waivers:
        return
    tree = next(iter_documents(text, positions=True))
    positions = None if isinstance(tree, LoadError) else tree.positions
    marked = []
    for index, waiver in enumerate(waivers):
        entry = _Entry(waiver)
        entry.file = path.resolve()
        entry.line = locate(positions, ("waivers", index))[0]
        marked.append(entry)
    data["waivers"] = marked


def _located(waiver: Waiver, repo_root: Path) -> Waiver:
    """The waiver's file relative to the repository root, as problems name files."""
    if not waiver.source:
        return waiver
    try:
        shown = Path(waiver.source).relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        shown = waiver.source
    return replace(waiver, source=shown)


def _validate(path: str, text: str, data: dict[str, Any]) -> None:
    errors = schemas.errors(schemas.config_validator(), data)
    if not errors:
        return
    tree = next(iter_documents(text, positions=True))
    positions = None if isinstance(tree, LoadError) else tree.positions
    for where, key, message in schemas.describe(errors[0]):
        line, column = (locate_key if key else locate)(positions, where)
        shown = format_path(where) or "(top level)"
        raise ConfigError(f"{path}:{line}:{column}: {shown}: {message}")


def _with_presets(raw: dict[str, Any], path: Path | None, seen: tuple[str, ...]) -> dict[str, Any]:
    base_name = raw.get("extends")
    if not base_name:
        return raw
    if base_name in PRESETS:
        base_path = data_dir("policies") / f"{base_name}.yaml"
    else:
        base_path = (path.parent if path else Path.cwd()) / str(base_name)
        if not base_path.is_file():
            raise ConfigError(
                f"{_shown(path) if path else 'preset'}: extends: {base_name!r} is neither a preset "
                f"({', '.join(PRESETS)}) nor a file"
            )
    where = _shown(path) if path else "preset"
    key = str(base_path.resolve())
    if key in seen:
        raise ConfigError(f"{where}: extends: {base_name!r} extends itself")
    base = _with_presets(_read(base_path), base_path, seen + (key,))
    return _merge(base, raw)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **over}
    merged["rules"] = {**(base.get("rules") or {}), **(over.get("rules") or {})}
    for key in ("waivers", "policies", "plugins"):
        merged[key] = list(base.get(key) or []) + list(over.get(key) or [])
    return merged


def _build(raw: dict[str, Any], path: Path | None, root: Path, rules: Mapping[str, Rule]) -> Config:
    config = Config(root=root, path=path)
    documents = raw.get("documents") or {}
    if documents.get("include"):
        config.include = list(documents["include"])
    config.exclude = list(DEFAULT_EXCLUDE) + list(documents.get("exclude") or [])
    where = _shown(path) if path else "preset"
    for rule_id, value in (raw.get("rules") or {}).items():
        config.rules[rule_id] = _rule_setting(where, rule_id, value, rules)
    config.approvals = dict(raw.get("approvals") or {})
    config.policies = [str(p) for p in raw.get("policies") or []]
    config.plugins = [str(p) for p in raw.get("plugins") or []]
    config.assumptions = _assumptions(raw.get("assumptions"), where)
    config.waivers = [
        _waiver(where, f"waivers[{i}]", w, rules) for i, w in enumerate(raw.get("waivers") or [])
    ]
    return config


def _assumptions(raw: Any, where: str) -> Assumptions:
    """``assumptions.traffic.maxRatio`` (the schema checked its shape) as exact values."""
    ratio = ((raw or {}).get("traffic") or {}).get("maxRatio")
    if ratio is None:
        return NO_ASSUMPTIONS
    name = "preset" if where == "preset" else Path(where).name
    return Assumptions(Fraction(decimal.Decimal(str(ratio))),
                       f"assumptions.traffic.maxRatio in {name}")


def _rule_setting(where: str, rule_id: str, value: Any, rules: Mapping[str, Rule]) -> RuleSetting:
    rule = rules.get(rule_id)
    if rule is None:
        hint = difflib.get_close_matches(rule_id, list(rules), n=1)
        tip = f'; did you mean "{hint[0]}"?' if hint else "; `slopolicy rules` lists them"
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
            hint = difflib.get_close_matches(str(key), list(rule.options), n=1)
            tip = f'did you mean "{hint[0]}"? ' if hint else ""
            raise ConfigError(
                f"{where}: rules.{rule_id}.{key}: unknown option ({tip}options of {rule_id}: "
                f"{known})", ("rules", rule_id, key))
        try:
            options[key] = _option_value(where, f"rules.{rule_id}.{key}", rule.options[key],
                                         option)
        except ConfigError as exc:
            raise ConfigError(str(exc), ("rules", rule_id, key)) from None
    return RuleSetting(severity, options)


def _option_value(where: str, key: str, default: Any, value: Any) -> Any:
    numeric = (int, float, decimal.Decimal)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, numeric):
        ok = isinstance(value, numeric) and not isinstance(value, bool)
        value = decimal.Decimal(str(value)) if ok else value
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
        hint = difflib.get_close_matches(raw["rule"], list(rules), n=1)
        tip = f'; did you mean "{hint[0]}"?' if hint else "; `slopolicy rules` lists them"
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
