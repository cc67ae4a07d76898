"""Names folded, so that spellings a reader takes for one name compare equal.

An agreement's customer and service are typed text: ``Globex``, ``globex``
and ``ｇｌｏｂｅｘ`` (full-width) read as one customer, and so does
``glob\u200bex`` (a zero-width space). :func:`fold` makes them one key:
format characters (zero-width spaces and joiners, direction marks) dropped,
compatibility forms unified (NFKC), letter case folded (``casefold``), and
the ends stripped.

Letters of other scripts that look alike (a Cyrillic ``е`` for a Latin
``e``) are not folded: that needs the Unicode confusables table (UTS #39
skeletons), which no maintained Python package ships for use without a
compiler. The gate does not rest on spelling for that reason: an addition it
cannot match to a removal is judged against the removal all the same.
"""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` as a key: format characters dropped, NFKC, case folded, ends stripped."""
    if text.isascii():
        return text.lower().strip()
    kept = "".join(c for c in text if unicodedata.category(c) != "Cf")
    # casefold can undo NFKC (``ß`` -> ``ss`` is fine, but some folds decompose): again after
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", kept).casefold()).strip()
