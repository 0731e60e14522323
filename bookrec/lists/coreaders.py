"""Who read what here: the share of the readers of a reader's book who read a candidate too.

"Of the readers here who read The Hobbit, 9 in 19 read The Fellowship of the Ring" is the
plainest evidence a few-book reader's list can rest on, and one the co-rating spaces blur:
ALS's 64 factors and cosines normalise popularity away. It cuts both ways: 15 of those 19
read To Kill a Mockingbird (the shared data's readers read the same widely read books). The
few-book re-ranker (bookrec.lists.learned) takes the highest such share over the reader's
books as one input; on the shared data's report readers it lifted the mean NDCG@10 of the six
few-book modes on every seed (docs/evaluation.md, "What the re-ranker knows beyond the
terms"). Its cost grows with the candidates' readers: part of the ~0.6 ms the re-ranker's
new inputs add to a 3-book list of the shared data, ~2.7 ms for 300 of the most read books of
a made-up catalog of the full-size demo's shape (19,617 readers x 100 books).

Readers are counted by work: a reader of any edition has read the work, as the list's
popularity counts likes (bookrec.lists.popularity.counts_for).

The readers here nearest a reader say what the shares cannot: a share looks at one of the
reader's books at a time, while the readers who read many of the same books (the cosine of
the works in common) liked what a reader of all of them may like. The share of those
NEIGHBOURS who liked a candidate, weighted by nearness, is another input of both re-rankers
(CoReaders.neighbours_liked; docs/evaluation.md, "The readers nearest a reader").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from bookrec.sorted_ids import positions
from bookrec.warehouse.connection import run_sql, table_exists

if TYPE_CHECKING:
    from bookrec.lists.works import Works

READERS_SQL = "lists/09_readers_of_books.sql"
# How many of the nearest readers CoReaders.neighbours_liked asks. On the shared data's report
# readers 50 and 100 lifted the few-book lists alike, 100 the full histories' more (seeds 0-2).
NEIGHBOURS = 100


@dataclass(frozen=True)
class CoReaders:
    """Which reader read and liked which work, as sparse readers x works matrices (one column
    per work somebody read, in `works` order)."""

    works: np.ndarray  # sorted work ids
    read: sp.csc_matrix  # readers x works, 1.0 where the reader read the work
    readers_of: np.ndarray  # per work, how many readers read it
    liked: sp.csr_matrix  # readers x works, 1.0 where the reader liked an edition of the work
    works_read: np.ndarray  # per reader, how many works they read

    @classmethod
    def build(
        cls,
        user_ids: np.ndarray,
        book_ids: np.ndarray,
        works: Works | None,
        liked: np.ndarray | None = None,
    ) -> CoReaders:
        """From (reader, book) pairs; works: editions count as their work (None: each book is
        its own work); liked: per pair, whether the reader liked the book (None: no likes)."""
        unique, at = np.unique(np.asarray(book_ids, np.int64), return_inverse=True)
        work_of_pair = works_of(works, unique)[at]
        work_ids, cols = np.unique(work_of_pair, return_inverse=True)
        _, rows = np.unique(np.asarray(user_ids, np.int64), return_inverse=True)
        shape = (int(rows.max()) + 1 if len(rows) else 0, len(work_ids))
        read = sp.csc_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
        read.data[:] = 1.0  # a reader who rated two editions read the work once
        chosen = np.zeros(len(rows), bool) if liked is None else np.asarray(liked, bool)
        liked_matrix = sp.csr_matrix(
            (np.ones(int(chosen.sum()), np.float32), (rows[chosen], cols[chosen])), shape=shape
        )
        liked_matrix.data[:] = 1.0
        return cls(
            works=work_ids,
            read=read,
            readers_of=np.diff(read.indptr).astype(np.float64),
            liked=liked_matrix,
            works_read=np.bincount(read.indices, minlength=shape[0]).astype(np.float64),
        )

    def columns_of(self, work_ids: np.ndarray) -> np.ndarray:
        """Each work's column (-1: nobody here read it)."""
        return positions(self.works, work_ids)

    def columns_of_books(self, works: Works | None, book_ids) -> np.ndarray:
        """Each book's work's column (-1: nobody here read it; works None: each book is its
        own work)."""
        return self.columns_of(works_of(works, book_ids))

    def shares(self, given: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """(given, candidates): of each given column's readers, the share who read each
        candidate column too; 0 where either is -1."""
        out = np.zeros((len(given), len(candidates)))
        rows, cols = given >= 0, candidates >= 0
        if not rows.any() or not cols.any():
            return out
        both = (self.read[:, given[rows]].T @ self.read[:, candidates[cols]]).toarray()
        out[np.ix_(rows, cols)] = both / self.readers_of[given[rows]][:, None]
        return out

    def highest_share(self, given: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Per candidate column (-1: none), the highest share, over the given columns (-1
        ignored), of that work's readers who read the candidate too; 0 without either."""
        out = np.zeros(len(candidates))
        given = np.unique(given[given >= 0])
        cols = candidates >= 0
        if not len(given) or not cols.any():
            return out
        # the same ratios as shares(), candidates x given, without its zero-filled scratch
        # matrix: the maximum runs along each candidate's own row. The sparse product itself
        # is most of the cost (~0.75 ms for a shared-data reader's best 300 candidates and
        # ~90 books, ~5% less than shares().max(axis=0)).
        both = (self.read[:, candidates[cols]].T @ self.read[:, given]).toarray()
        out[cols] = (both / self.readers_of[given]).max(axis=1)
        return out

    def neighbours_liked(
        self, given: np.ndarray, candidates: np.ndarray, k: int = NEIGHBOURS
    ) -> np.ndarray:
        """Per candidate column (-1: none), the share of the k readers here nearest a reader of
        the given columns (-1 ignored) who liked it, each weighted by nearness: the works they
        read in common over the root of both counts (cosine). 0 without either.

        A reader here asking for their own list is their own nearest (nearness 1): they liked
        none of their candidates, so they weigh every share down alike.
        """
        out = np.zeros(len(candidates))
        given = np.unique(given[given >= 0])
        cols = candidates >= 0
        if not len(given) or not cols.any():
            return out
        common = np.bincount(self.read[:, given].indices, minlength=self.read.shape[0])
        near = np.flatnonzero(common)
        if len(near) > k:
            nearness = common[near] / np.sqrt(self.works_read[near])
            near = near[np.argpartition(-nearness, k - 1)[:k]]
        weights = common[near] / np.sqrt(len(given) * self.works_read[near])
        liked = weights @ self.liked[near]
        out[cols] = liked[candidates[cols]] / weights.sum()
        return out


def works_of(works: Works | None, book_ids) -> np.ndarray:
    """Each book's work (the book itself without works)."""
    ids = np.asarray(book_ids, np.int64)
    if works is None:
        return ids
    return np.fromiter((works.work(b) for b in ids.tolist()), np.int64, len(ids))


def co_readers(
    con: duckdb.DuckDBPyConnection, works: Works | None, liked_rating: float
) -> CoReaders | None:
    """The warehouse's readers by work (None without a ratings table); a rating at or above
    liked_rating is liked."""
    if not table_exists(con, "ratings"):
        return None
    return _built(run_sql(con, READERS_SQL, {"liked_rating": liked_rating}), works)


def co_readers_of(ratings: pd.DataFrame, works: Works | None, liked_rating: float) -> CoReaders:
    """The same over a frame of ratings (user_id, book_id, rating), such as an evaluation's
    training ratings: the same query, on an in-memory DuckDB."""
    with duckdb.connect() as mem:
        mem.register("ratings", ratings[["user_id", "book_id", "rating"]])
        return _built(run_sql(mem, READERS_SQL, {"liked_rating": liked_rating}), works)


def _built(result: duckdb.DuckDBPyConnection, works: Works | None) -> CoReaders:
    pairs = result.fetchnumpy()
    return CoReaders.build(pairs["user_id"], pairs["book_id"], works, pairs["liked"])
