"""Flow `recommend_all`: the top-N books for every reader in `ratings` -> table recommendations.

python -m flows.recommend_all
python -m flows.recommend_all --top 20 --dask-workers 4
python -m flows.recommend_all --dask-address tcp://scheduler:8786

Readers are scored in chunks, the readers of a chunk together (one matrix product per space for
a block of readers, then each reader's rules: the lists `bookrec recommend` gives each reader
alone), by one loop of tasks on this process's thread or on Dask workers (each loads the catalog
and vectors once and returns rows); this process then replaces the table in one transaction, so
the table always holds one whole run. Inspect it with SQL, e.g.
  select * from recommendations where user_id = 42 order by rank;
Each row carries its run id and the scorer settings (JSON); recommend_all_runs logs every run.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

from prefect import flow, get_run_logger

from bookrec.config import DEFAULT_WAREHOUSE, BatchConfig, ClusterConfig, RecommendConfig
from bookrec.serving.batch import batch_settings, store_recommendations
from flows._chunks import score_reader_chunks
from flows._cli import base_parser, require_built_warehouse, run_cli
from flows._dask import add_dask_options, chunk_task_runner

_RECOMMEND = RecommendConfig()
_BATCH = BatchConfig()
_CLUSTER = ClusterConfig()


@flow(name="recommend_all", log_prints=True)
def recommend_all(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    top: int = _RECOMMEND.top,
    space: str | None = None,
    min_num_ratings: int = _RECOMMEND.min_num_ratings,
    readers_per_chunk: int = _BATCH.readers_per_chunk,
    dask_address: str | None = _CLUSTER.dask_address,
    dask_workers: int | None = _CLUSTER.dask_workers,
) -> dict[str, object]:
    """Write the top-N books of every reader in `ratings` to the table recommendations.

    Args:
        warehouse: the DuckDB file (built by prepare_data and embed).
        top: books per reader.
        space: "raw" or "trained"; None uses the space `evaluate` chose.
        min_num_ratings: suggest only books whose average comes from this many ratings.
        readers_per_chunk: readers per chunk (the unit of work of a Dask worker).
        dask_address: an existing Dask scheduler, e.g. tcp://host:8786.
        dask_workers: start a local Dask cluster of this many worker processes.

    Returns:
        run_id, readers, rows written, seconds and readers/s.
    """
    cluster = ClusterConfig(dask_address=dask_address, dask_workers=dask_workers)
    BatchConfig(readers_per_chunk=readers_per_chunk)  # checks it
    logger = get_run_logger()
    started = time.perf_counter()
    db_path = Path(warehouse)
    settings = batch_settings(db_path, top, space, RecommendConfig(min_num_ratings=min_num_ratings))
    runner_name = "in-process"
    if cluster.uses_dask:
        runner_name = f"dask:{dask_address or f'local x{dask_workers}'}"
    frames, readers = score_reader_chunks.with_options(task_runner=chunk_task_runner(cluster))(
        warehouse, settings, readers_per_chunk
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


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=_RECOMMEND.top, help="books per reader")
    parser.add_argument(
        "--space", choices=["raw", "trained"], help="embedding space (default: evaluate's choice)"
    )
    parser.add_argument(
        "--min-num-ratings",
        type=int,
        default=_RECOMMEND.min_num_ratings,
        help="suggest only books whose average comes from at least this many ratings",
    )
    parser.add_argument(
        "--readers-per-chunk",
        type=int,
        default=_BATCH.readers_per_chunk,
        help="readers scored per chunk (per Dask task)",
    )
    return add_dask_options(parser)


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    # one-line errors before Prefect starts
    ClusterConfig(dask_address=args.dask_address, dask_workers=args.dask_workers)
    BatchConfig(readers_per_chunk=args.readers_per_chunk)
    RecommendConfig(top=args.top, min_num_ratings=args.min_num_ratings)
    recommend_all(
        warehouse=str(args.warehouse),
        top=args.top,
        space=args.space,
        min_num_ratings=args.min_num_ratings,
        readers_per_chunk=args.readers_per_chunk,
        dask_address=args.dask_address,
        dask_workers=args.dask_workers,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
