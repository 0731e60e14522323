"""Flow `recommend_all`: the top-N books for every reader in `ratings` -> table recommendations.

python -m flows.recommend_all
python -m flows.recommend_all --top 20 --dask-workers 4
python -m flows.recommend_all --dask-address tcp://scheduler:8786

Readers are scored in chunks, the readers of a chunk together (one matrix product per space for
a block of readers, then each reader's rules: the lists `bookrec recommend` gives each reader
alone), by one loop of tasks: on this process's threads (one per core), each handing its chunk to
a worker process forked from this one once the catalog is loaded (Linux), or on Dask workers
(each loads the catalog and vectors once and returns rows); this process then replaces the
table in one transaction, so the table always holds one whole run. Inspect it with SQL, e.g.
  select * from recommendations order by user_id, rank limit 20;
Each row carries its run id and the scorer settings (JSON); recommend_all_runs logs every run.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger
from pydantic import Field

from bookrec.config import (
    DEFAULT_READERS_PER_CHUNK,
    DEFAULT_WAREHOUSE,
    ClusterConfig,
    RecommendConfig,
    Space,
)
from bookrec.serving.batch import batch_settings, store_recommendations
from flows._chunks import score_reader_chunks
from flows._cli import run_flow_cli
from flows._dask import chunk_per_core_runner, forked_processes


@flow(name="recommend_all", log_prints=True)
def recommend_all(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    space: Space | None = None,
    config: RecommendConfig = RecommendConfig(),
    readers_per_chunk: Annotated[int, Field(ge=1)] = DEFAULT_READERS_PER_CHUNK,
    cluster: ClusterConfig = ClusterConfig(),
) -> dict[str, object]:
    """Write the top-N books of every reader in `ratings` to the table recommendations.

    Args:
        warehouse: the DuckDB file (built by prepare_data, embed and lists).
        space: embedding space, raw or trained; None: the space `evaluate` chose.
        config: books per reader (top) and which books may be suggested.
        readers_per_chunk: at most this many readers a chunk (the unit of work of a Dask
            worker); on this machine's forked workers the chunks are as many as they take in
            equal turns, of equal size.
        cluster: where the chunks run: this process, a local Dask cluster or an existing one.

    Returns:
        run_id, readers, rows written, seconds and readers/s.
    """
    logger = get_run_logger()
    started = time.perf_counter()
    db_path = Path(warehouse)
    settings = batch_settings(db_path, config.top, space, config)
    runner_name = "in-process"
    if cluster.uses_dask:
        runner_name = f"dask:{cluster.dask_address or f'local x{cluster.dask_workers}'}"
    with chunk_per_core_runner(cluster) as runner:
        frames, readers = score_reader_chunks(
            runner, warehouse, settings, readers_per_chunk, forked_processes(cluster)
        )
    run_id = uuid.uuid4().hex[:12]
    seconds = time.perf_counter() - started
    rows = store_recommendations(db_path, run_id, settings, frames, runner_name, seconds)
    logger.info(
        "run %s: %d rows for %d readers in %.1f s (%.0f readers/s, %s)",
        run_id,
        rows,
        readers,
        seconds,
        readers / seconds,
        runner_name,
    )
    return {
        "run_id": run_id,
        "readers": readers,
        "rows": rows,
        "seconds": round(seconds, 2),
        "readers_per_s": round(readers / seconds, 1),
    }


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(recommend_all, __doc__))
