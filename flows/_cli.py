"""Command-line plumbing shared by every `python -m flows.<name>` entry point."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bookrec.config import DEFAULT_WAREHOUSE, DataConfig
from bookrec.errors import BookrecError, exit_code_of
from bookrec.warehouse.connection import require_warehouse_file


def base_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the options every flow shares (--warehouse)."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=DEFAULT_WAREHOUSE,
        help="the DuckDB file that holds every table (the feature store)",
    )
    return parser


def add_data_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options that choose the input data (--data-dir, --demo), shared by data-reading flows."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="folder searched for the original Kaggle file names of both datasets "
        "(default: ./data/best_books_dataset and ./data/all_books_dataset)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use the generated, synthetic demo catalog (no downloads needed)",
    )
    defaults = DataConfig()
    parser.add_argument(
        "--demo-books", type=int, default=defaults.demo_books, help="books in the demo catalog"
    )
    parser.add_argument(
        "--demo-users", type=int, default=defaults.demo_users, help="readers in the demo catalog"
    )
    parser.add_argument(
        "--demo-seed", type=int, default=defaults.demo_seed, help="seed of the demo catalog"
    )
    return parser


class _HideUserErrorTracebacks(logging.Filter):
    """Prefect logs every task failure with its traceback; for a user mistake the one-line
    message says all there is to say, so the traceback is dropped (bugs keep theirs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], BookrecError):
            record.exc_info = None
            record.exc_text = None
        return True


def hide_user_error_tracebacks() -> None:
    """Install the filter on the handlers Prefect sets up (console and API log)."""
    for name in ("", "prefect.flow_runs", "prefect.task_runs"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, _HideUserErrorTracebacks) for f in handler.filters):
                handler.addFilter(_HideUserErrorTracebacks())


def run_cli(
    main: Callable[[argparse.Namespace], object],
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
) -> int:
    """Parse argv, run main(args), and turn a user mistake into one line on stderr and exit 2.

    Errors that are not the user's (bugs) keep their traceback: hiding them would hide the bug.
    """
    args = parser.parse_args(argv)
    # imported here: Prefect's server module takes seconds to import, and --help needs none of it
    from flows._server_guard import guard_temporary_server

    guard_temporary_server()
    hide_user_error_tracebacks()
    quiet_library_logs()
    return exit_code_of(lambda: main(args))


def quiet_library_logs() -> None:
    """Keep third-party chatter (httpx, transformers, Dask's scheduler) out of the terminal."""
    for name in ("httpx", "transformers", "urllib3", "distributed"):
        logging.getLogger(name).setLevel(logging.WARNING)


def require_built_warehouse(warehouse: Path) -> None:
    """Fail before Prefect starts when the warehouse was never built: one line, no run logs."""
    require_warehouse_file(
        Path(warehouse), "`python -m flows.prepare_data` and `python -m flows.embed`"
    )
