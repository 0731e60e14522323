"""The list's popularity: how widely a book is read on Goodreads, and how many of the
warehouse's own readers liked it.

Goodreads' rating count says how widely read a book is anywhere; the number of readers here
who rated it liked_rating or more says whether the readers this warehouse serves go on to read
and like it. The list's popularity feature is the sum of the two, each z-scored over the
candidates (then z-scored again, the scale the weights are tuned on): a book nobody here has
rated (30% of the real data's candidates) keeps its Goodreads half. What it changed on the
shared real data (few-book readers and "more like this" most): docs/evaluation.md,
"Popularity: Goodreads and the readers here".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from bookrec.warehouse.connection import run_sql, table_exists

if TYPE_CHECKING:
    from bookrec.lists.works import Works

LIKED_COUNTS_SQL = "lists/08_liked_counts.sql"

# The readers' half is z-scored with a std of at least this many log units. In a young
# warehouse where a handful of books have a like or two, the std over ~10k candidates is tiny
# and one like would be worth ~20 z-units: those books would top every reader's list. With
# the floor one like is worth at most log(2) / 0.5 = 1.4. The real data's std (0.97, 62% of
# the candidates liked by someone; 0.91 on an evaluation split's training ratings) is above
# it, so its lists are as measured.
LIKED_MIN_STD = 0.5


def liked_counts(con: duckdb.DuckDBPyConnection, liked_rating: float) -> pd.Series:
    """book_id -> how many of the warehouse's readers rated it liked_rating or more (books
    nobody liked are absent; empty without a ratings table)."""
    if not table_exists(con, "ratings"):
        return pd.Series(dtype=np.int64)
    return _counts(run_sql(con, LIKED_COUNTS_SQL, {"liked_rating": liked_rating}).df())


def liked_counts_of(ratings: pd.DataFrame, liked_rating: float) -> pd.Series:
    """liked_counts over a frame of ratings (user_id, book_id, rating), such as an
    evaluation's training ratings: the same query, on an in-memory DuckDB."""
    with duckdb.connect() as mem:
        mem.register("ratings", ratings[["user_id", "book_id", "rating"]])
        return _counts(run_sql(mem, LIKED_COUNTS_SQL, {"liked_rating": liked_rating}).df())


def _counts(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        frame["liked_by"].to_numpy(np.int64), index=frame["book_id"].to_numpy(np.int64)
    )


def counts_for(
    counts: pd.Series | None, book_ids: np.ndarray, works: Works | None = None
) -> np.ndarray | None:
    """Per book, in their order, the likes of its work: every edition's summed (readers here
    rate whichever edition they hold: Harry Potter #1's likes lie mostly on "Sorcerer's Stone",
    while the list shows "Philosopher's Stone"), the book's own without works; 0 for a work
    nobody liked; None without counts."""
    if counts is None:
        return None
    ids = np.asarray(book_ids, np.int64)
    if works is None:
        return counts.reindex(ids).fillna(0).to_numpy(np.float64)
    per_work = counts.groupby([works.work(int(b)) for b in counts.index]).sum()
    return per_work.reindex([works.work(int(b)) for b in ids]).fillna(0).to_numpy(np.float64)
