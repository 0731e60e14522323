"""The chunk loops and tasks that flows `embed` and `recommend_all` fan chunks out with.

A private module (not a flow entry point of its own): each loop runs inside its flow's run, on a
task runner the flow started (flows._dask: threads of this process, or Dask), plans or reads in
the flow process, submits chunks as tasks of the flow run (retried when they fail) and keeps
every DuckDB write in the flow process: encode_on_cluster for embed, score_reader_chunks for
recommend_all. They were subflows once; a subflow's end waits up to a second for Prefect's
heartbeat thread (it sleeps in 1 s steps), 0.6 s of a 6 s recommend_all on the shared data.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner

from bookrec.config import EncoderConfig
from bookrec.embedding.encoder import cached_encoder, model_id_of, resolved
from bookrec.embedding.store import (
    EmbedChunk,
    EmbedCounts,
    plan_embedding,
    store_encoded,
)
from bookrec.serving.batch import (
    BatchSettings,
    ReaderChunk,
    cached_recommender,
    read_histories,
    reader_chunks,
    score_chunk,
)
from bookrec.serving.forked import close_forked_workers, score_chunk_forked
from flows._dask import fail_once_if_asked

CHUNK_RETRIES = 2
# Chunks handed to the cluster at a time: enough to keep many workers busy, few enough that the
# texts and vectors in flight stay small for a catalog of millions of books.
CHUNKS_IN_FLIGHT = 64


def log_counts(counts: EmbedCounts) -> None:
    get_run_logger().info(
        "%d books: %d encoded, %d from the cache (%s)",
        counts.books,
        counts.encoded,
        counts.reused,
        counts.model,
    )


@task(retries=CHUNK_RETRIES, retry_delay_seconds=1, cache_policy=NO_CACHE)
def encode_chunk(chunk: EmbedChunk, config: EncoderConfig) -> tuple[tuple[str, int], np.ndarray]:
    """On a worker: (the process that encoded it, as its host and pid; the chunk's vectors),
    with the worker's encoder (loaded once per process)."""
    fail_once_if_asked(f"embed chunk {chunk.number}")
    return this_process(), cached_encoder(config).encode(list(chunk.texts))


def this_process() -> tuple[str, int]:
    """A process told apart from those of other machines (a pid alone repeats there)."""
    return socket.gethostname(), os.getpid()


def encode_on_cluster(
    runner: TaskRunner, warehouse: str, config: EncoderConfig
) -> tuple[EmbedCounts, int]:
    """Plan, fan the chunks out on the started `runner` (in-process or Dask: the one loop of
    `embed`), store each as it comes back (bookrec.embedding.store.store_encoded); returns the
    counts and how many processes other than this one encoded chunks (0: none, all encoded
    here or nothing to encode)."""
    logger = get_run_logger()
    db_path = Path(warehouse)
    config = resolved(config)  # the workers run the runtime the plan's model id names
    plan = plan_embedding(db_path, model_id_of(config), config.chunk_size)
    started = time.perf_counter()
    encoders: set[tuple[str, int]] = set()

    def encoded() -> Iterator[tuple[EmbedChunk, np.ndarray]]:
        for first in range(0, len(plan.chunks), CHUNKS_IN_FLIGHT):
            window = plan.chunks[first : first + CHUNKS_IN_FLIGHT]
            futures = {
                runner.submit(encode_chunk, {"chunk": chunk, "config": config}): chunk
                for chunk in window
            }
            for future in as_completed(list(futures)):
                process, vectors = future.result()
                encoders.add(process)
                yield futures[future], vectors

    def progress(chunk: EmbedChunk, done: int) -> None:
        logger.info(
            "stored chunk %d/%d: %d of %d texts (%.1f books/s)",
            chunk.number,
            len(plan.chunks),
            done,
            plan.to_encode,
            done / (time.perf_counter() - started),
        )

    counts = store_encoded(db_path, plan, encoded(), progress)
    log_counts(counts)
    workers = len(encoders - {this_process()})
    if encoders:
        chunks = f"{len(plan.chunks)} chunk{'s' if len(plan.chunks) != 1 else ''}"
        where = "in this process"
        if workers:
            where = f"in {workers} worker process{'es' if workers != 1 else ''}"
        logger.info("%s encoded %s", chunks, where)
    return counts, workers


@task(retries=CHUNK_RETRIES, retry_delay_seconds=1, cache_policy=NO_CACHE)
def score_readers(
    warehouse: str, chunk: ReaderChunk, settings: BatchSettings, processes: int = 0
) -> pd.DataFrame:
    """One chunk of readers' top-N rows, scored together (the Recommender loaded once per
    process: the flow's own for the in-process runner, each worker's on Dask); with
    `processes`, in one of that many workers forked from this process once it is loaded
    (bookrec.serving.forked), else in this thread."""
    fail_once_if_asked(f"recommend_all chunk {chunk.number}")
    recommender = cached_recommender(Path(warehouse), settings)
    if processes:
        return score_chunk_forked(recommender, chunk, settings.top_n, processes)
    return score_chunk(recommender, chunk, settings.top_n)


def score_reader_chunks(
    runner: TaskRunner,
    warehouse: str,
    settings: BatchSettings,
    readers_per_chunk: int,
    processes: int = 0,
) -> tuple[list[pd.DataFrame], int]:
    """Fan the chunks out on the started `runner` (in-process or Dask: the one loop of
    recommend_all); rows come back to the flow process, which alone writes the warehouse.
    `processes`: score in that many workers forked from the flow process (score_readers)."""
    logger = get_run_logger()
    chunks = reader_chunks(read_histories(Path(warehouse)), readers_per_chunk, max(processes, 1))
    total = sum(c.readers for c in chunks)
    logger.info("%d readers in %d chunks", total, len(chunks))
    started = time.perf_counter()
    futures = {
        runner.submit(
            score_readers,
            {"warehouse": warehouse, "chunk": chunk, "settings": settings, "processes": processes},
        ): chunk
        for chunk in chunks
    }
    frames, readers = [], 0
    try:
        for future in as_completed(list(futures)):
            frames.append(future.result())
            readers += futures[future].readers
            logger.info(
                "scored chunk %d/%d: %d of %d readers (%.0f readers/s)",
                futures[future].number,
                len(chunks),
                readers,
                total,
                readers / (time.perf_counter() - started),
            )
    finally:
        close_forked_workers()
    return frames, readers
