"""Chunks of readers scored in worker processes forked from a process whose Recommender is loaded.

recommend_all's in-process runner hands its chunks to threads, and two threads share one
interpreter lock: a reader's rules, its reasons and the many small numpy calls between the
products are Python, so two threads scored only ~1.3x what one does on 2 cores (9.1 s vs 13.6 s
for the 1,343 shared-data readers), two processes ~1.9x (7.0 s). Forked after loading, the
workers start at once and hold no copy of their own of the catalog, the vectors or EASE's
weights: the pages stay shared until written, and nothing here writes them. Each chunk's rows
come back pickled (a few hundred KB), the same rows the thread would have made.

Only where the platform forks (Linux); elsewhere, and on Dask workers, chunks run in the
calling thread as before.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pandas as pd

from bookrec.serving.batch import ReaderChunk, score_chunk
from bookrec.serving.recommender import Recommender

# The Recommender a forked worker scores with: set in the parent just before the workers are
# forked, so each inherits it with the rest of the parent's memory.
_inherited: Recommender | None = None
_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()
PARENT_CHECK_S = 1.0  # how often a worker looks whether the flow process is still there


def can_fork() -> bool:
    """Whether worker processes can be forked here (Linux: macOS's fork is unsafe with the
    frameworks numpy links, Windows has none)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _score_inherited(chunk: ReaderChunk, top_n: int) -> pd.DataFrame:
    assert _inherited is not None, "a forked scorer runs only in a worker forked by _pool_for"
    return score_chunk(_inherited, chunk, top_n)


def _exit_with(parent: int) -> None:
    """In a worker: exit once the process that forked it is gone. A flow killed with -9 runs
    no clean-up, and an idle worker would otherwise wait on its queue for ever, holding what
    it shared with the flow as memory of its own."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _pool_for(recommender: Recommender, processes: int) -> ProcessPoolExecutor:
    """The workers forked for this Recommender (all of them at once, on first use)."""
    global _inherited
    with _lock:
        pool = _pools.get(id(recommender))
        if pool is None:
            _inherited = recommender
            pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
            _pools[id(recommender)] = pool
        return pool


def score_chunk_forked(
    recommender: Recommender, chunk: ReaderChunk, top_n: int, processes: int
) -> pd.DataFrame:
    """score_chunk's rows, computed in one of `processes` workers forked from this process
    (the calling thread waits for them). A worker that died (killed for memory) fails this
    chunk with BrokenProcessPool, and the next call forks new workers, so a retry can pass."""
    pool = _pool_for(recommender, processes)
    try:
        return pool.submit(_score_inherited, chunk, top_n).result()
    except BrokenProcessPool:
        with _lock:
            if _pools.get(id(recommender)) is pool:
                del _pools[id(recommender)]
        raise


def close_forked_workers() -> None:
    """Stop every forked worker (the end of a run: nothing is left running behind it)."""
    global _inherited
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
        _inherited = None
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
