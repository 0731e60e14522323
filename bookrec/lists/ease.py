"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): closed-form item-item weights.

B = argmin ||X - X B||^2 + reg ||B||^2 subject to diag(B) = 0, solved in closed form:
P = (X'X + reg I)^-1, B_ij = -P_ij / P_jj (i != j), B_jj = 0. A reader's scores are x B,
x their row of ones over the items.

Two uses, one fit: the list's co-reading feature (bookrec.lists.features, ListConfig's
corating_feature "ease"), fitted by flow `lists` on every rating and stored in the feature
store as feat_book_ease(book_id, model, weights FLOAT[n]) (row i: B_i, the weights of reading
book i towards every one of the n books, in book_id order); and the EASE peer of the top-N
evaluation, fitted on its training ratings only.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.linalg
import scipy.sparse as sp

from bookrec.config import CoratingConfig
from bookrec.embedding.vectors import book_matrix
from bookrec.errors import WarehouseError
from bookrec.sorted_ids import positions
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import run_sql, sql_relation, table_exists

log = logging.getLogger(__name__)

TABLE = "feat_book_ease"


def ease_weights(matrix: sp.spmatrix, reg: float) -> np.ndarray:
    """EASE's item-item weights B (items x items, float32) of a users x items matrix.

    Raises:
        ValueError: reg is not positive (X'X alone may be singular).
    """
    if reg <= 0:
        raise ValueError(f"EASE's regularization must be positive; got {reg!r}")
    x = sp.csr_matrix(matrix, dtype=np.float64)
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += reg
    # LAPACK's LU inverse (getrf + getri): at 8,000 items 8.4 s against 14.3 s for
    # numpy.linalg.inv (a solve against the identity) on the shared data, float32 weights
    # equal but for 24 of 64M entries, 1.5e-11 apart. It answers in Fortran order: the
    # weights are read by rows (a reader's books), so they are stored in C order
    p = scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)
    del gram
    p /= -np.diag(p)[None, :]  # column j divided by -P_jj, in place: one items^2 buffer
    np.fill_diagonal(p, 0.0)
    return p.astype(np.float32, order="C")


class Ease:
    """EASE over a fixed set of items (sorted book ids); scores any history of book ids."""

    def __init__(self, book_ids: np.ndarray, weights: np.ndarray, version: str = "") -> None:
        self.book_ids = np.asarray(book_ids, np.int64)
        self.weights = weights
        self.version = version

    @classmethod
    def fit(
        cls,
        matrix: sp.spmatrix,
        book_ids: np.ndarray,
        reg: float,
        min_readers: int,
        max_books: int | None = None,
    ) -> Ease:
        """EASE on the columns (books) read by at least min_readers readers, at most max_books
        of them (the most read; None: no cap): the closed form inverts an items x items matrix
        (cubic time, items^2 memory), so books nobody else read (no co-reading to learn from)
        are left out of it."""
        counts = np.asarray((sp.csr_matrix(matrix) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(counts >= min_readers)
        if max_books is not None and len(keep) > max_books:
            most = np.argsort(-counts[keep], kind="stable")[:max_books]
            keep = np.sort(keep[most])
        log.info(
            "EASE: %d of %d books (>= %d readers, at most %s), reg %g",
            len(keep),
            len(counts),
            min_readers,
            max_books,
            reg,
        )
        weights = ease_weights(sp.csc_matrix(matrix)[:, keep], reg)
        version = f"ease-reg{reg:g}-min{min_readers}-n{len(keep)}"
        return cls(np.asarray(book_ids, np.int64)[keep], weights, version)

    def scores(self, history_ids, book_ids: np.ndarray) -> np.ndarray:
        """x B at book_ids (-inf for a book outside EASE's items), x = the history's ones."""
        history = self.index_of(history_ids)
        rows = self.index_of(book_ids)
        out = np.full(len(rows), -np.inf)
        known = rows >= 0
        h = history[history >= 0]
        out[known] = self.weights[np.ix_(h, rows[known])].sum(axis=0) if len(h) else 0.0
        return out

    def index_of(self, ids) -> np.ndarray:
        """Positions of the given book ids among EASE's books, -1 where a book is not one."""
        return positions(self.book_ids, ids)


def fit_ease(ratings: pd.DataFrame, config: CoratingConfig | None = None) -> Ease:
    """EASE on every rating (one interaction each: who read what), with config's settings."""
    from bookrec.lists.corating import interaction_matrix

    matrix, _, books = interaction_matrix(ratings)
    return fit_ease_matrix(matrix, books, config)


def fit_ease_matrix(
    matrix: sp.spmatrix, book_ids: np.ndarray, config: CoratingConfig | None = None
) -> Ease:
    """Ease.fit on a users x books matrix (columns: book_ids) with config's settings."""
    config = config or CoratingConfig()
    return Ease.fit(
        matrix, book_ids, config.ease_reg, config.ease_min_readers, config.ease_max_books
    )


def store_ease(con: duckdb.DuckDBPyConnection, ease: Ease) -> int:
    """Replace feat_book_ease with these weights (one FLOAT[n] row per book); rows written."""
    n = len(ease.book_ids)
    weights = np.ascontiguousarray(ease.weights, np.float32).reshape(-1)
    frame = pa.table(
        {
            "book_id": pa.array(ease.book_ids),
            "model": pa.array([ease.version] * n, pa.string()),
            "weights": pa.FixedSizeListArray.from_arrays(pa.array(weights), max(n, 1)),
        }
    )
    con.register("new_ease", frame)
    try:
        run_sql(con, "lists/06_feat_book_ease.sql", sizes={"n": max(n, 1)})
    finally:
        con.unregister("new_ease")
    lineage.record(con, TABLE, ease.version)
    return n


def load_ease(con: duckdb.DuckDBPyConnection) -> Ease | None:
    """The stored EASE weights, or None before `python -m flows.lists` has stored them."""
    if not table_exists(con, TABLE):
        return None
    lineage.require_fresh(con, TABLE)
    table = sql_relation(con, "lists/07_ease_load.sql").to_arrow_table()
    n = table.num_rows
    if n == 0:
        return None
    size = table.schema.field("weights").type.list_size
    if size != n:
        raise WarehouseError(
            f"{TABLE} holds {n} books but {size} weights a row: "
            "run `python -m flows.lists` to rebuild it"
        )
    book_ids, weights = book_matrix(table, "weights")
    return Ease(book_ids, weights, str(table.column("model")[0]))
