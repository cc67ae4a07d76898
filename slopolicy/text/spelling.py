"""Names folded, so that spellings a reader takes for one name compare equal.

An agreement's customer and service are typed text: ``Globex``, ``globex``
and ``ｇｌｏｂｅｘ`` (full-width) read as one customer, and so do
``glob\u200bex`` (a zero-width space), ``globe\u034fx`` (a combining grapheme
joiner), ``glob\u0435x`` (a Cyrillic ``е``) and ``\u0261lobex`` (a Latin
script ``ɡ``). :func:`fold` makes them one key: the characters that show
nothing dropped (format characters, and every one Unicode names default
ignorable: joiners, variation selectors, tags, Hangul fillers), compatibility
forms unified (NFKC), letter case folded (``casefold``), each character
other than ASCII that reads as ASCII ones (the Unicode confusables that
``confusable_homoglyphs`` ships: a Cyrillic ``е``, a Greek ``ο``, a Latin
``ɡ``) taken for them, a blank Braille pattern for a space, and the ends
stripped. ASCII characters are never read as others.

Spellings within Latin letters and digits (``gl0bex``, ``globex-corp``) stay
apart: they are other names, and the gate does not rest on spelling for that
reason. An addition it cannot match to a removal is judged against the
removal all the same.
"""
from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable

# Default_Ignorable_Code_Point, from DerivedCoreProperties.txt of the Unicode Character
# Database (first and last code point of each range). The ranges are the same from
# Unicode 14.0 (the one of Python 3.11's unicodedata, which lacks the property) to 17.0;
# tests/gitops/test_gate_replaced.py holds them against the property as the ``regex``
# package knows it. Unicode: "should be ignored in rendering", shown as nothing where a
# font has no glyph for them.
_IGNORABLE = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x200B, 0x200F),  # zero-width space, non-joiner, joiner; direction marks
    (0x202A, 0x202E),  # direction embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, isolates, deprecated formats
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte-order mark)
    (0xFFA0, 0xFFA0),  # half-width Hangul filler
    (0xFFF0, 0xFFF8),  # reserved
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol formats
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement, reserved
)
_STARTS = [first for first, _ in _IGNORABLE]
# Blank characters that Unicode does not call ignorable but that a reader takes for a space
_BLANKS = {0x2800: " "}  # the Braille pattern with no dots

Translation = int | str | None  # what ``str.translate`` makes of a character


def fold(text: str) -> str:
    """``text`` as a key: what shows nothing dropped, NFKC, case folded, characters other
    than ASCII read as the ASCII ones they look like, ends stripped."""
    if text.isascii():
        return text.lower().strip()
    return _key(text).strip()


def shown(text: str) -> str:
    """``text`` with each character that :func:`fold` reads as another, or as nothing (a
    Cyrillic ``е``, a full-width ``ｇ``, a zero-width space), as a Python escape
    (``glob\\u0435x``): what a message shows of two spellings that fold joins."""
    return "".join(c if _as_itself(c) else _escape(c) for c in text)


def _key(text: str) -> str:
    # casefold can undo NFKC (``ß`` -> ``ss`` is fine, but some folds decompose): again after;
    # decomposed in between, so that a letter's accents stay on the letter it reads as
    folded = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKC", text.translate(_UNSEEN)).casefold())
    return unicodedata.normalize("NFKC", folded.translate(_AS_ASCII))


def _as_itself(char: str) -> bool:
    if char.isascii():
        return char.isprintable()
    return char.isprintable() and _key(char) == unicodedata.normalize("NFC", char.casefold())


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else (
        f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


class _Lazy(dict[int, Translation]):
    """A ``str.translate`` table that works out each character the first time it is met."""

    def __init__(self, work: Callable[[int], Translation]) -> None:
        super().__init__()
        self.work = work

    def __missing__(self, code: int) -> Translation:
        found = self[code] = self.work(code)
        return found


def _unseen(code: int) -> Translation:
    """Nothing for a character that shows nothing, a space for a blank; else itself."""
    if code < 0x80:
        return code
    if code in _BLANKS:
        return _BLANKS[code]
    at = bisect.bisect_right(_STARTS, code) - 1
    if at >= 0 and code <= _IGNORABLE[at][1]:
        return None
    return None if unicodedata.category(chr(code)) == "Cf" else code


def _as_ascii(code: int) -> Translation:
    """The ASCII text a character other than ASCII reads as (a Cyrillic ``е``, a Greek ``ο``,
    a Latin ``ɡ``), lower case; else itself."""
    if code < 0x80:
        return code  # ASCII is never read as other ASCII (``l`` as ``1``)
    from confusable_homoglyphs import confusables  # its table is read on first use: a name
    # with characters other than ASCII is rare

    found = confusables.is_confusable(chr(code), greedy=True)
    alike = sorted(h["c"] for item in found or () for h in item["homoglyphs"]
                   if h["c"].isascii())
    return alike[0].lower() if alike else code


_UNSEEN = _Lazy(_unseen)
_AS_ASCII = _Lazy(_as_ascii)
