"""Errors that end a command with exit code 2 (not findings, not crashes)."""
from __future__ import annotations


class UsageError(Exception):
    """A bad invocation, configuration or repository state: exit 2."""
