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
    lines = text.splitlines()
    found: dict[tuple[int, int], str] = {}
    for token in YAML(typ="rt").scan(text):
        for comment in _tokens(getattr(token, "_comment", None)):
            start = comment.start_mark
            for offset, body in enumerate(comment.value.split("\n")):
                body = body.strip()
                if body.startswith("#"):
                    found.setdefault(_where(lines, start.line + offset, body), body)
    return sorted((line, column, body) for (line, column), body in found.items())


def _where(lines: list[str], guess: int, body: str) -> tuple[int, int]:
    """The line (and column) that holds ``body``: the scanner's marks of a token's later
    lines may be one off, so the text decides."""
    for line in (guess, guess - 1, guess + 1):
        if 0 <= line < len(lines):
            column = lines[line].find(body)
            if column >= 0 and (column == 0 or lines[line][column - 1] in " \t"):
                return line, column
    return guess, 0


def _tokens(value: Any) -> Iterator[CommentToken]:
    if isinstance(value, CommentToken):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _tokens(item)
