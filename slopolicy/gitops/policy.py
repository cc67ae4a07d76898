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
from collections.abc import Container, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from slopolicy.changes.approvals import Roster
from slopolicy.config import settings as config_module
from slopolicy.config.project import Project, with_custom_rules
from slopolicy.config.settings import Config
from slopolicy.gitops.git import GitRepo
from slopolicy.load.readers import Reader, WorktreeReader
from slopolicy.rules import Rule, builtin_rules


class Configuration(NamedTuple):
    """A side's configuration, the rules it makes, and the files read for it."""

    config: Config
    rules: dict[str, Rule]  # the built-in rules and this side's house rules
    chain: dict[str, bytes]  # the configuration file and what it extends (presets aside)


def config_rel(project: Project, reader: Reader) -> str | None:
    """Where the configuration lives on ``reader``'s side, relative to the repository root.

    The file ``--config`` names; else the nearest .slopolicy.yaml on that
    side, searched upward from the folder checked. With ``--base`` the base
    is searched, so a configuration a change adds in a subfolder does not
    replace the base's policy (it is a policy change, see :func:`policy_files`).
    """
    if project.config_given:
        path = project.config.path
        return _rel_safe(path, project.repo_root) if path is not None else None
    return config_module.find(reader, project.config_start)


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
    """The files that make the policy: configuration, extends, allowed signers, house rules.

    Every other configuration file on the side (``.slopolicy.yaml`` in any
    folder) and what it extends count too: a check run from that folder
    reads it, so a change that adds or edits one is a policy change, and a
    policy approval binds to it.
    """
    roster = Roster.from_config(config.approvals, config.root, repo_root)
    files: dict[str, bytes | None] = dict(chain)
    if rel and rel not in files:
        files[rel] = None
    for other in reader.named(config_module.FILENAME):
        if other not in files:
            files.update(config_module.chain(reader, other))
            files.setdefault(other, None)
    wanted = [roster.allowed_signers] if roster.allowed_signers else []
    for entry in config.house_rules:
        path = _rel_safe(config.root / entry, repo_root)
        if path:
            wanted += reader.under(path) or [path]
    blobs = reader.read(wanted)
    for path in wanted:
        files[path] = blobs.get(path)
    return dict(sorted(files.items()))


def in_policy(project: Project, reader: Reader, paths: Iterable[str]) -> bool:
    """Whether one of ``paths`` is a file of the policy :func:`policy_files` lists, known
    without listing the side: a configuration file (in any folder), the configuration and
    what it extends, the allowed signers, or a file under the house rules.

    What another folder's configuration extends is not among them: for
    document files, which no configuration extends and stays valid.
    """
    config = project.config
    rel = config_rel(project, reader)
    own = {*(config_module.chain(reader, rel) if rel else {}), *([rel] if rel else [])}
    signers = Roster.from_config(config.approvals, config.root, project.repo_root).allowed_signers
    if signers:
        own.add(signers)
    folders = [f for f in (_rel_safe(config.root / entry, project.repo_root)
                           for entry in config.house_rules) if f is not None]
    return touches(paths, own, folders)


def touches(paths: Iterable[str], files: Container[str], folders: Sequence[str]) -> bool:
    """Whether a change of ``paths`` changes a policy of ``files`` and house-rule
    ``folders`` ("" for the root: every file): one of its files, a file in one of its
    folders, or a configuration file in any folder (one added too)."""
    name = config_module.FILENAME
    return any(p in files or any(not f or p == f or p.startswith(f + "/") for f in folders)
               or name in p and posixpath.basename(p) == name for p in paths)


class GitWorktree(WorktreeReader):
    """The working tree of a git repository: its configuration files are those git tracks
    or would add (ignored ones aside), as a commit of it would hold them."""

    def __init__(self, root: Path, repo: GitRepo, commit: str | None = None) -> None:
        super().__init__(root, commit)
        self.repo = repo
        self._named: dict[str, list[str]] = {}

    def named(self, name: str) -> list[str]:
        found = self._named.get(name)
        if found is None:  # a regular file, as a commit of it would hold (not a link)
            found = self._named[name] = [
                p for p in self.repo.worktree_files_named(name) if self.exists(p)]
        return found


def _rel_safe(path: Path, repo_root: Path) -> str | None:
    """``path`` relative to the repository root; None outside it."""
    try:
        rel = path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel
