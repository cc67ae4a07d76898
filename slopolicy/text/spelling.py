"""Names folded, so that spellings a reader takes for one name compare equal.

An agreement's customer and service are typed text: ``Globex``, ``globex``
and ``ｇｌｏｂｅｘ`` (full-width) read as one customer, and so do
``glob\u200bex`` (a zero-width space) and ``glob\u0435x`` (a Cyrillic ``е``).
:func:`fold` makes them one key: format characters (zero-width spaces and
joiners, direction marks) dropped, compatibility forms unified (NFKC), letter
case folded (``casefold``), each letter of another script that reads as a
Latin one (the Unicode confusables that ``confusable_homoglyphs`` ships) taken
for that letter, and the ends stripped.

Spellings within Latin letters and digits (``gl0bex``, ``globex-corp``) stay
apart: they are other names, and the gate does not rest on spelling for that
reason. An addition it cannot match to a removal is judged against the
removal all the same.
"""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` as a key: format characters dropped, NFKC, case folded, letters of other
    scripts read as the Latin ones they look like, ends stripped."""
    if text.isascii():
        return text.lower().strip()
    kept = "".join(c for c in text if unicodedata.category(c) != "Cf")
    # casefold can undo NFKC (``ß`` -> ``ss`` is fine, but some folds decompose): again after;
    # decomposed in between, so that a letter's accents stay on the letter it reads as
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", kept).casefold())
    return unicodedata.normalize("NFKC", _as_latin(folded)).strip()


def _as_latin(text: str) -> str:
    """Each character of another script that a reader takes for a Latin letter or a digit
    (a Cyrillic ``е``, a Greek ``ο``) as that one; the others as they are."""
    from confusable_homoglyphs import confusables  # its table is read on first use: a name
    # of other scripts is rare

    found = confusables.is_confusable(text, greedy=True, preferred_aliases=["latin", "common"])
    table: dict[int, str] = {}
    for item in found or ():
        alike = sorted(h["c"] for h in item["homoglyphs"] if h["c"].isascii())
        if alike:
            table[ord(item["character"])] = alike[0].lower()
    return text.translate(table) if table else text
