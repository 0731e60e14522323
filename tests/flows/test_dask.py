"""Embed and recommend_all on a real local Dask cluster (2 worker processes on 127.0.0.1) give
the in-process results; a chunk that fails once (a fault injected in the worker through
BOOKREC_FAULT_CHUNK_ONCE) is retried and the run completes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bookrec.config import ClusterConfig, DataConfig, EncoderConfig, RecommendConfig
from bookrec.errors import ConfigError
from bookrec.warehouse.connection import connect
from flows._dask import FAULT_ONCE_ENV, require_scheduler
from flows.embed import embed
from flows.prepare_data import prepare_data
from flows.recommend_all import recommend_all

ANY_BOOK = RecommendConfig(min_num_ratings=0)

pytestmark = pytest.mark.slow


def vectors(db: Path) -> tuple[list[int], np.ndarray]:
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "select book_id, embedding from feat_book_embeddings order by book_id"
        ).fetchall()
    return [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.float64)


def readers(db: Path) -> int:
    with connect(db, read_only=True) as con:
        return con.execute("select count(distinct user_id) from ratings").fetchall()[0][0]


def recommendations(db: Path) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute(
            "select user_id, rank, book_id, predicted, reason, mode, scorer_settings "
            "from recommendations order by user_id, rank"
        ).fetchall()


@pytest.fixture(scope="module")
def prepared(prefect_backend, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("prepared") / "demo.duckdb"
    prepare_data(DataConfig(demo=True, demo_books=60, demo_users=20, warehouse=db))
    return db


@pytest.fixture(scope="module")
def embedded(prepared: Path, tmp_path_factory) -> Path:
    """prepared, embedded in process (chunks of 16): the reference of the Dask run, and the
    start of the in-process recommend_all test (one embed for both)."""
    db = tmp_path_factory.mktemp("embedded") / "demo.duckdb"
    shutil.copy(prepared, db)
    result = embed(warehouse=str(db), config=EncoderConfig(chunk_size=16))
    assert result["encoded"] > 0 and result["worker_processes"] == 0  # all encoded here
    return db


def test_distributed_embed_and_recommend_all_equal_in_process(
    prepared: Path, embedded: Path, tmp_path: Path, monkeypatch
) -> None:
    local, distributed = tmp_path / "local.duckdb", tmp_path / "dask.duckdb"
    shutil.copy(embedded, local)
    shutil.copy(prepared, distributed)

    recommend_all(warehouse=str(local), config=ANY_BOOK, readers_per_chunk=4)

    embed_fault = tmp_path / "embed-fault"
    monkeypatch.setenv(FAULT_ONCE_ENV, str(embed_fault))
    result = embed(
        warehouse=str(distributed),
        config=EncoderConfig(chunk_size=16),
        cluster=ClusterConfig(dask_workers=2),
    )
    assert embed_fault.read_text().startswith("embed chunk")  # one chunk did fail once
    assert result["encoded"] == result["books"] > 60
    assert result["worker_processes"] >= 1  # the chunks were encoded by Dask's workers

    local_ids, local_vectors = vectors(local)
    dask_ids, dask_vectors = vectors(distributed)
    assert dask_ids == local_ids
    cosine = (local_vectors * dask_vectors).sum(axis=1)
    assert cosine.min() >= 0.9999

    recommend_fault = tmp_path / "recommend-fault"
    monkeypatch.setenv(FAULT_ONCE_ENV, str(recommend_fault))
    summary = recommend_all(
        warehouse=str(distributed),
        config=ANY_BOOK,
        readers_per_chunk=4,
        cluster=ClusterConfig(dask_workers=2),
    )
    assert recommend_fault.read_text().startswith("recommend_all chunk")
    assert summary["readers"] == readers(distributed) > 10
    assert summary["rows"] == summary["readers"] * 10
    # The same lists; predictions to 1e-5 (worker torch threads change the last float digits).
    got, want = recommendations(distributed), recommendations(local)
    assert [r[:3] + r[4:] for r in got] == [r[:3] + r[4:] for r in want]
    np.testing.assert_allclose([r[3] for r in got], [r[3] for r in want], atol=1e-5)
    with connect(distributed, read_only=True) as con:
        runners = con.execute("select runner from recommend_all_runs").fetchall()
    assert runners == [("dask:local x2",)]


def test_recommend_all_in_process_replaces_the_previous_run(prefect_backend, embedded, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(embedded, db)
    first = recommend_all(warehouse=str(db), config=RecommendConfig(min_num_ratings=0, top=5))
    second = recommend_all(warehouse=str(db), config=RecommendConfig(min_num_ratings=0, top=3))
    with connect(db, read_only=True) as con:
        per_run = con.execute(
            "select run_id, count(*), max(rank) from recommendations group by run_id"
        ).fetchall()
        runs = con.execute(
            "select run_id, rows from recommend_all_runs order by created_at"
        ).fetchall()
        history_hits = con.execute(
            "select count(*) from recommendations r join ratings t using (user_id, book_id)"
        ).fetchall()[0][0]
    n = readers(db)
    assert per_run == [(second["run_id"], n * 3, 3)]
    assert runs == [(first["run_id"], n * 5), (second["run_id"], n * 3)]
    assert history_hits == 0  # a reader's own books are never suggested back


def test_a_scheduler_address_where_nothing_listens_is_one_line() -> None:
    """Dask's client waited 30 s, then ended the run in four tracebacks."""
    import socket

    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        require_scheduler(f"tcp://127.0.0.1:{port}")  # something answers: on to Dask
    with pytest.raises(ConfigError, match=rf"--dask-address tcp://127.0.0.1:{port}: no Dask"):
        require_scheduler(f"tcp://127.0.0.1:{port}")  # closed now


def test_dask_options_are_checked_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        ClusterConfig(dask_address="tcp://127.0.0.1:8786", dask_workers=2)
    with pytest.raises(ConfigError, match="tcp://"):
        ClusterConfig(dask_address="127.0.0.1:8786")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.embed",
            "--warehouse",
            str(tmp_path / "none.duckdb"),
            "--dask-workers",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --dask-workers must be at least 1; got 0"
    helped = subprocess.run(
        [sys.executable, "-m", "flows.recommend_all", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    for option in ("--dask-address", "--dask-workers", "--top", "--readers-per-chunk"):
        assert option in helped.stdout
