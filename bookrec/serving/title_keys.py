"""Keys of titles and authors, and the other forms a typed title may take.

Titles and authors are keyed by the warehouse's own DuckDB macros (sql/clean/00_macros.sql;
sql/recommend/01_match_keys.sql) in one in-memory DuckDB per process (KeyMaker), so a reader's
"The Hunger Games (The Hunger Games, #1)" and the catalog's "The Hunger Games" meet on the same
key; the catalog's keys are stored by prepare_data (catalog_keys). A typed title is also tried
with its leading article dropped or "the" / "a" put in front (article_forms), without articles
and with numbers in digits (loose_key), and as a series' name and an entry's number
(series_number). bookrec.serving.matching decides with them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import namedtuple
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from bookrec.serving.numbers import numbers_as_digits
from bookrec.warehouse.connection import MACROS, run_sql, sql_version, table_exists

log = logging.getLogger(__name__)

# The columns of recommend/01_match_keys.sql, in its order.
KEY_COLUMNS = (
    "title_key", "main_title_key", "bare_title_key", "subtitle_key", "series_key",
    "author_key", "author_surname",
)  # fmt: skip
Keys = namedtuple("Keys", KEY_COLUMNS)
TITLE_PART = 5  # the first five keys come from the title alone, the last two from the author


class KeyMaker:
    """The warehouse's key macros (sql/clean/00_macros.sql) in one in-memory DuckDB, loaded
    once per process: keying a reader's books is then one query on a cursor (a cursor per
    call, so requests in parallel threads do not share one), not a new database with its
    macros per call (~0.1 s). In memory: the warehouse may be open read-only."""

    def __init__(self) -> None:
        self._con = duckdb.connect(":memory:")
        run_sql(self._con, MACROS)

    def keys(self, titles: Sequence[str | None], authors: Sequence[str | None]) -> list[Keys]:
        """The Keys of each (title, author), in order (a key is None where it is empty)."""
        table = pa.table(
            {
                "row_id": pa.array(range(len(titles)), pa.int64()),
                "title": pa.array(titles, pa.string()),
                "author": pa.array(authors, pa.string()),
            }
        )
        cursor = self._con.cursor()
        try:
            cursor.register("match_input", table)
            rows = run_sql(cursor, "recommend/01_match_keys.sql").fetchall()
        finally:
            cursor.close()
        return [Keys(*row[1:]) for row in rows]


@functools.cache
def key_maker() -> KeyMaker:
    """The process's KeyMaker (built on first use)."""
    return KeyMaker()


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def match_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """title_key, main_title_key, bare_title_key, subtitle_key, series_key, author_key and
    author_surname of each row (KeyMaker.keys as a frame).

    Args:
        frame: columns title, author (author may be None); any index.

    Returns:
        A frame aligned with `frame` (same order) holding the keys.
    """
    titles = [_text(t) for t in frame["title"]]
    authors = [_text(a) for a in frame["author"]]
    keys = key_maker().keys(titles, authors)
    return pd.DataFrame(keys, columns=list(KEY_COLUMNS), index=frame.index, dtype=object)


def catalog_keys(con: duckdb.DuckDBPyConnection, catalog: pd.DataFrame) -> pd.DataFrame:
    """match_keys(catalog), read from book_match_keys where prepare_data stored them for
    exactly these books with these macros (sql/recommend/04_catalog_keys.sql), else made anew
    (a warehouse of an older bookrec, books changed by hand).

    Args:
        catalog: load_catalog's frame, in book_id order.
    """
    if table_exists(con, "book_match_keys"):
        stored = run_sql(
            con, "recommend/04_catalog_keys.sql", {"key_macros": sql_version(MACROS)}
        ).df()
        ids = catalog["book_id"].to_numpy(np.int64)
        if len(stored) == len(ids) and (stored["book_id"].to_numpy(np.int64) == ids).all():
            keys = stored[list(KEY_COLUMNS)].astype(object)
            return keys.where(keys.notna(), None).set_axis(catalog.index)
        log.info("stored match keys are not those of these books: keying the catalog anew")
    return match_keys(catalog)


ARTICLES = ("the", "a", "an")
_LINKING_WORDS = frozenset({*ARTICLES, "of", "and"})


def without_articles(key: str) -> str:
    """A key with every "the", "a" and "an" left out."""
    return " ".join(w for w in key.split() if w not in ARTICLES)


def loose_key(key: str) -> str:
    """A title key as _loose_forms compares it: numbers in digits, then without articles (so
    "a thousand" is 1000 before its "a" goes), "volume" as "vol"."""
    return _VOLUME_WORD.sub("vol", without_articles(numbers_as_digits(key)))


_VOLUME_WORD = re.compile(r"\bvolume\b")


def content_words(key: str) -> list[str]:
    """A key's words without articles, "of" and "and"."""
    return [w for w in key.split() if w not in _LINKING_WORDS]


TITLE_FORMS = ("title_key", "main_title_key", "bare_title_key")


# A series' name and an entry's number, as readers type them: "harry potter 3", "dune book 2",
# "the wheel of time vol 4" (title keys: lower case, no punctuation, so "#3" is "3").
_SERIES_NUMBER = re.compile(
    r"^(?P<name>.+?) (?:(?:book|vol|volume|part|no) )?(?P<number>[0-9]{1,3})$"
)


def series_number(title_key: str) -> tuple[str, str]:
    """(the series name, the entry's number) a title key may be: "1" without a number."""
    found = _SERIES_NUMBER.match(title_key)
    if found is None:
        return title_key, "1"
    return found["name"], str(int(found["number"]))


# The number of a volume as titles write it: "volume 3", "vol ii", "volume one". Only volumes:
# a "book 3" or "part 2" (Narnia in publication order, a half of A Storm of Swords), a "no. 1"
# (the No. 1 Ladies' Detective Agency) or a series' "#5" differ between editions of one book.
_VOLUME = re.compile(r"\b(?:volume|vol) (?P<number>[0-9]{1,3}|[ivx]{1,5})\b")
_ROMAN = {c: v for v, c in enumerate(("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii",
                                      "ix", "x", "xi", "xii", "xiii", "xiv", "xv"))}  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)  # the catalog's keys, met again by each fuzzy search
def volume_numbers(title_key: str | None) -> frozenset[int]:
    """The volume numbers a title key names: "volume one" and "volume 1" are 1, "volume ii a"
    2; empty where it names none (years and other numbers of a title are not volumes)."""
    found = set()
    for number in _VOLUME.finditer(numbers_as_digits(title_key or "")):
        text = number["number"]
        value = int(text) if text.isdigit() else _ROMAN.get(text)
        if value:
            found.add(value)
    return frozenset(found)


def article_forms(keys: Keys) -> list[Keys]:
    """The reader's title keys with their leading article dropped, or, without one, with
    "the" and then "a" put in front (the catalog writes "The Lord of the Rings", "A Game of
    Thrones"; a reader often types neither)."""
    if not keys.title_key:
        return []
    first, _, rest = keys.title_key.partition(" ")
    if first in ARTICLES and rest:
        cut = len(first) + 1
        return [with_titles(keys, lambda k: k[cut:] if k.startswith(first + " ") else k)]
    return [with_titles(keys, lambda k, a=a: f"{a} {k}") for a in ARTICLES[:2]]


def with_titles(keys: Keys, change) -> Keys:
    """keys with change() applied to each title form it has."""
    return keys._replace(**{f: getattr(keys, f) and change(getattr(keys, f)) for f in TITLE_FORMS})
