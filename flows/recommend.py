"""Flow `recommend`: a reader's books -> matched to the catalog -> the books to read next.

python -m flows.recommend --book "The Hobbit|J.R.R. Tolkien|5" --book "Dune|Frank Herbert|4"
python -m flows.recommend --goodreads-export goodreads_library_export.csv --top 20

The same as `bookrec recommend`, as a Prefect flow: the result (matches and recommendations) is
returned as JSON-able data and the readable table goes to the run log.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, RecommendConfig, Space
from bookrec.serving.formatting import format_result
from bookrec.serving.reader_input import ReaderBook, gather_reader_books
from bookrec.serving.recommender import Recommender
from bookrec.serving.results import Recommendations
from bookrec.warehouse.connection import connect
from flows._cli import require_built_warehouse, run_flow_cli


@task
def read_reader_books(
    books: list[str], csv: str | None, goodreads_export: str | None
) -> list[ReaderBook]:
    """Parse --book strings, a CSV and a Goodreads export into one list."""
    found = gather_reader_books(books, csv, goodreads_export)
    get_run_logger().info(
        "%d books listed, %d rated", len(found), sum(b.rating is not None for b in found)
    )
    return found


@task
def recommend_books(
    db_path: Path,
    reader_books: list[ReaderBook],
    space: Space | None,
    config: RecommendConfig,
) -> Recommendations:
    """Match and score against the warehouse (read-only)."""
    with connect(db_path, read_only=True) as con:
        recommender = Recommender.from_warehouse(con, config=config, space=space)
    return recommender.recommend(reader_books, config.top)


@flow(name="recommend", log_prints=True)
def recommend(
    books: list[str] | None = None,
    csv: str | None = None,
    goodreads_export: str | None = None,
    warehouse: str = str(DEFAULT_WAREHOUSE),
    space: Space | None = None,
    config: RecommendConfig = RecommendConfig(),
) -> dict:
    """The books to read next for one reader.

    Args:
        books: a book you read, "Title|Author|Rating" (author and rating optional, rating 1..5).
        csv: a CSV with columns title, author, rating.
        goodreads_export: a Goodreads library export CSV.
        warehouse: the DuckDB file (built by prepare_data, embed and lists).
        space: embedding space, raw or trained; None: the space `evaluate` chose.
        config: how many books, which may be suggested, how they are explained.

    Returns:
        mode, message, counts, matches and recommendations
        (bookrec.serving.results.Recommendations as JSON-able data).
    """
    reader_books = read_reader_books(list(books or []), csv, goodreads_export)
    result = recommend_books(Path(warehouse), reader_books, space, config)
    get_run_logger().info("\n%s", format_result(result))
    return result.model_dump(mode="json")


def before_prefect(arguments: dict) -> None:
    """The warehouse exists and the reader's books parse: a bad rating is one line, not a
    failed run."""
    require_built_warehouse(arguments["warehouse"])
    gather_reader_books(arguments["books"] or [], arguments["csv"], arguments["goodreads_export"])


if __name__ == "__main__":
    raise SystemExit(
        run_flow_cli(recommend, __doc__, aliases={"books": ["--book"]}, before=before_prefect)
    )
