"""The policy one side holds: its configuration and the files that make the policy.

The policy is the configuration (``.slopolicy.yaml``), the files it
``extends``, the house-rule files its ``policies:`` lists and the allowed
signers file. With ``check --base`` the base's policy judges a change, so a
change cannot weaken the check that judges it; a change that edits these
files is a policy change, and a policy approval binds to their digest. Every
file is read through a :class:`~slopolicy.load.readers.Reader`: the working
tree, or a commit.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from slopolicy.changes.approvals import Roster
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project, with_custom_rules
from slopolicy.config.settings import Config
from slopolicy.load.readers import Reader
from slopolicy.rules import Rule, builtin_rules


class Configuration(NamedTuple):
    """A side's configuration, the rules it makes, and the files read for it."""

    config: Config
    rules: dict[str, Rule]  # the built-in rules and this side's house rules
    chain: dict[str, bytes]  # the configuration file and what it extends (presets aside)


def config_rel(project: Project, reader: Reader) -> str | None:
    """Where the configuration lives, relative to the repository root."""
    if project.config.path is not None:
        return _rel_safe(project.config.path, project.repo_root)
    start = _rel_safe(Path.cwd(), project.repo_root) or ""
    return config_module.find(reader, start)


def config_at(reader: Reader, rel: str | None, repo_root: Path) -> Configuration:
    """The configuration and rules as ``reader``'s side holds them.

    Its house rules are compiled from that side's policy files, so a change
    to them cannot weaken the check that judges it. No configuration means
    the default preset and the built-in rules. An error names the file as
    ``REF:path:line:column``.
    """
    if rel is None or not reader.exists(rel):
        rules = builtin_rules()
        config = config_module.load(reader, None, repo_root, rules)
        config.root = repo_root / posixpath.dirname(rel) if rel else repo_root
        return Configuration(config, rules, {})
    settings = config_module.read(reader, rel)
    rules = with_custom_rules(builtin_rules(), settings, repo_root)
    config = config_module.build(settings, repo_root, rules)
    config.root = config.root.resolve()
    return Configuration(config, rules, settings.files)


def policy_files(reader: Reader, config: Config, chain: Mapping[str, bytes], rel: str | None,
                 repo_root: Path) -> dict[str, bytes | None]:
    """The files that make the policy: configuration, extends, allowed signers, house rules."""
    roster = Roster.from_config(config.approvals, config.root, repo_root)
    files: dict[str, bytes | None] = dict(chain)
    if rel and rel not in files:
        files[rel] = None
    wanted = [roster.allowed_signers] if roster.allowed_signers else []
    for entry in config.house_rules:
        path = _rel_safe(config.root / entry, repo_root)
        if path:
            wanted += reader.under(path) or [path]
    blobs = reader.read(wanted)
    for path in wanted:
        files[path] = blobs.get(path)
    return dict(sorted(files.items()))


def _rel_safe(path: Path, repo_root: Path) -> str | None:
    """``path`` relative to the repository root; None outside it."""
    try:
        rel = path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel
