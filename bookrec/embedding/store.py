"""Book vectors in the warehouse: encode what changed, store fixed-size arrays, load matrices.

Tables (built by the SQL under sql/embed/):
- feat_book_texts(book_id, text, content_hash, described): the text each book is embedded
  from, and whether it says more than title and author.
- embedding_cache(model, content_hash, embedding FLOAT[]): every vector computed so far.
- feat_book_embeddings(book_id, model, content_hash, embedding FLOAT[d]): the raw space.
- feat_book_projections(book_id, version, embedding FLOAT[k]): the trained projector's space.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bookrec.config import EncoderConfig
from bookrec.embedding.encoder import cached_encoder, model_id_of
from bookrec.errors import DataError, WarehouseError
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import (
    connect,
    require_tables,
    run_sql,
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
class EmbedChunk:
    """Texts to encode together; their vectors are committed to embedding_cache as one write.

    number: 1-based position among the run's chunks (for progress messages).
    """

    number: int
    content_hashes: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class EmbedPlan:
    """What one embed run has to do: the books, and the missing texts split into chunks."""

    model: str
    books: int
    chunks: tuple[EmbedChunk, ...]

    @property
    def to_encode(self) -> int:
        return sum(len(c.texts) for c in self.chunks)


def _fixed_size_array(vectors: np.ndarray) -> pa.FixedSizeListArray:
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
    return pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])


def plan_embedding(db_path: Path, model: str, chunk_size: int) -> EmbedPlan:
    """Refresh feat_book_texts and list the texts embedding_cache lacks for `model`, in chunks.

    Chunks are cut from the missing texts in content-hash order, so a re-run after a kill
    forms the same chunks from what is still missing. One short write (feat_book_texts), then
    the connection is closed: encoding happens without holding the warehouse's write lock.

    Raises:
        WarehouseError: the books table is missing.
        DataError: the books table is empty.
    """
    with _connect_patiently(db_path) as con:
        require_tables(con, ["books"])
        run_sql(
            con, "embed/01_feat_book_texts.sql", {"max_description_chars": MAX_DESCRIPTION_CHARS}
        )
        run_sql(con, "embed/00_embedding_cache.sql")
        todo = run_sql(con, "embed/02_texts_to_encode.sql", {"model": model}).fetchall()
        books = run_sql(con, "embed/count_feat_book_texts.sql").fetchall()[0][0]
    if books == 0:
        raise DataError("the books table is empty; nothing to embed")
    chunks = tuple(
        EmbedChunk(
            number=i // chunk_size + 1,
            content_hashes=tuple(h for h, _ in todo[i : i + chunk_size]),
            texts=tuple(t for _, t in todo[i : i + chunk_size]),
        )
        for i in range(0, len(todo), chunk_size)
    )
    log.info(
        "%d books, %d texts to encode with %s in %d chunks", books, len(todo), model, len(chunks)
    )
    return EmbedPlan(model=model, books=books, chunks=chunks)


def store_chunk(db_path: Path, model: str, chunk: EmbedChunk, vectors: np.ndarray) -> None:
    """Commit one chunk's vectors to embedding_cache in one short write transaction.

    Raises:
        DataError: the vectors do not match the chunk (count) or are not finite.
    """
    if len(vectors) != len(chunk.content_hashes) or not np.isfinite(vectors).all():
        raise DataError(
            f"chunk {chunk.number}: {len(vectors)} vectors for {len(chunk.content_hashes)} texts "
            "or non-finite values; nothing stored"
        )
    new_vectors = pa.table(
        {
            "content_hash": pa.array(list(chunk.content_hashes)),
            "embedding": pa.ListArray.from_arrays(
                pa.array(np.arange(0, vectors.size + 1, vectors.shape[1], dtype=np.int32)),
                pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel()),
            ),
        }
    )
    with _connect_patiently(db_path) as con:
        con.register("new_vectors", new_vectors)
        run_sql(con, "embed/03_add_to_cache.sql", {"model": model})
        con.unregister("new_vectors")


@contextmanager
def _connect_patiently(db_path: Path, attempts: int = 8) -> Iterator[duckdb.DuckDBPyConnection]:
    """connect(), waiting a little while another process holds the file: since embed lets go of
    the warehouse between chunks, a reader may be in it when the next chunk is ready, and that
    must not cost the encoded chunk (about 13 s of waiting in all before giving up)."""
    for attempt in range(attempts):
        opened = connect(db_path, must_exist=True)
        try:
            con = opened.__enter__()
        except WarehouseError as exc:
            # Only a lock held by another process is worth waiting for; a missing or damaged
            # file is told at once.
            if attempt == attempts - 1 or "in use" not in str(exc):
                raise
            log.info("warehouse busy; chunk waits %.1f s", 0.1 * 2**attempt)
            time.sleep(0.1 * 2**attempt)
            continue
        try:
            yield con
        except BaseException as exc:
            # connect() closes the connection and turns a damaged file's IOException into
            # its one-line WarehouseError (raised from here); anything else goes on as it was.
            if not opened.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            opened.__exit__(None, None, None)
        return


def finish_embedding(db_path: Path, plan: EmbedPlan) -> EmbedCounts:
    """Build feat_book_embeddings from the cache once every chunk is stored.

    Raises:
        DataError: some books still have no vector (a chunk was not stored).
    """
    with _connect_patiently(db_path) as con:
        dims = run_sql(con, "embed/cache_sizes.sql", {"model": plan.model}).fetchall()
        if len(dims) != 1:
            raise DataError(f"embedding_cache holds vectors of sizes {dims} for {plan.model}")
        run_sql(
            con,
            "embed/04_feat_book_embeddings.sql",
            {"model": plan.model},
            sizes={"dim": int(dims[0][0])},
        )
        lineage.record(con, "feat_book_embeddings", plan.model)
        stored = run_sql(con, "embed/count_feat_book_embeddings.sql").fetchall()[0][0]
    if stored != plan.books:
        raise DataError(f"{plan.books - stored} books got no vector; rerun `python -m flows.embed`")
    return EmbedCounts(
        books=plan.books,
        encoded=plan.to_encode,
        reused=plan.books - plan.to_encode,
        model=plan.model,
    )


def embed_books(
    db_path: Path, config: EncoderConfig | None = None, progress: bool = True
) -> EmbedCounts:
    """Embed every book of the warehouse in-process, encoding only texts the cache lacks.

    Each chunk (EncoderConfig.chunk_size texts) is committed as soon as it is encoded, with the
    warehouse closed while encoding: a killed run keeps its finished chunks and the re-run
    encodes only the rest, and other steps can read the warehouse between chunks.

    Raises:
        WarehouseError: the books table is missing.
        ConfigError: the model cannot be loaded.
    """
    from tqdm import tqdm

    config = config or EncoderConfig()
    plan = plan_embedding(db_path, model_id_of(config), config.chunk_size)
    bar = tqdm(total=plan.to_encode, unit="book", desc="encoding", disable=not progress)
    with bar:
        return store_encoded(
            db_path,
            plan,
            encode_chunks(plan, config),
            lambda chunk, _: bar.update(len(chunk.texts)),
        )


def encode_chunks(
    plan: EmbedPlan, config: EncoderConfig
) -> Iterator[tuple[EmbedChunk, np.ndarray]]:
    """Each chunk of the plan with its vectors, encoded here in turn (the encoder loaded once per
    process and config, and only when there is something to encode)."""
    for chunk in plan.chunks:
        yield chunk, cached_encoder(config).encode(list(chunk.texts))


def store_encoded(
    db_path: Path,
    plan: EmbedPlan,
    encoded: Iterable[tuple[EmbedChunk, np.ndarray]],
    on_stored: Callable[[EmbedChunk, int], None] | None = None,
) -> EmbedCounts:
    """Commit each chunk's vectors as they come (in any order: encoded here, or by workers),
    then build feat_book_embeddings: the one store loop of embed_books and of flow `embed`.

    on_stored(chunk, texts stored so far): progress, after each commit.
    """
    done = 0
    for chunk, vectors in encoded:
        store_chunk(db_path, plan.model, chunk, vectors)
        done += len(chunk.texts)
        log_chunk_stored(chunk, len(plan.chunks))
        if on_stored is not None:
            on_stored(chunk, done)
    return finish_embedding(db_path, plan)


def log_chunk_stored(chunk: EmbedChunk, chunks: int) -> None:
    """One log line per committed chunk (what a killed run kept is in the log)."""
    log.info("stored chunk %d/%d (%d texts)", chunk.number, chunks, len(chunk.texts))


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
