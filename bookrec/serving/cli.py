"""The `bookrec` command: `bookrec recommend` suggests what to read next, `bookrec serve` starts
the web page and JSON API (bookrec.serving.web), `bookrec sql` queries the warehouse.

A user mistake (bad rating, unreadable file, warehouse not built) prints one line
`error: ...` on stderr and exits 2; bugs keep their traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bookrec.config import (
    DEFAULT_WAREHOUSE,
    RecommendConfig,
    WebConfig,
    check_top,
    from_options,
    usable_cores,
)
from bookrec.errors import BookrecError, ConfigError, exit_code_of

if TYPE_CHECKING:
    from bookrec.serving.results import Recommendations

EXAMPLES = """\
examples:
  bookrec recommend --book "The Hobbit|J.R.R. Tolkien|5" --book "Dune|Frank Herbert|4"
  bookrec recommend --book "Gone Girl||2" --book "The Martian"      (author, rating optional)
  bookrec recommend --csv my_books.csv --top 20          (columns: title,author,rating)
  bookrec recommend --goodreads-export goodreads_library_export.csv --json

A book is "Title|Author|Rating": rating 1 to 5 (or "4 stars", "4/5", "really liked it"), author
and rating may be left out. Books without a rating are never suggested back and, when no book
has a rating, steer the suggestions by closeness. The Goodreads export is the CSV from
Goodreads > My Books > Import and export (My Rating 0 = not rated; unrated on a did-not-finish
shelf, "dnf" or "abandoned": 1 star). Matching is fuzzy: the output first lists what matched,
what was ambiguous (with candidates) and what was not found. A title several books share, given
without an author, is the most read of them when it has 10x the ratings of each other one ("The
Hobbit" is Tolkien's; the output names the others); otherwise it is ambiguous. A title may stop
before its subtitle ("Sapiens"), "the" or "a" may be left out ("lord of the rings", "catcher in
rye") or added, a number may be typed in digits or words ("100 years of solitude"), and a
series' name, or words of the names of one author's series, stands for
its first book ("harry potter", "percy jackson"), or with a number for that entry ("harry
potter 3", "dune book 2"), and initials stand for a series or title ("LOTR", "hp and the
chamber of secrets"); a title may carry its author and rating: "Dune by Frank Herbert",
"Dune, Frank Herbert, 5". An author may
be spelled another way ("War and Peace|Tolstoi", "Conan Doyle"). An author's name alone is not
a book: the output names their most read ones. Build the warehouse first with `python -m
flows.full` (or `python -m flows.prepare_data`, `python -m flows.embed` and `python -m
flows.lists`).
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line (and exits 2, as argparse does)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def add_subcommand(commands, name: str, summary: str, description: str, examples: str):
    """A subcommand's parser: its one-line summary in `bookrec --help`, its description, and
    its examples kept as written after the options."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_warehouse_option(parser: argparse.ArgumentParser) -> None:
    """--warehouse, as every subcommand takes it."""
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=DEFAULT_WAREHOUSE,
        help=f"the DuckDB warehouse (default {DEFAULT_WAREHOUSE})",
    )


def add_catalog_options(parser: argparse.ArgumentParser) -> None:
    """The options `recommend` and `serve` share: which warehouse, space and candidates."""
    add_warehouse_option(parser)
    parser.add_argument(
        "--space",
        choices=["raw", "trained"],
        help="embedding space (default: the one `evaluate` chose, raw before it has run)",
    )
    parser.add_argument(
        "--min-num-ratings",
        type=int,
        default=RecommendConfig().min_num_ratings,
        help="suggest only books whose Goodreads average comes from at least this many ratings "
        f"(default {RecommendConfig().min_num_ratings})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bookrec", description="Personalized Goodreads book recommendations.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    rec = add_subcommand(
        commands,
        "recommend",
        "suggest books to read next from the books you rated",
        "Suggest the books to read next from the books you have read and rated.",
        EXAMPLES,
    )
    rec.add_argument(
        "--book",
        action="append",
        default=[],
        metavar='"TITLE|AUTHOR|RATING"',
        help='a book you read (repeatable); author and rating optional ("Dune||4" or '
        '"Dune|4": a title and its rating)',
    )
    rec.add_argument(
        "--csv",
        type=Path,
        help="a CSV with columns title, author, rating (or stars, score; commas, semicolons "
        "or tabs)",
    )
    rec.add_argument("--goodreads-export", type=Path, help="your Goodreads library export (CSV)")
    rec.add_argument(
        "--top",
        type=int,
        default=RecommendConfig().top,
        help=f"how many books to suggest (default {RecommendConfig().top}, at most "
        f"{WebConfig().max_top_n})",
    )
    rec.add_argument(
        "--because-count",
        type=int,
        default=RecommendConfig().because_count,
        help="how many of your books each kind of reason (read by their readers, close in "
        f"content) names at most (default {RecommendConfig().because_count})",
    )
    rec.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_catalog_options(rec)
    rec.add_argument(
        "--show-matches",
        action="store_true",
        help="list every matched book (by default only when there are 20 or fewer)",
    )
    add_serve_parser(commands)
    add_sql_parser(commands)
    return parser


SQL_EXAMPLES = """\
examples:
  bookrec sql "show tables"
  bookrec sql "select table_name, comment from duckdb_tables() order by 1"   (what each holds)
  bookrec sql "select title, avg_rating, num_ratings from books order by num_ratings desc limit 10"
  bookrec sql "select * from recommendations order by user_id, rank limit 20"
  bookrec sql --csv "select * from ratings" > ratings.csv
  bookrec sql < my_query.sql                     (the query from standard input)

The warehouse is opened read-only (the flows write it), so it can be queried while the page
serves it. Any DuckDB 2.0 client opens it too, e.g. Python's `duckdb.connect(path)`; the
`duckdb` command from PyPI (1.5) is too old for files DuckDB 2.0 wrote. Each table says what
it holds (the second example; its columns: duckdb_columns()); docs/data.md shows the main ones.
"""


def add_sql_parser(commands) -> None:
    """The `sql` subcommand's options."""
    sql = add_subcommand(
        commands,
        "sql",
        "run DuckDB SQL on the warehouse (read-only) and print the rows",
        "Run DuckDB SQL on the warehouse, read-only, and print the rows.",
        SQL_EXAMPLES,
    )
    sql.add_argument(
        "query",
        nargs="?",
        default="-",
        help="the SQL; several statements show the last one's rows (default -: standard input)",
    )
    add_warehouse_option(sql)
    sql.add_argument("--csv", action="store_true", help="print every row as CSV, with a header")
    sql.add_argument(
        "--max-rows",
        type=int,
        default=40,
        help="rows the table shows, the first and last halves (default 40; --csv: every row)",
    )


def run_sql_command(args: argparse.Namespace) -> None:
    """Read the query (an argument, or standard input), run it read-only, print the rows."""
    from bookrec.warehouse.explore import run_query

    query = args.query
    if query == "-":
        if sys.stdin.isatty():
            raise ConfigError('no query given: bookrec sql "show tables" (or pipe SQL in)')
        query = sys.stdin.read()
    run_query(args.warehouse, query, sys.stdout, as_csv=args.csv, max_rows=args.max_rows)


SERVE_EXAMPLES = """\
examples:
  bookrec serve                                  (http://127.0.0.1:8000, API docs at /docs)
  bookrec serve --warehouse /data/bookrec.duckdb --port 8080
  bookrec serve --host 0.0.0.0                   (reachable from other machines: no login!)
  bookrec serve --workers 1                      (one process: least memory)

The warehouse is opened read-only and loaded into memory by each worker process (docs/speed.md,
"The page under load", says what one costs); the page says which flow to run when it is
missing or not built yet, and picks it up once it is.
"""
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MAX_DEFAULT_WORKERS = 4  # past this, memory (a catalog per worker) grows faster than speed


def default_workers() -> int:
    """One worker per core this process may use, at most MAX_DEFAULT_WORKERS."""
    return max(1, min(usable_cores(), MAX_DEFAULT_WORKERS))


def add_serve_parser(commands) -> None:
    """The `serve` subcommand's options."""
    web = WebConfig()
    serve = add_subcommand(
        commands,
        "serve",
        "start the web page and JSON API for readers",
        "Serve the reader's web page and the JSON API over the warehouse.",
        SERVE_EXAMPLES,
    )
    add_catalog_options(serve)
    serve.add_argument("--host", default=web.host, help=f"address to bind (default {web.host})")
    serve.add_argument("--port", type=int, default=web.port, help=f"port (default {web.port})")
    serve.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="server processes, each with its own copy of the catalog in memory (default: "
        f"one per core, at most {MAX_DEFAULT_WORKERS}; {default_workers()} here)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log a line per request (off by default: uvicorn's access log is about a quarter "
        "of the HTTP handling's cost per request)",
    )


def check_port(host: str, port: int) -> None:
    """Fail in one line, before the warehouse is loaded, when the address cannot be bound.

    Raises:
        ConfigError: the port is taken or the address is not this machine's.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: not an address here ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}); stop what uses it or pick "
                "another --port"
            ) from None


def run_serve(args: argparse.Namespace) -> None:
    """Serve the app with uvicorn, in `--workers` processes, until interrupted.

    Each worker builds the app itself (bookrec.serving.web.app.app_from_env, from the
    settings passed in its environment), so each loads the catalog once, read-only.
    """
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1; got {args.workers}")
    config = from_options(WebConfig, host=args.host, port=args.port)
    recommend_config(args)  # a bad value is this one line, not each worker's failure to start
    check_port(config.host, config.port)
    # Read by the BLAS library when numpy loads, which the workers' imports do first. Set, not
    # defaulted: with a worker per core, a BLAS pool per worker oversubscribes the cores.
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = str(config.blas_threads)
    import uvicorn

    from bookrec.serving.web.app import SETTINGS_VARIABLE, ServeSettings
    from bookrec.serving.web.workers import reuse_port_supported, run_workers

    settings = ServeSettings(
        warehouse=str(args.warehouse),
        host=config.host,
        port=config.port,
        min_num_ratings=args.min_num_ratings,
        space=args.space,
    )
    os.environ[SETTINGS_VARIABLE] = settings.model_dump_json()
    app = "bookrec.serving.web.app:app_from_env"
    if args.workers > 1 and reuse_port_supported():
        # a socket per worker: the kernel spreads the connections (bookrec.serving.web.workers)
        if run_workers(app, config.host, config.port, args.workers, args.access_log):
            raise BookrecError("a worker process exited while starting (its error is above)")
        return
    uvicorn.run(
        app,
        factory=True,
        host=config.host,
        port=config.port,
        workers=args.workers,
        log_level="info",
        access_log=args.access_log,
    )


def recommend_config(args: argparse.Namespace) -> RecommendConfig:
    """The candidates' settings `recommend` and `serve` were given, a bad one named by its
    option (--min-num-ratings)."""
    given = {"min_num_ratings": args.min_num_ratings}
    if "because_count" in args:  # recommend's alone: the page explains with the default
        given["because_count"] = args.because_count
    return from_options(RecommendConfig, **given)


def run_recommend(args: argparse.Namespace) -> Recommendations:
    """Read the books, open the warehouse read-only, recommend."""
    from bookrec.serving.reader_input import gather_reader_books
    from bookrec.serving.recommender import Recommender
    from bookrec.warehouse.connection import connect

    # the page's limit too: past it the rules and caps between picks leave lists shorter than
    # asked (--top 1000 gave 271 books on the shared data)
    check_top(args.top, "--top", most=WebConfig().max_top_n)
    books = gather_reader_books(args.book, args.csv, args.goodreads_export)
    config = recommend_config(args)
    with connect(args.warehouse, read_only=True) as con:
        recommender = Recommender.from_warehouse(con, config=config, space=args.space)
    return recommender.recommend(books, args.top)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bookrec` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def recommend_and_print() -> None:
        # here, not at the top: --help, sql and serve's parent need none of the ranking code
        # (pandas, scipy: ~0.5 s of every start)
        from bookrec.serving.formatting import format_result

        result = run_recommend(args)
        if args.json:
            print(result.model_dump_json(indent=2))
        else:
            print(format_result(result, args.show_matches))

    if args.command == "serve":
        return exit_code_of(lambda: run_serve(args))
    if args.command == "sql":
        return exit_code_of(lambda: run_sql_command(args))
    return exit_code_of(recommend_and_print)


if __name__ == "__main__":
    raise SystemExit(main())
