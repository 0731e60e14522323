"""Embed is resumable: kill -9 a real subprocess mid-run, re-run, and get a clean run's tables.

The subprocess embeds a 60-book warehouse in chunks of 10; the test watches its log and sends
SIGKILL at a chosen point. While it encodes, the warehouse is free (the test opens it), and
every committed chunk survives the kill.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bookrec.config import EncoderConfig
from bookrec.embedding.store import embed_books
from bookrec.warehouse.connection import connect
from tests.conftest import build_tiny_warehouse

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 10
BOOKS = 60

pytestmark = pytest.mark.slow

CHILD = """
import logging, sys
from pathlib import Path
from bookrec.config import EncoderConfig
from bookrec.embedding.store import embed_books
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s", force=True)
embed_books(Path(sys.argv[1]), EncoderConfig(chunk_size=int(sys.argv[2]), threads=1),
            progress=False)
print("DONE", flush=True)
"""


def build_catalog(db_path: Path) -> Path:
    """The tiny warehouse grown to 60 books with distinct texts (6 chunks of 10)."""
    build_tiny_warehouse(db_path)
    with connect(db_path) as con:
        con.execute(
            "insert into books select b.book_id + 10 * i, b.title || ' ' || i, b.author, "
            "b.description || ' Volume ' || i || '.', b.genres, b.avg_rating, b.num_ratings, "
            "true from books b, range(1, $n) t(i)",
            {"n": BOOKS // 10},
        )
    return db_path


def embedding_tables(db_path: Path) -> tuple[list, np.ndarray, int]:
    with connect(db_path, read_only=True) as con:
        keys = con.execute(
            "select book_id, model, content_hash from feat_book_embeddings order by book_id"
        ).fetchall()
        vectors = np.array(
            [
                r[0]
                for r in con.execute(
                    "select embedding from feat_book_embeddings order by book_id"
                ).fetchall()
            ]
        )
        cached = con.execute("select count(*) from embedding_cache").fetchall()[0][0]
    return keys, vectors, cached


def cached_rows(db_path: Path) -> int:
    """Rows in embedding_cache, read while the child may be running (retries a busy file)."""
    for _ in range(100):
        try:
            with connect(db_path, read_only=True) as con:
                return con.execute("select count(*) from embedding_cache").fetchall()[0][0]
        except Exception:
            time.sleep(0.05)
    raise AssertionError("the warehouse stayed locked for 5 s while embed was encoding")


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> tuple[list, np.ndarray, int]:
    db_path = build_catalog(tmp_path_factory.mktemp("clean") / "clean.duckdb")
    counts = embed_books(db_path, EncoderConfig(chunk_size=CHUNK, threads=1), progress=False)
    assert counts.encoded == BOOKS
    return embedding_tables(db_path)


def start_embed_child(db_path: Path) -> subprocess.Popen:
    """A separate process that embeds db_path chunk by chunk, logging each stored chunk."""
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path), str(CHUNK)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def run_and_kill(db_path: Path, kill_after: str) -> str:
    """Start the child, SIGKILL it right after the first log line containing kill_after."""
    child = start_embed_child(db_path)
    seen = []
    try:
        for line in child.stdout:
            seen.append(line)
            if kill_after in line:
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        child.wait(timeout=120)
    assert child.returncode == -signal.SIGKILL, "".join(seen)
    return "".join(seen)


@pytest.mark.parametrize(
    "kill_after",
    ["texts to encode", "stored chunk 1/", "stored chunk 4/"],
    ids=["before-first-chunk", "after-chunk-1", "after-chunk-4"],
)
def test_killed_embed_keeps_its_chunks_and_the_rerun_equals_a_clean_run(
    tmp_path: Path, clean_run, kill_after: str
) -> None:
    db_path = build_catalog(tmp_path / "killed.duckdb")
    run_and_kill(db_path, kill_after)
    kept = cached_rows(db_path)
    committed = 0 if kill_after == "texts to encode" else int(kill_after.split()[2][0])
    assert committed * CHUNK <= kept < BOOKS  # committed chunks survive; the run was cut short
    assert kept % CHUNK == 0  # never half a chunk

    counts = embed_books(db_path, EncoderConfig(chunk_size=CHUNK, threads=1), progress=False)
    assert counts.encoded == BOOKS - kept  # only what was missing
    keys, vectors, cached = embedding_tables(db_path)
    clean_keys, clean_vectors, clean_cached = clean_run
    assert keys == clean_keys
    assert cached == clean_cached == BOOKS
    np.testing.assert_allclose(vectors, clean_vectors, atol=1e-5)


def test_the_warehouse_is_readable_while_embed_encodes(tmp_path: Path) -> None:
    """Between chunks embed holds no connection: another process reads the committed chunks."""
    db_path = build_catalog(tmp_path / "busy.duckdb")
    child = start_embed_child(db_path)
    counts = []
    output = []
    for line in child.stdout:
        output.append(line)
        if "stored chunk" in line:
            counts.append(cached_rows(db_path))
    child.wait(timeout=120)
    assert child.returncode == 0, "".join(output)
    assert "DONE" in "".join(output)
    assert counts[0] >= CHUNK and counts == sorted(counts)
    shutil.rmtree(tmp_path, ignore_errors=True)
