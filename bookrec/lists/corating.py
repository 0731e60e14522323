"""Co-rating vectors: ALS item factors (implicit) of every book with ratings, in the feature
store beside the text embeddings (feat_book_corating(book_id, model, embedding FLOAT[k])).

Two books are close in this space when the same readers read them, whatever their texts say.
The flow step fits on all ratings (serving); the evaluation fits on its training split only.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd
import scipy.sparse as sp

from bookrec.config import CoratingConfig
from bookrec.embedding.vectors import BookVectors, book_matrix
from bookrec.errors import WarehouseError
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import require_tables, run_sql, sql_relation, table_exists

log = logging.getLogger(__name__)

SPACE = "corating"


def interaction_matrix(ratings: pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """users x books CSR of ones (one per rating), with the sorted user and book ids."""
    users, user_rows = np.unique(ratings["user_id"].to_numpy(np.int64), return_inverse=True)
    books, book_cols = np.unique(ratings["book_id"].to_numpy(np.int64), return_inverse=True)
    data = np.ones(len(ratings), dtype=np.float32)
    matrix = sp.csr_matrix((data, (user_rows, book_cols)), shape=(len(users), len(books)))
    return matrix, users, books


def fit_als(matrix: sp.csr_matrix, config: CoratingConfig):
    """implicit's ALS on a users x items matrix (CPU, at most 2 threads: the machine is shared)."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    # implicit parallelises itself; a BLAS thread pool under it only oversubscribes the cores
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=config.factors,
            regularization=config.regularization,
            iterations=config.iterations,
            random_state=config.seed,
            num_threads=2,
            calculate_training_loss=False,
        )
        model.fit(matrix, show_progress=False)
    return model


def corating_vectors(ratings: pd.DataFrame, config: CoratingConfig | None = None) -> BookVectors:
    """Unit-length ALS item factors of every rated book (rows follow sorted book ids)."""
    config = config or CoratingConfig()
    matrix, _, books = interaction_matrix(ratings)
    model = fit_als(matrix, config)
    factors = np.asarray(model.item_factors, dtype=np.float32)
    norms = np.linalg.norm(factors, axis=1)
    factors = factors / np.where(norms > 0, norms, 1.0)[:, None]
    version = f"als{config.factors}-it{config.iterations}-reg{config.regularization}-s{config.seed}"
    return BookVectors(books, factors, SPACE, version, norms=norms.astype(np.float32))


def store_corating(con: duckdb.DuckDBPyConnection, vectors: BookVectors) -> int:
    """Replace feat_book_corating with these vectors; returns the rows written."""
    frame = pd.DataFrame(
        {
            "book_id": vectors.book_ids,
            "model": vectors.version,
            "embedding": list(vectors.vectors),
            "norm": vectors.norms,
        }
    )
    con.register("new_corating", frame)
    try:
        run_sql(con, "lists/01_feat_book_corating.sql", sizes={"dim": vectors.vectors.shape[1]})
    finally:
        con.unregister("new_corating")
    lineage.record(con, "feat_book_corating", vectors.version)
    return len(frame)


def load_corating(con: duckdb.DuckDBPyConnection) -> BookVectors | None:
    """The stored co-rating vectors, or None before `python -m flows.lists` has run."""
    if not table_exists(con, "feat_book_corating"):
        return None
    require_tables(con, ["feat_book_corating"])
    lineage.require_fresh(con, "feat_book_corating")
    # Arrow, not a DataFrame: np.stack over a frame's per-row arrays took ~0.1 s a load
    table = sql_relation(con, "lists/05_corating_load.sql").to_arrow_table()
    if table.num_rows == 0:
        return None
    if "norm" not in table.column_names:
        raise WarehouseError(
            "feat_book_corating predates the stored factor lengths: "
            "run `python -m flows.lists` to rebuild it"
        )
    # the file orders by book_id, so the norms stay aligned with book_matrix's rows
    book_ids, vectors = book_matrix(table, "embedding")
    return BookVectors(
        book_ids=book_ids,
        vectors=vectors,
        space=SPACE,
        version=str(table.column("model")[0]),
        norms=table.column("norm").to_numpy().astype(np.float32),
    )
