"""Where a run stands: the repository root, the configuration, the rules."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slopolicy import config as config_module
from slopolicy.config import Config
from slopolicy.errors import UsageError
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
    config = config_module.load(path, root, rules)
    return Project(root, config, rules)
