"""Text from documents and git as it may stand in a Markdown table cell of a review page.

A pull request writes what the reports quote (names, values, file names, commit
authors, trailers): escaped, it cannot end a cell or a row, add a link, an image
(a tracking pixel), HTML, or mention (and so notify) a person or a team.
"""
from __future__ import annotations

import re

from slopolicy.report.terminal import BIDI_ESCAPED

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# GitHub reads @name after a non-word character as a mention; a zero-width space after
# the @ (written as an entity) keeps it text, and an e-mail address (a@b) as it is.
_MENTION = re.compile(r"(?<!\w)@(?=\w)")


def cell(text: str) -> str:
    """Text safe in a table cell: Markdown and HTML escaped, newlines as <br>, no mention,
    bidi controls as escapes."""
    escaped = _SPECIAL.sub(r"\\\1", text.translate(BIDI_ESCAPED))
    escaped = _MENTION.sub("@&#8203;", escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def code(text: str) -> str:
    """Text as a Markdown code span, shown as it is: a fence longer than any run of
    backticks it holds, and its line breaks as spaces (a blank line would end the span)."""
    flat = " ".join(text.translate(BIDI_ESCAPED).splitlines())
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
