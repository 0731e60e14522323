"""Whether the author a reader typed and a catalog book's author name one person.

Both sides are keyed by the warehouse's macros (author_key: folded, punctuation dropped;
author_surname), so "J. R. R. Tolkien" and "J.R.R. Tolkien" meet as "jrrtolkien". The catalog
matcher (bookrec.serving.matching) asks author_relation first and, where it says
"different", author_spelled_alike: the reader's own spelling of the catalog's author is no
evidence against the book.
"""

from __future__ import annotations

from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bookrec.config import MatchConfig

AuthorRelation = Literal["same", "unknown", "different"]

# a family named before its surname, as author_key writes it ("The Brothers Grimm":
# "thebrothersgrimm")
_FAMILIES = ("brothers", "thebrothers", "sisters", "thesisters")


def author_relation(
    reader_key: str | None,
    reader_surname: str | None,
    catalog_key: str | None,
    catalog_surname: str | None,
    same_author_min: float = MatchConfig().same_author_min,
) -> AuthorRelation:
    """Whether two author keys name the same person ("unknown" when either is missing).

    Same: equal keys, keys at least same_author_min similar ("alanwwatts" / "alanwatts"), the
    same surname with the same first letter ("jrrtolkien" / "johnronaldreueltolkien"), or the
    same surname where either side gives the surname alone ("tolkien" / "jrrtolkien": readers
    often type only that) or the reader names a family by it ("Brothers Grimm" / "Jacob
    Grimm": the catalog credits one of them).
    """
    if not reader_key or not catalog_key:
        return "unknown"
    if reader_key == catalog_key or fuzz.ratio(reader_key, catalog_key) >= same_author_min:
        return "same"
    if reader_surname and reader_surname == catalog_surname:
        surname_alone = (
            reader_key == reader_surname
            or catalog_key == catalog_surname
            or any(reader_key == family + reader_surname for family in _FAMILIES)
        )
        if surname_alone or reader_key[0] == catalog_key[0]:
            return "same"
    return "different"


# A surname this long may differ by one letter (or two adjacent ones swapped) and still be
# the reader's spelling of it: "Tolkein", "Tolstoi", "Dostoyevsky", "Rowlings". Shorter ones
# may not ("King" / "Kong").
SPELLED_ALIKE_MIN = 5


def author_spelled_alike(
    reader_key: str | None,
    reader_surname: str | None,
    catalog_key: str | None,
    catalog_surname: str | None,
) -> bool:
    """Whether an author author_relation calls "different" may still be the reader's own
    spelling of the catalog's (then no evidence against the book, and the book's when the
    title is the catalog's exactly): the reader's name is the end of the catalog's ("Conan
    Doyle" for "Arthur Conan Doyle") or its start ("Miguel de Cervantes" for "Miguel de
    Cervantes Saavedra"), a name typed alone is one of its words ("Cervantes"
    for "Miguel de Cervantes Saavedra"), or the surnames are one edit apart
    (transliterations, typos), typed alone or with the same initial."""
    if not reader_key or not catalog_key or not reader_surname or not catalog_surname:
        return False
    if len(reader_key) >= SPELLED_ALIKE_MIN and catalog_key.endswith(reader_key):
        return True
    # the start of the catalog's name, the rest whole names ending in its surname: not
    # "Richard Bach" for "Richard Bachman"
    rest = catalog_key.removeprefix(reader_key)
    if (
        len(reader_key) >= SPELLED_ALIKE_MIN
        and rest != catalog_key
        and rest.endswith(catalog_surname)
    ):
        return True
    alone = reader_key == reader_surname
    if alone and len(reader_key) >= SPELLED_ALIKE_MIN and reader_key in catalog_key:
        return True
    return (
        (alone or reader_key[0] == catalog_key[0])
        and min(len(reader_surname), len(catalog_surname)) >= SPELLED_ALIKE_MIN
        and OSA.distance(reader_surname, catalog_surname) <= 1
    )
