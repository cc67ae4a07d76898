"""The comments of a YAML text, where they stand."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.tokens import CommentToken


def comment_lines(text: str) -> list[tuple[int, int, str]]:
    """(0-based line, column, text) of every comment line of ``text``, in order.

    The scanner finds them, so a ``#`` inside a quoted string or a block of
    text is never taken for one.
    """
    found: dict[tuple[int, int], str] = {}
    for token in YAML(typ="rt").scan(text):
        for comment in _tokens(getattr(token, "_comment", None)):
            start = comment.start_mark
            for offset, body in enumerate(comment.value.split("\n")):
                body = body.strip()
                if body.startswith("#"):
                    column = start.column if offset == 0 else 0
                    found.setdefault((start.line + offset, column), body)
    return sorted((line, column, body) for (line, column), body in found.items())


def _tokens(value: Any) -> Iterator[CommentToken]:
    if isinstance(value, CommentToken):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _tokens(item)
