"""Where a run stands: the repository root, the configuration, the rules."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slopolicy.config import settings as config_module
from slopolicy.config.settings import Config
from slopolicy.model.errors import ConfigError, UsageError
from slopolicy.rules import Rule, builtin_rules


@dataclass
class Project:
    repo_root: Path
    config: Config
    rules: dict[str, Rule]


def repo_root(start: Path) -> Path:
    """The nearest folder holding ``.git`` above ``start``; else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def open_project(paths: list[str], config_path: str | None) -> Project:
    cwd = Path.cwd()
    root = repo_root(cwd)
    rules = builtin_rules()
    path: Path | None
    if config_path:
        path = Path(config_path)
        if not path.is_file():
            raise UsageError(f"--config {config_path}: no such file")
    else:
        start = Path(paths[0]) if paths else cwd
        if start.is_file():
            start = start.parent
        path = config_module.find(start if start.exists() else cwd, root)
    raw = config_module.read(path)
    rules = with_custom_rules(rules, raw, root if path is None else path.parent, root)
    config = config_module.build(raw, path, root, rules)
    return Project(root, config, rules)


def with_custom_rules(
    builtin: dict[str, Rule], raw: Mapping[str, Any], config_dir: Path, root: Path,
    files_root: Path | None = None,
) -> dict[str, Rule]:
    """The built-in rules plus the house rules of ``policies`` and ``plugins``.

    ``files_root``: where the repository's files are read from, when not from
    ``root`` itself (a copy of a commit's policy files).
    """
    custom: list[Rule] = []
    # Imported only when configured: CEL's parser and the entry point scan cost time.
    if raw.get("policies"):
        from slopolicy.rules import house as policies

        custom += policies.load([str(p) for p in raw["policies"]], config_dir, files_root or root)
    if raw.get("plugins"):
        from slopolicy.rules import plugins

        custom += plugins.load([str(p) for p in raw["plugins"]], root)
    rules = dict(builtin)
    for rule in custom:
        clash = rules.get(rule.id)
        if clash is not None:
            kind = f"defined again in {clash.source}" if clash.source else "a built-in rule id"
            raise ConfigError(f"{rule.source}: rule id {rule.id!r} is {kind}; choose another id")
        rules[rule.id] = rule
    return rules
