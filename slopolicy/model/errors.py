"""Errors that end a command with exit code 2 (not findings, not crashes)."""
from __future__ import annotations


class UsageError(Exception):
    """A bad invocation, configuration or repository state: exit 2."""


class ConfigError(UsageError):
    """An unusable configuration; ``key`` is where in the file, when known.

    ``excerpt``: the lines of the file shown under the message (a caret under the column),
    which end it; given apart so that the message itself is shown on one line.
    """

    def __init__(self, message: str, key: tuple[str | int, ...] = (), excerpt: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.excerpt = excerpt
