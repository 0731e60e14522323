"""Numbers in a title key as digits: "one hundred years of solitude" and "100 years of
solitude" are one title to the matcher, as are "a thousand splendid suns" and "1000 splendid
suns", "twenty thousand leagues" and "20,000 leagues" (keyed "20 000 leagues").

Only well-formed runs of number words become a number ("nineteen eighty four" stays two
numbers, 19 and 84, on both sides alike): the reader's key and the catalog's are read by the
same function, so what matters is that both come out the same, not that every run is the
number a grammarian would read.
"""

from __future__ import annotations

import re

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_UNITS = {w: n for n, w in enumerate(_UNIT_WORDS.split())}
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * n for n, w in enumerate(_TENS_WORDS.split(), 2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
_NUMBER_WORDS = frozenset({*_UNITS, *_TENS, *_SCALES, "hundred"})
# "20 000", "1 000 000": a title's "20,000" once its punctuation is a space
_DIGIT_GROUPS = re.compile(r"\b(\d{1,3})((?: \d{3})+)\b")


def numbers_as_digits(key: str) -> str:
    """The key with every run of number words as one number in digits, and digit groups
    ("20 000") joined."""
    key = _DIGIT_GROUPS.sub(lambda m: m[1] + m[2].replace(" ", ""), key)
    words = key.split()
    if _NUMBER_WORDS.isdisjoint(words):
        return key
    out: list[str] = []
    i = 0
    while i < len(words):
        value, used = _number_at(words, i)
        if used:
            out.append(str(value))
            i += used
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def _number_at(words: list[str], start: int) -> tuple[int, int]:
    """(the number the words from `start` spell, how many words it takes; 0 words: none).

    "a" counts before "hundred" or a scale ("a thousand splendid suns"); "and" only between
    "hundred" (or a scale) and the rest of the number ("one hundred and one")."""
    total, current, last = 0, 0, None
    i = start
    if words[i] == "a" and i + 1 < len(words) and words[i + 1] in {"hundred", *_SCALES}:
        current, last, i = 1, "unit", i + 1
    used = 0
    while i < len(words):
        word = words[i]
        if word in _UNITS and (
            last in (None, "hundred", "scale", "and") or (last == "tens" and _UNITS[word] < 10)
        ):
            current += _UNITS[word]
            last = "unit"
        elif word in _TENS and last in (None, "hundred", "scale", "and"):
            current += _TENS[word]
            last = "tens"
        elif word == "hundred" and last in (None, "unit") and current % 100 == current:
            current = max(current, 1) * 100
            last = "hundred"
        elif word in _SCALES and last in ("unit", "tens", "hundred"):
            total += current * _SCALES[word]
            current, last = 0, "scale"
        elif (
            word == "and"
            and last in ("hundred", "scale")
            and i + 1 < len(words)
            and (words[i + 1] in _UNITS or words[i + 1] in _TENS)
        ):
            last = "and"
        else:
            break
        i += 1
        used = i - start
    return total + current, used
