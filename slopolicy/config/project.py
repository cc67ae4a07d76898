"""Where a run stands: the repository root, the configuration, the rules."""
from __future__ import annotations

import os
from pathlib import Path

from msgspec import Struct

from slopolicy.config import settings as config_module
from slopolicy.config.settings import Config, Settings
from slopolicy.load.readers import WorktreeReader
from slopolicy.model.errors import ConfigError, UsageError
from slopolicy.rules import Rule, builtin_rules
from slopolicy.text.yamlsource import locate


class Project(Struct):
    repo_root: Path
    config: Config
    rules: dict[str, Rule]
    # Where the search for .slopolicy.yaml starts (the folder checked, from the repository
    # root), and whether --config named the file instead: with --base the same search is
    # made in the base, which alone says where the policy is.
    config_start: str = ""
    config_given: bool = False


def repo_root(start: Path) -> Path:
    """The nearest folder holding ``.git`` above ``start``; else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def find_root(paths: list[str], cwd: Path) -> Path:
    """The root that reported paths are relative to, found from the first checked path.

    The repository holding that path, wherever slopolicy runs from. Outside
    any repository: the nearest folder at or above the path that holds a
    .slopolicy.yaml (the project), else the current folder when the path is
    in it, else the path's own folder. So a report never names a file by an
    absolute path, nor by the folders above the project.
    """
    named = Path(paths[0]) if paths else cwd
    start = (named.parent if named.is_file() else named if named.exists() else cwd).resolve()
    found = repo_root(start)
    if (found / ".git").exists():
        return found
    project = next((folder for folder in (start, *start.parents)
                    if (folder / config_module.FILENAME).is_file()), None)
    if project is not None:
        return project
    here = cwd.resolve()
    return here if start == here or here in start.parents else start


def open_project(paths: list[str], config_path: str | None) -> Project:
    cwd = Path.cwd()
    root = find_root(paths, cwd)
    reader = WorktreeReader(root)
    rules = builtin_rules()
    path: str | None
    start = Path(paths[0]) if paths else cwd
    if start.is_file():
        start = start.parent
    folder = reader.join("", str((start if start.exists() else cwd).resolve()))
    if config_path:
        if not Path(config_path).exists():
            raise UsageError(f"--config {config_path}: no such file")
        if not Path(config_path).is_file():  # a folder, a device, a FIFO: never read
            raise UsageError(f"--config {config_path}: not a regular file")
        path = reader.join("", os.path.abspath(config_path))
    else:
        path = config_module.find(reader, folder)
    settings = config_module.read(reader, path)
    rules = with_custom_rules(rules, settings, root)
    config = config_module.build(settings, root, rules)
    return Project(root, config, rules, folder, bool(config_path))


def with_custom_rules(builtin: dict[str, Rule], settings: Settings, root: Path
                      ) -> dict[str, Rule]:
    """The built-in rules plus the house rules of ``policies`` and the ``plugins``.

    House rules are read where the configuration was (the working tree, or
    a commit); plugins are installed packages, never files of ``root``.
    """
    custom: list[Rule] = []
    raw = settings.data
    # Imported only when configured: CEL's parser and the entry point scan cost time.
    try:
        if raw.get("policies"):
            from slopolicy.rules import house

            custom += house.load(settings.reader, [str(p) for p in raw["policies"]],
                                 settings.folder)
        if raw.get("plugins"):
            from slopolicy.rules import plugins

            custom += plugins.load([str(p) for p in raw["plugins"]], root)
    except ConfigError as exc:
        raise _at_entry(exc, settings) from None
    rules = dict(builtin)
    for rule in custom:
        clash = rules.get(rule.id)
        if clash is not None:
            kind = f"defined again in {clash.source}" if clash.source else "a built-in rule id"
            raise ConfigError(f"{rule.source}: rule id {rule.id!r} is {kind}; choose another id")
        rules[rule.id] = rule
    return rules


def _at_entry(exc: ConfigError, settings: Settings) -> ConfigError:
    """``policies: 'x': ...`` (or ``plugins:``) at the line of ``'x'`` in the file that writes
    it: the configuration, or a file it extends."""
    key, _, rest = str(exc).partition(": ")
    if key not in ("policies", "plugins"):
        return exc
    for index, entry in enumerate(str(p) for p in settings.data.get(key) or []):
        if rest.startswith(f"{entry!r}:"):
            found = config_module.origin(settings.layers, (key, index))
            if found is None:
                return exc
            name, tree, at = found
            line, column = locate(tree, at)
            return ConfigError(f"{name}:{line}:{column}: {exc}", exc.key)
    return exc
