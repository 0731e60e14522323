"""Flow `lists`: works, series, collections and derivatives (sql/works/) and the co-rating
vectors (ALS item factors, feat_book_corating) that the reader's list is ranked with.

python -m flows.lists
python -m flows.lists --factors 64 --iterations 15

Both are rebuilt from `books` and `ratings` on every run (seconds on the demo catalog, about
half a minute on the real one); every grouping decision lands in `work_decisions` with its
reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, CoratingConfig
from bookrec.lists.corating import corating_vectors, store_corating
from bookrec.lists.works import build_works
from bookrec.warehouse.connection import connect
from bookrec.warehouse.tables import load_ratings
from flows._cli import base_parser, require_built_warehouse, run_cli


@task
def build_work_tables(db_path: Path) -> dict[str, int]:
    """sql/works/ on the warehouse: book_series, book_works, collection_works, derivative_works."""
    with connect(db_path, must_exist=True) as con:
        counts = build_works(con)
    get_run_logger().info("work decisions: %s", counts)
    return counts


@task
def build_corating(db_path: Path, config: CoratingConfig) -> int:
    """ALS on every rating -> feat_book_corating (one unit vector per rated book)."""
    with connect(db_path, must_exist=True) as con:
        vectors = corating_vectors(load_ratings(con), config)
        rows = store_corating(con, vectors)
    get_run_logger().info("co-rating vectors: %d books (%s)", rows, vectors.version)
    return rows


@flow(name="lists", log_prints=True)
def lists(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    factors: int = CoratingConfig.factors,
    iterations: int = CoratingConfig.iterations,
) -> dict[str, object]:
    """Rebuild the works tables and the co-rating vectors.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        factors: length of each co-rating vector.
        iterations: ALS iterations.
    """
    config = CoratingConfig(factors=factors, iterations=iterations)
    decisions = build_work_tables(Path(warehouse))
    rows = build_corating(Path(warehouse), config)
    return {"work_decisions": decisions, "corating_books": rows}


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--factors", type=int, default=CoratingConfig.factors, help="co-rating vector length"
    )
    parser.add_argument(
        "--iterations", type=int, default=CoratingConfig.iterations, help="ALS iterations"
    )
    return parser


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    lists(warehouse=str(args.warehouse), factors=args.factors, iterations=args.iterations)


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
