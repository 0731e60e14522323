"""Batch recommendations: the top-N for every reader in `ratings`, scored in chunks of readers.

The flow `recommend_all` reads the histories (read_histories), cuts them into ReaderChunk
records, scores each chunk with score_chunk (in-process, in workers forked from the flow process
once it has loaded the Recommender (bookrec.serving.forked), or on Dask workers, each loading
it once: cached_recommender) and writes every row in one transaction
(store_recommendations). A chunk's readers go to the one ranker together
(Recommender.recommend_ids_block: one matrix product per space for a block of readers, then
each reader's rules), so the batch lists are the lists `bookrec recommend` gives the same
reader alone (Recommender.recommend_ids, a block of one).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import RecommendConfig, ScorerConfig, check_top
from bookrec.errors import DataError
from bookrec.scoring.settings import load_scorer_settings
from bookrec.serving.recommender import Recommendations, Recommender
from bookrec.warehouse.connection import connect, require_tables, run_sql

log = logging.getLogger(__name__)

COLUMNS = ["user_id", "rank", "book_id", "predicted", "reason", "mode"]


@dataclass(frozen=True)
class ReaderChunk:
    """Some readers' histories: rows of user_ids / book_ids / ratings, grouped by reader."""

    number: int
    user_ids: np.ndarray
    book_ids: np.ndarray
    ratings: np.ndarray

    @property
    def readers(self) -> int:
        return len(np.unique(self.user_ids))


@dataclass(frozen=True)
class BatchSettings:
    """What a recommend_all run scores with; stored as JSON beside every row it writes."""

    scorer: ScorerConfig
    recommend: RecommendConfig
    top_n: int

    def to_json(self) -> str:
        return json.dumps(
            {
                "scorer": dataclasses.asdict(self.scorer),
                "recommend": dataclasses.asdict(self.recommend),
                "top_n": self.top_n,
            },
            sort_keys=True,
        )


def batch_settings(
    db_path: Path, top_n: int, space: str | None, config: RecommendConfig
) -> BatchSettings:
    """The tuned scorer settings (evaluate's, else the defaults), with an optional space.

    Raises:
        ConfigError: top_n < 1.
    """
    check_top(top_n)
    with connect(db_path, read_only=True) as con:
        scorer = load_scorer_settings(con)
    if space is not None:
        scorer = dataclasses.replace(scorer, space=space)
    return BatchSettings(scorer=scorer, recommend=config, top_n=top_n)


def read_histories(db_path: Path) -> pd.DataFrame:
    """Every reader's (user_id, book_id, rating), ordered by reader (read-only).

    Raises:
        WarehouseError: no ratings table (names the flow to run).
    """
    with connect(db_path, read_only=True) as con:
        require_tables(con, ["ratings", "books"])
        return run_sql(con, "recommend_all/01_reader_histories.sql").df()


# What a reader's list costs besides their history books, in history books' worth: scoring a
# reader alone on the shared data took ~1.9 ms plus ~0.052 ms a history book (300 readers, one
# core), so chunks are balanced by books + 36 a reader, not by readers: a tenth of the readers
# hold more than half of the books there.
READER_COST_IN_BOOKS = 36


def reader_chunks(
    histories: pd.DataFrame, readers_per_chunk: int, workers: int = 1
) -> list[ReaderChunk]:
    """Cut the histories (ordered by user_id) into chunks of whole readers: at most
    readers_per_chunk each, their number a multiple of `workers` (as few as that allows), and
    of equal cost (books + READER_COST_IN_BOOKS a reader, up to one reader's), so workers that
    take them in turn finish together. Equal in readers, the six chunks of the shared data's
    1,343 readers took 1.2 to 1.9 s each and one of two workers idled 0.6 s at the end."""
    if readers_per_chunk < 1:
        raise DataError(f"readers per chunk must be at least 1; got {readers_per_chunk}")
    users = histories["user_id"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if len(users) else []
    if not len(starts):
        return []
    books = np.diff(np.r_[starts, len(users)])
    firsts = _balanced_firsts(books + READER_COST_IN_BOOKS, readers_per_chunk, max(workers, 1))
    bounds = [*(int(starts[f]) for f in firsts), len(users)]
    book_ids = histories["book_id"].to_numpy(np.int64)
    ratings = histories["rating"].to_numpy(np.float64)
    return [
        ReaderChunk(
            number=i + 1,
            user_ids=users[lo:hi],
            book_ids=book_ids[lo:hi],
            ratings=ratings[lo:hi],
        )
        for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
    ]


def _balanced_firsts(costs: np.ndarray, most_readers: int, workers: int) -> list[int]:
    """The first reader of each chunk: the fewest chunks, a multiple of `workers` (or one per
    reader), each of at most most_readers readers, cut where the running cost is nearest an
    equal share."""
    readers = len(costs)
    before = np.cumsum(costs) - costs  # the cost of the readers ahead of each
    fewest = -(-readers // most_readers)  # ceiling division
    chunks = min(-(-fewest // workers) * workers, readers)
    while True:
        shares = costs.sum() * np.arange(1, chunks) / chunks
        at = np.searchsorted(before, shares).clip(1, readers - 1)
        nearer_before = np.abs(before[at - 1] - shares) < np.abs(before[at] - shares)
        at = at - nearer_before
        firsts = [0]
        for left, cut in enumerate(at.tolist(), start=1):  # non-empty, room for the rest
            firsts.append(min(max(cut, firsts[-1] + 1), readers - (chunks - left)))
        if chunks >= readers or np.diff([*firsts, readers]).max() <= most_readers:
            return firsts
        chunks = min(chunks + workers, readers)


def chunk_readers(chunk: ReaderChunk) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(user ids, each user's (book ids, ratings)), in the chunk's order."""
    bounds = np.flatnonzero(np.r_[True, chunk.user_ids[1:] != chunk.user_ids[:-1], True])
    starts, ends = bounds[:-1], bounds[1:]
    readers = [
        (chunk.book_ids[lo:hi], chunk.ratings[lo:hi]) for lo, hi in zip(starts, ends, strict=True)
    ]
    return chunk.user_ids[starts], readers


def score_chunk(recommender: Recommender, chunk: ReaderChunk, top_n: int) -> pd.DataFrame:
    """The top_n rows of every reader of the chunk (columns COLUMNS), the readers scored
    together (Recommender.recommend_ids_block)."""
    users, readers = chunk_readers(chunk)
    return answer_rows(users, recommender.recommend_ids_block(readers, top_n))


def answer_rows(users: np.ndarray, answers: list[Recommendations]) -> pd.DataFrame:
    """The rows (columns COLUMNS) of each user's answer, rank 1 first."""
    rows = [
        (
            int(user),
            rank,
            item.book_id,
            item.predicted_rating,
            item.because_text or None,
            result.mode,
        )
        for user, result in zip(users, answers, strict=True)
        for rank, item in enumerate(result.items, start=1)
    ]
    return pd.DataFrame(rows, columns=COLUMNS).astype(
        {"user_id": "int64", "rank": "int32", "book_id": "int64", "predicted": "float64"}
    )


def load_recommender(db_path: Path, settings: BatchSettings) -> Recommender:
    """The Recommender of the warehouse for these settings (read-only)."""
    with connect(db_path, read_only=True) as con:
        return Recommender.from_warehouse(con, settings.scorer, settings.recommend)


_loading = threading.Lock()


@functools.lru_cache(maxsize=2)
def _cached(db_path: str, modified_ns: int, settings: BatchSettings) -> Recommender:
    return load_recommender(Path(db_path), settings)


def cached_recommender(db_path: Path, settings: BatchSettings) -> Recommender:
    """One Recommender per process, warehouse version and settings: a Dask worker loads the
    catalog and vectors for its first chunk only (a changed warehouse file loads anew)."""
    path = Path(db_path).resolve()
    with _loading:  # the flow's threads start together: one loads, the others wait for it
        return _cached(str(path), os.stat(path).st_mtime_ns, settings)


def store_recommendations(
    db_path: Path,
    run_id: str,
    settings: BatchSettings,
    frames: list[pd.DataFrame],
    runner: str,
    seconds: float,
) -> int:
    """Replace `recommendations` with this run's rows and log the run, in one transaction.

    Returns:
        The number of rows written.
    """
    new_recommendations = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    )
    params = {"run_id": run_id, "scorer_settings": settings.to_json()}
    with connect(db_path, must_exist=True) as con:
        run_sql(con, "recommend_all/02_recommendations_table.sql")
        con.register("new_recommendations", new_recommendations)
        con.execute("begin transaction")
        try:
            run_sql(con, "recommend_all/03_replace_recommendations.sql", params)
            run_sql(
                con,
                "recommend_all/04_log_run.sql",
                {**params, "top_n": settings.top_n, "runner": runner, "seconds": seconds},
            )
            con.execute("commit")
        except duckdb.Error:
            con.execute("rollback")
            raise
        finally:
            con.unregister("new_recommendations")
    log.info("stored %d recommendations of run %s", len(new_recommendations), run_id)
    return len(new_recommendations)
