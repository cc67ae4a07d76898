"""Python rule plugins: installed packages that register rules.

A package declares an entry point in the ``slopolicy.rules`` group; the
entry point resolves to a module (or any object) with the built-in rule
contract: ``ID``, ``SEVERITY``, optional ``OPTIONS``, a docstring and
``check(ctx, options)``. A plugin loads only when ``.slopolicy.yaml`` names
it under ``plugins:``, and only from an installed package: code inside the
repository under check is never imported, since a pull request could
otherwise run any code in CI by adding a module and naming it.
"""
from __future__ import annotations

import contextlib
import importlib.metadata
import inspect
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from slopolicy.model.errors import ConfigError
from slopolicy.model.problems import SEVERITIES
from slopolicy.rules import Rule, from_module
from slopolicy.text.hints import did_you_mean

GROUP = "slopolicy.rules"
_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def load(names: list[str], repo_root: Path) -> list[Rule]:
    if not names:
        return []
    root = repo_root.resolve()
    available: dict[str, Any] = {}
    local: dict[str, Any] = {}
    # Every distribution, not entry_points(): that keeps only the first of a name on
    # sys.path, so a copy inside the repository would hide the installed package.
    for dist in importlib.metadata.distributions():
        # A package that sits inside the checked repository is not installed code.
        found = local if _inside(Path(str(dist.locate_file(""))), root) else available
        for entry in dist.entry_points:
            if entry.group == GROUP:
                found.setdefault(entry.name, entry)
    return [_load_one(name, available, local, root) for name in names]


def _load_one(name: str, available: dict[str, Any], local: dict[str, Any], repo_root: Path) -> Rule:
    entry = available.get(name)
    if entry is None and name in local:
        raise ConfigError(
            f"plugins: {name!r}: provided only by a package inside the repository under check "
            f"({local[name].dist.locate_file('')}); slopolicy loads plugins only from installed "
            "packages"
        )
    if entry is None:
        raise ConfigError(f"plugins: {name!r}: {_missing(name, available)}")
    with _without(repo_root):
        try:
            loaded = entry.load()
        except Exception as exc:  # noqa: BLE001 -- any failure of a plugin's import: exit 2
            raise ConfigError(
                f"plugins: {name!r}: cannot load {entry.value}: {type(exc).__name__}: {exc}"
            ) from None
    _refuse_local(name, loaded, repo_root)
    _check_contract(name, loaded)
    rule = from_module(loaded)
    dist = entry.dist
    origin = f"plugin {name} ({dist.name} {dist.version})" if dist else f"plugin {name}"
    return replace(rule, source=origin)


def _missing(name: str, available: dict[str, Any]) -> str:
    hint = did_you_mean(name, available)
    if hint:
        return f"no installed plugin of that name{hint}"
    listed = ", ".join(sorted(available)) or "none"
    return (
        f"no installed package provides a {GROUP} entry point of that name (installed: "
        f"{listed}); install the plugin's package with pip in slopolicy's environment"
    )


@contextlib.contextmanager
def _without(repo_root: Path) -> Iterator[None]:
    """Hide the repository under check from imports (``python -m`` puts the cwd first)."""
    saved = list(sys.path)
    sys.path[:] = [entry for entry in saved if not _inside(Path(entry or "."), repo_root)]
    try:
        yield
    finally:
        sys.path[:] = saved


def _inside(path: Path, root: Path) -> bool:
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return resolved == root or root in resolved.parents


def _refuse_local(name: str, loaded: Any, repo_root: Path) -> None:
    module = loaded if inspect.ismodule(loaded) else inspect.getmodule(loaded)
    origin = getattr(module, "__file__", None)
    if origin and _inside(Path(origin), repo_root):
        raise ConfigError(
            f"plugins: {name!r}: its code is inside the repository under check ({origin}); "
            "slopolicy loads plugins only from installed packages"
        )


def _check_contract(name: str, loaded: Any) -> None:
    """The rule contract of rules/__init__.py, checked so a bad plugin fails at load."""
    rule_id = getattr(loaded, "ID", None)
    problems = []
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        problems.append(f"ID must be a kebab-case string, got {rule_id!r}")
    if getattr(loaded, "SEVERITY", None) not in SEVERITIES:
        problems.append(f"SEVERITY must be one of {', '.join(SEVERITIES)}")
    if not isinstance(getattr(loaded, "OPTIONS", {}), dict):
        problems.append("OPTIONS must be a dict of option name -> default")
    if not callable(getattr(loaded, "check", None)):
        problems.append("check(ctx, options) is missing")
    if problems:
        raise ConfigError(f"plugins: {name!r}: not a slopolicy rule: {'; '.join(problems)}")
