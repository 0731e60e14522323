"""Flow `lists`: works, series, collections and derivatives (sql/works/), the co-rating
vectors (ALS item factors, feat_book_corating) and EASE's item-item weights (feat_book_ease)
that the reader's list is ranked with.

python -m flows.lists
python -m flows.lists --factors 64 --iterations 15 --ease-reg 50

All are rebuilt from `books` and `ratings` on every run (seconds on the demo catalog, about a
minute on the real one); every grouping decision lands in `work_decisions` with its reason.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, CoratingConfig
from bookrec.lists.corating import corating_vectors, store_corating
from bookrec.lists.ease import fit_ease, store_ease
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


@task
def build_ease(db_path: Path, config: CoratingConfig) -> int:
    """EASE on every rating -> feat_book_ease (one row of item-item weights per book)."""
    logger = get_run_logger()
    with connect(db_path, must_exist=True) as con:
        ratings = load_ratings(con)
        logger.info("fitting EASE on %d ratings (a minute on the real data)", len(ratings))
        ease = fit_ease(ratings, config)
        rows = store_ease(con, ease)
    logger.info("EASE weights: %d books (%s)", rows, ease.version)
    return rows


@flow(name="lists", log_prints=True)
def lists(
    warehouse: str = str(DEFAULT_WAREHOUSE), config: CoratingConfig = CoratingConfig()
) -> dict[str, object]:
    """Rebuild the works tables, the co-rating vectors and EASE's weights.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        config: the ALS settings of the co-rating vectors and EASE's.
    """
    decisions = build_work_tables(Path(warehouse))
    rows = build_corating(Path(warehouse), config)
    ease_rows = build_ease(Path(warehouse), config)
    return {"work_decisions": decisions, "corating_books": rows, "ease_books": ease_rows}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(lists, __doc__))
