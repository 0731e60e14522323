"""Book vectors in the warehouse: encode what changed, store fixed-size arrays, load matrices.

Tables (built by the SQL under sql/embed/):
- feat_book_texts(book_id, text, content_hash): the text each book is embedded from.
- embedding_cache(model, content_hash, embedding FLOAT[]): every vector computed so far.
- feat_book_embeddings(book_id, model, content_hash, embedding FLOAT[d]): the raw space.
- feat_book_projections(book_id, version, embedding FLOAT[k]): the trained projector's space.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bookrec.config import EncoderConfig
from bookrec.embedding.encoder import Encoder
from bookrec.errors import DataError, WarehouseError
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import (
    connect,
    require_tables,
    run_sql,
    sql_relation,
    table_exists,
)

log = logging.getLogger(__name__)

# Longer descriptions are cut before tokenizing; 256 tokens rarely need more than ~1500 chars.
MAX_DESCRIPTION_CHARS = 4000


@dataclass(frozen=True)
class EmbedCounts:
    books: int
    encoded: int
    reused: int
    model: str


@dataclass(frozen=True)
class BookVectors:
    """One space's vectors: row i of `vectors` (unit length) belongs to book_ids[i]."""

    book_ids: np.ndarray
    vectors: np.ndarray
    space: str
    version: str

    def index_of(self, book_ids) -> np.ndarray:
        """Row positions of the given book ids, -1 where a book has no vector."""
        book_ids = np.asarray(book_ids, dtype=np.int64)
        positions = np.searchsorted(self.book_ids, book_ids)
        positions = np.clip(positions, 0, max(len(self.book_ids) - 1, 0))
        found = len(self.book_ids) > 0
        hit = (
            found & (self.book_ids[positions] == book_ids)
            if found
            else np.zeros(len(book_ids), bool)
        )
        return np.where(hit, positions, -1)


def _fixed_size_array(vectors: np.ndarray) -> pa.FixedSizeListArray:
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
    return pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])


def embed_books(
    db_path: Path, config: EncoderConfig | None = None, progress: bool = True
) -> EmbedCounts:
    """Embed every book of the warehouse, encoding only texts the cache lacks for this model.

    Raises:
        WarehouseError: the books table is missing.
        ConfigError: the model cannot be loaded.
    """
    config = config or EncoderConfig()
    encoder = Encoder.load(config)
    with connect(db_path, must_exist=True) as con:
        require_tables(con, ["books"])
        run_sql(
            con, "embed/01_feat_book_texts.sql", {"max_description_chars": MAX_DESCRIPTION_CHARS}
        )
        run_sql(con, "embed/00_embedding_cache.sql")
        todo = run_sql(con, "embed/02_texts_to_encode.sql", {"model": encoder.model_id}).df()
        books = run_sql(con, "embed/count_feat_book_texts.sql").fetchall()[0][0]
        if books == 0:
            raise DataError("the books table is empty; nothing to embed")
        log.info("%d books, %d texts to encode with %s", books, len(todo), encoder.model_id)
        if len(todo):
            vectors = encoder.encode(todo["text"].tolist(), progress=progress)
            new_vectors = pa.table(
                {
                    "content_hash": pa.array(todo["content_hash"].tolist()),
                    "embedding": pa.ListArray.from_arrays(
                        pa.array(np.arange(0, vectors.size + 1, vectors.shape[1], dtype=np.int32)),
                        pa.array(vectors.ravel()),
                    ),
                }
            )
            con.register("new_vectors", new_vectors)
            run_sql(con, "embed/03_add_to_cache.sql", {"model": encoder.model_id})
            con.unregister("new_vectors")
        run_sql(
            con,
            "embed/04_feat_book_embeddings.sql",
            {"model": encoder.model_id},
            sizes={"dim": encoder.dim},
        )
        lineage.record(con, "feat_book_embeddings", encoder.model_id)
        stored = run_sql(con, "embed/count_feat_book_embeddings.sql").fetchall()[0][0]
    if stored != books:
        raise DataError(f"{books - stored} books got no vector; rerun `python -m flows.embed`")
    return EmbedCounts(
        books=books, encoded=len(todo), reused=books - len(todo), model=encoder.model_id
    )


def _arrow_matrix(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    # A writable copy: callers normalise or project in place.
    return values.astype(np.float32).reshape(-1, dim)


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
    dim = table.schema.field("embedding").type.list_size
    return BookVectors(
        book_ids=table.column("book_id").to_numpy().astype(np.int64),
        vectors=_arrow_matrix(table.column("embedding"), dim),
        space=space,
        version=str(version),
    )


def newest_projection_version(con: duckdb.DuckDBPyConnection) -> str:
    """The projector version whose vectors were stored last (by rowid order of insertion)."""
    if not table_exists(con, "feat_book_projections"):
        raise WarehouseError("no projected vectors; run `python -m flows.encode_embeddings`")
    rows = run_sql(con, "embed/newest_projection_version.sql").fetchall()
    if not rows:
        raise WarehouseError("no projected vectors; run `python -m flows.encode_embeddings`")
    return rows[0][0]


def store_projections(
    con: duckdb.DuckDBPyConnection, version: str, book_ids, vectors: np.ndarray
) -> int:
    """Write (or replace) one projector version's vectors into feat_book_projections.

    The table holds one vector size; a projector of another size replaces the table (its old
    versions can be re-encoded from their saved weights).

    Raises:
        DataError: NaN, infinite or non-unit vectors, or ids and vectors of different lengths.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    book_ids = np.asarray(book_ids, dtype=np.int64)
    if vectors.ndim != 2 or len(book_ids) != len(vectors):
        raise DataError(f"{len(book_ids)} book ids for {len(vectors)} vectors")
    if not np.isfinite(vectors).all():
        raise DataError(f"projector {version} produced NaN or infinite values; nothing stored")
    norms = np.linalg.norm(vectors, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-3):
        raise DataError(f"projector {version} vectors are not unit length; nothing stored")
    dim = vectors.shape[1]
    if table_exists(con, "feat_book_projections"):
        stored_dim = next(iter(run_sql(con, "embed/projection_size.sql").fetchall()), None)
        if stored_dim is not None and stored_dim[0] != dim:
            log.warning("projections change size %d -> %d: replacing the table", stored_dim[0], dim)
            run_sql(con, "embed/drop_projections.sql")
    run_sql(con, "embed/05_feat_book_projections.sql", sizes={"dim": dim})
    con.register(
        "new_projections",
        pa.table({"book_id": pa.array(book_ids), "embedding": _fixed_size_array(vectors)}),
    )
    run_sql(con, "embed/06_store_projections.sql", {"version": version}, sizes={"dim": dim})
    con.unregister("new_projections")
    lineage.record(con, f"{lineage.PROJECTIONS}:{version}", version)
    return len(book_ids)
