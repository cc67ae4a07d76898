"""Errors that end a command with exit code 2 (not findings, not crashes)."""
from __future__ import annotations


class UsageError(Exception):
    """A bad invocation, configuration or repository state: exit 2."""


class ConfigError(UsageError):
    """An unusable configuration; ``key`` is where in the file, when known."""

    def __init__(self, message: str, key: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
