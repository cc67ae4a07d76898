"""Text from documents and git as it may stand in a Markdown table cell of a review page.

A pull request writes what the reports quote (names, values, file names, commit
authors, trailers): escaped, it cannot end a cell or a row, add a link, an image
(a tracking pixel), HTML, or mention (and so notify) a person or a team.

Nor can it make a link of plain text, as GitHub (and GitLab) do: a URL
(``https://``, ``ftp://``), a ``www.`` host, an e-mail address, a mention
(``@name``, ``owner/repo@sha``) and an issue or merge request reference
(``#1``, ``owner/repo#1``, ``GH-1``, ``!1``, which also put an event on that
issue), or GitLab's ``~label``, ``%milestone``, ``$snippet`` and ``&epic``. A
zero-width space, written as an entity, goes after the ``:`` of the scheme,
between ``www`` and its dot, and after the ``@``, ``#``, ``GH-``, ``!``, ``~``,
``%``, ``$`` or ``&``: the text reads the same, and no autolink rule matches it.
"""
from __future__ import annotations

import re

from slopolicy.report.terminal import BIDI_ESCAPED

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# What GitHub and GitLab autolink in text: every "@" (a mention, an e-mail address,
# owner/repo@sha), a scheme's "://", "www.", an issue or merge request number, and
# GitLab's references to a label (~bug), a milestone (%v1), a snippet ($1) or an epic (&1).
_AUTOLINKED = re.compile(
    r"(@|:(?=//)|www(?=\.)|#(?=[0-9])|\bgh-(?=[0-9])|!(?=[0-9])|[~%$&](?=[\w\"]))",
    re.IGNORECASE)
_UNLINKED = r"\1&#8203;"  # a zero-width space: the text reads the same, and links nowhere


def cell(text: str) -> str:
    """Text safe in a table cell: Markdown and HTML escaped, newlines as <br>, no mention,
    no autolink, bidi controls as escapes."""
    escaped = _SPECIAL.sub(r"\\\1", text.translate(BIDI_ESCAPED))
    escaped = _AUTOLINKED.sub(_UNLINKED, escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def code(text: str) -> str:
    """Text as a Markdown code span, shown as it is: a fence longer than any run of
    backticks it holds, and its line breaks as spaces (a blank line would end the span)."""
    flat = " ".join(text.translate(BIDI_ESCAPED).splitlines())
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
