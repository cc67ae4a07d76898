"""How a report is written for its reader: colour, and how much to say.

A report is rendered into memory first (written whole, or atomically to a
file), so the memory buffer cannot tell whether the reader is a terminal: the
command decides from the final destination (:func:`wants_color`) and renders
into a :class:`Rendering` that carries the decision (:class:`Style`).
Reporters ask :func:`style_of` their stream, which also works on a real
stream such as ``sys.stdout``.

Colour follows ``--color`` first, then the conventions every terminal tool
shares: ``NO_COLOR`` (no-color.org) set and not empty turns it off,
``FORCE_COLOR`` set and not empty turns it on (``0`` and ``false`` off);
``NO_COLOR`` wins when both are set. Otherwise colour goes to a terminal
that is not ``TERM=dumb``.
"""
from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import TextIO

from msgspec import Struct

COLOR_MODES = ("auto", "always", "never")

_SGR = {"red": "31", "yellow": "33", "cyan": "36", "green": "32", "dim": "2", "bold": "1"}


class Style(Struct, frozen=True):
    """What the reader gets: colour codes, only the problems (quiet), or more detail (verbose)."""

    color: bool = False
    quiet: bool = False
    verbose: bool = False

    def paint(self, text: str, tone: str) -> str:
        """``text`` in ``tone`` (a key of the palette) when colour is on, else as it is."""
        return f"\033[{_SGR[tone]}m{text}\033[0m" if self.color else text


class Rendering(io.StringIO):
    """A report rendered in memory for a destination: it answers ``isatty`` as the
    destination does, and carries the :class:`Style` that destination gets."""

    def __init__(self, style: Style) -> None:
        super().__init__()
        self.style = style

    def isatty(self) -> bool:
        return self.style.color


# What content (a name, a message, a commit subject) may hold that would end a line early,
# drive the terminal (ESC, 8-bit CSI) or reorder what it shows (bidi embeddings, overrides and
# isolates): shown escaped, so a line reads as what it holds.
_CONTROLS = [code for code in [*range(0x20), 0x7f, *range(0x80, 0xa0)] if code != 0x09]
_BIDI = [*range(0x202a, 0x202f), *range(0x2066, 0x206a)]
_ESCAPED = ({code: f"\\x{code:02x}" for code in _CONTROLS}
            | {code: f"\\u{code:04x}" for code in [0x2028, 0x2029, *_BIDI]}
            | {0x0a: "\\n", 0x0d: "\\r"})


# The bidi controls alone, for text a browser shows (HTML, Markdown): a name cannot reorder
# the words around it there either.
BIDI_ESCAPED = {code: f"\\u{code:04x}" for code in _BIDI}


def line(text: str) -> str:
    """``text`` as one line of plain output: line breaks, control characters and bidi
    controls written as escapes (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return text.translate(_ESCAPED)


# GitHub Actions reads a log line that starts, after white space, with "::" (or the older
# "##[") as a workflow command: an annotation, or stop-commands, which silences the rest.
_COMMAND_START = ("::", "##[")


def lead(path: str) -> str:
    """A file name a line starts with, as :func:`line` shows it, written ``./NAME`` where
    it would start a workflow command (the same file; a pull request names its files)."""
    shown = line(path)
    return f"./{shown}" if shown.lstrip().startswith(_COMMAND_START) else shown


def block(text: str) -> str:
    """Text of several lines: each line as :func:`line` shows it, the line breaks kept."""
    return "\n".join(line(part) for part in text.split("\n"))


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream is not a terminal
        return False


def wants_color(mode: str, terminal: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output for a destination (``terminal``: it is one), by ``--color``."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    forced = env.get("FORCE_COLOR")
    if forced:
        return forced.lower() not in ("0", "false")
    return terminal and env.get("TERM") != "dumb"


def style_for(stream: TextIO, color: str = "auto", quiet: bool = False,
              verbose: bool = False) -> Style:
    """The style of output written to ``stream`` (None of the options given: auto colour)."""
    return Style(wants_color(color, is_terminal(stream)), quiet, verbose)


def style_of(stream: TextIO) -> Style:
    """The style a reporter writes ``stream`` in: the :class:`Rendering`'s, else decided
    from the stream itself (a terminal, and the environment)."""
    if isinstance(stream, Rendering):
        return stream.style
    return style_for(stream)
