"""The default document globs, matched without pathspec, match as pathspec matches them."""
from __future__ import annotations

import re

import pathspec
import pytest

from slopolicy.config.settings import DEFAULT_EXCLUDE, DEFAULT_INCLUDE
from slopolicy.load.discovery import KNOWN_GLOBS, matcher

PATHS = [
    "a.yaml", "a.yml", "a.json", "a.yaml.txt", "ayaml", "x/a.yaml", "x/y/z.json", ".yaml",
    "x/.yaml", "a.yaml/", "x/a.yaml/b", "yaml/a.txt", ".git/", ".git/config", "x/.git/",
    "x/.git/HEAD", ".gitignore", "a.git/", "node_modules/", "x/node_modules/p/a.yaml",
    "node_modules", ".venv/", "venv/", "x/venv/", "avenv/", ".tox/", ".slopolicy.yaml",
    "x/.slopolicy.yaml", ".slopolicy.yaml.bak", "a.slopolicy.yaml", ".pre-commit-config.yaml",
    "x/.pre-commit-hooks.yaml", ".pre-commitXconfig.yaml", "é/ü.yaml", "a b/c d.yml",
]


def test_every_default_glob_is_known() -> None:
    assert set(DEFAULT_INCLUDE) | set(DEFAULT_EXCLUDE) <= set(KNOWN_GLOBS)


@pytest.mark.parametrize("glob", sorted(KNOWN_GLOBS))
def test_a_known_glob_is_the_regex_pathspec_makes(glob: str) -> None:
    [pattern] = pathspec.GitIgnoreSpec.from_lines([glob]).patterns
    assert pattern.include is True
    assert re.sub(r"\(\?P<\w+>", "(?:", pattern.regex.pattern) == KNOWN_GLOBS[glob]


@pytest.mark.parametrize("globs", [DEFAULT_INCLUDE, DEFAULT_EXCLUDE, ("**/*.yaml",),
                                   (".git/", "**/*.json")])
def test_known_globs_match_as_pathspec_does(globs: tuple[str, ...]) -> None:
    matcher.cache_clear()
    matches = matcher(globs)
    spec = pathspec.GitIgnoreSpec.from_lines(globs)
    assert [matches(p) for p in PATHS] == [spec.match_file(p) for p in PATHS]
