"""Book vectors and their loader: BookVectors (one space, rows ordered by book_id) read
from the warehouse tables bookrec.embedding.store writes (feat_book_embeddings, the raw
space; feat_book_projections, the trained one). Scoring and lists import only this."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from bookrec.errors import WarehouseError
from bookrec.sorted_ids import positions
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import (
    require_tables,
    run_sql,
    sql_relation,
    table_exists,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BookVectors:
    """One space's vectors: row i of `vectors` (unit length) belongs to book_ids[i]."""

    book_ids: np.ndarray
    vectors: np.ndarray
    space: str
    version: str
    # each vector's length before it was made unit, where the space keeps it (co-rating: the
    # lengths of ALS's item factors say how widely a book is read, and ALS's scores need them)
    norms: np.ndarray | None = None
    # per row: the book's text says more than title and author (feat_book_texts.described);
    # None: not known (every text counts as described, as before the column existed)
    described: np.ndarray | None = None

    def described_of(self, book_ids) -> np.ndarray:
        """Per book id: it has a vector from a text with more than its title and author."""
        rows = self.index_of(book_ids)
        if self.described is None:
            return rows >= 0
        return (rows >= 0) & self.described[np.maximum(rows, 0)]

    def index_of(self, book_ids) -> np.ndarray:
        """Row positions of the given book ids, -1 where a book has no vector."""
        return positions(self.book_ids, book_ids)


def book_matrix(table: pa.Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(book ids ascending, their rows of a fixed-size array column as one read-only float32
    matrix) from a table of book_id and that column in any order.

    The files read these tables in storage order and the rows are put in book_id order here:
    an `order by` made DuckDB sort the arrays with their ids (0.52 s against 0.16 s for
    EASE's 8,000 rows of 32 KB), and the tables are mostly stored in that order already.
    Rows that come in one Arrow chunk in book_id order (DuckDB's answer for these tables)
    are Arrow's own memory, not copied: a copy writes a fresh buffer, and on this machine
    first writes to fresh memory took 0.05 to 1.6 s for EASE's 256 MB, from one process to
    the next. Otherwise each chunk is copied once into place (joining the chunks first and
    converting after copied EASE's 256 MB twice)."""
    ids = table.column("book_id").to_numpy().astype(np.int64)
    values = table.column(column)
    in_order = len(ids) < 2 or bool((ids[1:] > ids[:-1]).all())
    one_float32_chunk = values.num_chunks == 1 and values.type.value_type == pa.float32()
    if one_float32_chunk and in_order and values.null_count == 0:
        chunk = values.chunk(0)
        flat = chunk.flatten().to_numpy(zero_copy_only=True)
        out = flat.reshape(len(chunk), values.type.list_size)
        out.flags.writeable = False
        return ids, out
    out = np.empty((len(ids), values.type.list_size), np.float32)
    at = 0
    for chunk in values.chunks:
        rows = len(chunk)
        out[at : at + rows] = chunk.flatten().to_numpy(zero_copy_only=False).reshape(rows, -1)
        at += rows
    if not in_order:
        order = np.argsort(ids, kind="stable")
        ids, out = ids[order], out[order]
    out.flags.writeable = False
    return ids, out


def load_book_vectors(
    con: duckdb.DuckDBPyConnection, space: str = "raw", version: str | None = None
) -> BookVectors:
    """Every book's vector in one space, ordered by book_id.

    Args:
        con: an open warehouse connection.
        space: "raw" (encoder) or "trained" (projector).
        version: projector version for "trained"; None takes the newest stored one.

    Raises:
        WarehouseError: the space has not been built yet (names the flow that builds it).
    """
    if space == "raw":
        require_tables(con, ["feat_book_embeddings"])
        lineage.require_fresh(con, "feat_book_embeddings")
        version = run_sql(con, "embed/raw_model.sql").fetchall()[0][0]
        table = sql_relation(con, "embed/raw_vectors.sql").to_arrow_table()
    elif space == "trained":
        require_tables(con, ["feat_book_projections"])
        if version is None:
            version = newest_projection_version(con)
        lineage.require_fresh(con, f"{lineage.PROJECTIONS}:{version}")
        table = sql_relation(
            con, "embed/projected_vectors.sql", {"version": version}
        ).to_arrow_table()
        if table.num_rows == 0:
            raise WarehouseError(
                f"no projected vectors for version {version!r}; "
                "run `python -m flows.encode_embeddings`"
            )
    else:
        raise ValueError(f"space must be 'raw' or 'trained'; got {space!r}")
    if table.num_rows == 0:
        raise WarehouseError(f"no {space} vectors stored; run `python -m flows.embed`")
    book_ids, vectors = book_matrix(table, "embedding")
    return BookVectors(
        book_ids=book_ids,
        vectors=vectors,
        space=space,
        version=str(version),
        described=_described(con, book_ids),
    )


def _described(con: duckdb.DuckDBPyConnection, book_ids: np.ndarray) -> np.ndarray | None:
    """Per book id (ascending): its text says more than title and author; None where the
    warehouse's feat_book_texts predates the column (every text then counts as described)."""
    if not table_exists(con, "feat_book_texts") or (
        "described" not in con.table("feat_book_texts").columns
    ):
        log.warning(
            "feat_book_texts predates `described`: titles alone count as text in the lists "
            "(run `python -m flows.embed` to rebuild it; nothing is re-encoded)"
        )
        return None
    described = run_sql(con, "embed/described_books.sql").fetchnumpy()["book_id"]
    return np.isin(book_ids, described.astype(np.int64))


def newest_projection_version(con: duckdb.DuckDBPyConnection) -> str:
    """The projector version whose vectors were stored last (by rowid order of insertion)."""
    if not table_exists(con, "feat_book_projections"):
        raise WarehouseError("no projected vectors; run `python -m flows.encode_embeddings`")
    rows = run_sql(con, "embed/newest_projection_version.sql").fetchall()
    if not rows:
        raise WarehouseError("no projected vectors; run `python -m flows.encode_embeddings`")
    return rows[0][0]
