"""Flow `lists`: works, series, collections and derivatives (sql/works/) and the co-rating
vectors (ALS item factors, feat_book_corating) that the reader's list is ranked with.

python -m flows.lists
python -m flows.lists --factors 64 --iterations 15

Both are rebuilt from `books` and `ratings` on every run (seconds on the demo catalog, about
half a minute on the real one); every grouping decision lands in `work_decisions` with its
reason.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, CoratingConfig
from bookrec.lists.corating import corating_vectors, store_corating
from bookrec.lists.works import build_works
from bookrec.warehouse.connection import connect
from bookrec.warehouse.tables import load_ratings
from flows._cli import run_flow_cli


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
    warehouse: str = str(DEFAULT_WAREHOUSE), config: CoratingConfig = CoratingConfig()
) -> dict[str, object]:
    """Rebuild the works tables and the co-rating vectors.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        config: the ALS settings of the co-rating vectors.
    """
    decisions = build_work_tables(Path(warehouse))
    rows = build_corating(Path(warehouse), config)
    return {"work_decisions": decisions, "corating_books": rows}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(lists, __doc__))
