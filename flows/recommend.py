"""Flow `recommend`: a reader's books -> matched to the catalog -> the books to read next.

python -m flows.recommend --book "The Hobbit|J.R.R. Tolkien|5" --book "Dune|Frank Herbert|4"
python -m flows.recommend --goodreads-export goodreads_library_export.csv --top 20

The same as `bookrec recommend`, as a Prefect flow: the result (matches and recommendations) is
returned as JSON-able data and the readable table goes to the run log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, RecommendConfig
from bookrec.errors import DataError
from bookrec.serving.formatting import format_result
from bookrec.serving.reader_input import ReaderBook, gather_reader_books
from bookrec.serving.recommender import Recommender
from bookrec.serving.results import Recommendations
from bookrec.warehouse.connection import connect
from flows._cli import base_parser, require_built_warehouse, run_cli

_DEFAULTS = RecommendConfig()


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
    top: int,
    space: str | None,
    config: RecommendConfig,
) -> Recommendations:
    """Match and score against the warehouse (read-only)."""
    with connect(db_path, read_only=True) as con:
        recommender = Recommender.from_warehouse(con, config=config, space=space)
    return recommender.recommend(reader_books, top)


@flow(name="recommend", log_prints=True)
def recommend(
    books: list[str] | None = None,
    csv: str | None = None,
    goodreads_export: str | None = None,
    top: int = _DEFAULTS.top,
    warehouse: str = str(DEFAULT_WAREHOUSE),
    space: str | None = None,
    min_num_ratings: int = _DEFAULTS.min_num_ratings,
) -> dict:
    """The books to read next for one reader.

    Args:
        books: "Title|Author|Rating" strings (author and rating optional).
        csv: a CSV with columns title, author, rating.
        goodreads_export: a Goodreads library export CSV.
        top: how many books to suggest.
        warehouse: the DuckDB file (built by prepare_data and embed).
        space: "raw" or "trained"; None uses the space `evaluate` chose.
        min_num_ratings: suggest only books whose average comes from this many ratings.

    Returns:
        mode, message, counts, matches and recommendations
        (bookrec.serving.results.Recommendations as JSON-able data).
    """
    if top < 1:
        raise DataError(f"top must be at least 1; got {top}")
    config = RecommendConfig(min_num_ratings=min_num_ratings)
    reader_books = read_reader_books(list(books or []), csv, goodreads_export)
    result = recommend_books(Path(warehouse), reader_books, top, space, config)
    get_run_logger().info("\n%s", format_result(result))
    return result.model_dump(mode="json")


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--book",
        action="append",
        default=[],
        dest="books",
        metavar='"TITLE|AUTHOR|RATING"',
        help="a book you read (repeatable); author and rating optional, rating 1..5",
    )
    parser.add_argument("--csv", type=Path, help="a CSV with columns title, author, rating")
    parser.add_argument("--goodreads-export", type=Path, help="a Goodreads library export CSV")
    parser.add_argument("--top", type=int, default=_DEFAULTS.top, help="how many books to suggest")
    parser.add_argument(
        "--space", choices=["raw", "trained"], help="embedding space (default: evaluate's choice)"
    )
    parser.add_argument(
        "--min-num-ratings",
        type=int,
        default=_DEFAULTS.min_num_ratings,
        help="suggest only books whose average comes from at least this many ratings",
    )
    return parser


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    # Parsed before Prefect starts too: a bad rating is one line, not a failed run.
    gather_reader_books(args.books, args.csv, args.goodreads_export)
    recommend(
        books=args.books,
        csv=None if args.csv is None else str(args.csv),
        goodreads_export=None if args.goodreads_export is None else str(args.goodreads_export),
        top=args.top,
        warehouse=str(args.warehouse),
        space=args.space,
        min_num_ratings=args.min_num_ratings,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
