"""Did-you-mean hints and the small words every message shares.

One helper decides what a user most likely meant, so every message that
offers a correction (a rule id, a kind, a reference, a key, a role) offers it
the same way: a name equal but for letter case first, then a close spelling,
and nothing at all rather than a far-fetched guess.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` most likely meant, or None when none is close.

    Close means a few typing slips away (letters added, dropped, changed or
    swapped): one for a short word, about one in four for a long one. Among
    those, the most similar wins, and its order in ``candidates`` breaks ties.
    """
    options = [c for c in dict.fromkeys(candidates) if c != word]
    folded = word.casefold()
    same_but_case = [c for c in options if c.casefold() == folded]
    if same_but_case:
        return same_but_case[0]
    allowed = max(1, len(word) // 4)
    near = [c for c in options if slips(folded, c.casefold(), allowed) <= allowed]
    if not near:
        return None
    return max(near, key=lambda c: difflib.SequenceMatcher(None, folded, c.casefold()).ratio())


def slips(a: str, b: str, limit: int) -> int:
    """Typing slips between ``a`` and ``b`` (edits, with a swap of neighbours as one).

    Stops counting past ``limit``: the answer is then ``limit + 1``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def closest_list(word: str, candidates: Iterable[str]) -> list[str]:
    """:func:`closest` as a list of none or one, for messages that join their hints."""
    found = closest(word, candidates)
    return [found] if found is not None else []


def did_you_mean(word: str, candidates: Iterable[str], lead: str = "; ") -> str:
    """``'; did you mean "X"?'`` when a candidate is close, else ``""``."""
    hint = closest(word, candidates)
    return f'{lead}did you mean "{hint}"?' if hint else ""


# Letters whose spoken name starts with a vowel sound: "an SLO", "an HTTP check".
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")


def article(word: str) -> str:
    """``a`` or ``an`` before ``word``: "an AlertCondition", "an SLI", "a Service"."""
    if not word:
        return "a"
    if len(word) > 1 and word[:2].isupper():  # an initialism is read letter by letter
        return "an" if word[0] in _VOWEL_LETTERS else "a"
    return "an" if word[0].lower() in "aeiou" else "a"


def with_article(word: str) -> str:
    return f"{article(word)} {word}"
