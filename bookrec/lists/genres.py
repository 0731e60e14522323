"""How close a candidate's Goodreads genres are to those of the books a reader liked.

The text vector already reads a book's genres ("<title> by <author>. Genres: ...") but blends
them with its description, and two books can share their genres and little of their words. As
one more input of both re-rankers (bookrec.lists.learned, FEATURES "genre_closeness") it
lifted the shared data's report readers' lists: full histories on every seed, three and five
books in 10 of 12 mode and seed pairs (docs/evaluation.md, "A reader's genres"); weighing the
genres by rarity or by their place in the list did no better.

A book's genres are the first GENRES_KEPT Goodreads gives (most voted first), as its text
takes them; each row of BookGenres.matrix is a book's genres as a unit vector, so the
closeness of a candidate is the cosine between its row and the sum of the liked books' rows.
A book without genres (a title known only from the rating files) has no row: it adds nothing
to a reader's sum and a candidate without one gets 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import scipy.sparse as sp

from bookrec.sorted_ids import positions
from bookrec.warehouse.connection import run_sql

# the genres of a book that count: as many as its text names (sql/embed/01_feat_book_texts.sql)
GENRES_KEPT = 8


@dataclass(frozen=True)
class GenreEntries:
    """Some rows' stored (genre, weight) entries, each with its row's index among those with
    genres (owner), and where those rows are among the rows asked (known)."""

    known: np.ndarray
    genres: np.ndarray
    weights: np.ndarray
    owner: np.ndarray


@dataclass(frozen=True)
class BookGenres:
    """Every book's genres as the rows of a sparse books x genres matrix of unit rows."""

    book_ids: np.ndarray  # sorted, one per row
    matrix: sp.csr_matrix

    @classmethod
    def of(cls, genres: Mapping[int, Sequence[str]]) -> BookGenres:
        """From book_id -> its genres, most voted first (books without any are left out)."""
        ids = np.array(sorted(b for b, g in genres.items() if g is not None and len(g)), np.int64)
        codes: dict[str, int] = {}
        rows, cols = [], []
        for row, book in enumerate(ids.tolist()):
            for genre in dict.fromkeys(genres[book][:GENRES_KEPT]):  # a genre once a book
                rows.append(row)
                cols.append(codes.setdefault(genre, len(codes)))
        counts = np.bincount(np.asarray(rows, np.int64), minlength=len(ids)).astype(np.float64)
        values = 1.0 / np.sqrt(counts[np.asarray(rows, np.int64)]) if rows else np.zeros(0)
        matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(ids), len(codes)))
        return cls(book_ids=ids, matrix=matrix)

    def rows_of(self, book_ids) -> np.ndarray:
        """Each book's row (-1: no genres known)."""
        return positions(self.book_ids, book_ids)

    def closeness(
        self, liked_ids, rows: np.ndarray, entries: GenreEntries | None = None
    ) -> np.ndarray:
        """Per row of `rows` (a candidate's row, -1 none), the cosine between its genres and
        the sum of the liked books' genres; 0 where either has none. entries: entries_of(rows),
        where the caller keeps them (every candidate's, Candidates.genre_entries)."""
        out = np.zeros(len(rows))
        liked = self.rows_of(liked_ids)
        liked = liked[liked >= 0]
        if not len(liked):
            return out
        entries = entries or self.entries_of(rows)
        if not len(entries.known):
            return out
        genres, weights, _ = self._entries(liked)
        profile = np.bincount(genres, weights=weights, minlength=self.matrix.shape[1])
        norm = float(np.linalg.norm(profile))
        if norm > 0:
            shared = np.bincount(
                entries.owner,
                weights=entries.weights * profile[entries.genres],
                minlength=len(entries.known),
            )
            out[entries.known] = shared / norm
        return out

    def cosines(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """(rows, others): the cosine between each pair's genres (rows -1: none, cosine 0), in
        small dense products of the rows' entries (a scipy row slice costs more than the
        product for the few rows of a list's reasons)."""
        out = np.zeros((len(rows), len(others)))
        has, other_has = np.flatnonzero(rows >= 0), np.flatnonzero(others >= 0)
        if not len(has) or not len(other_has):
            return out
        out[np.ix_(has, other_has)] = self._dense(rows[has]) @ self._dense(others[other_has]).T
        return out

    def _dense(self, rows: np.ndarray) -> np.ndarray:
        """These rows (none -1) as a dense rows x genres matrix."""
        genres, weights, owner = self._entries(rows)
        dense = np.zeros((len(rows), self.matrix.shape[1]))
        dense[owner, genres] = weights
        return dense

    def entries_of(self, rows: np.ndarray) -> GenreEntries:
        """The genre entries of these rows (-1: none) that closeness reads."""
        known = np.flatnonzero(rows >= 0)
        genres, weights, owner = self._entries(rows[known])
        return GenreEntries(known, genres, weights, owner)

    def _entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stored (genre, weight) entries of these rows, with the index in `rows` each
        belongs to: the matrix's own arrays gathered in numpy (a scipy row slice builds a new
        matrix, several times slower for the ~300 rows of a re-ranked list)."""
        starts = self.matrix.indptr[rows]
        lengths = self.matrix.indptr[rows + 1] - starts
        owner = np.repeat(np.arange(len(rows)), lengths)
        at = np.arange(int(lengths.sum())) - np.repeat(
            np.cumsum(lengths) - lengths - starts, lengths
        )
        return self.matrix.indices[at], self.matrix.data[at], owner


def load_genres(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, ...]]:
    """Every book's Goodreads genres from the warehouse, most voted first (books with any)."""
    return {int(b): tuple(g) for b, g in run_sql(con, "recommend/03_genres.sql").fetchall()}
