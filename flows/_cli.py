"""Command-line plumbing shared by every `python -m flows.<name>` entry point."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bookrec.config import DEFAULT_WAREHOUSE
from bookrec.errors import BookrecError

# Library modules log through `logging.getLogger("bookrec....")`; this routes them into
# Prefect's run log. Set before prefect is imported by the flow module's caller.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "bookrec")
# This machine may have no internet: the temporary server's telemetry would only log errors.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


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
    return parser


def run_cli(
    main: Callable[[argparse.Namespace], object],
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
) -> int:
    """Parse argv, run main(args), and turn a user mistake into one line on stderr and exit 2.

    Errors that are not the user's (bugs) keep their traceback: hiding them would hide the bug.
    """
    args = parser.parse_args(argv)
    try:
        main(args)
    except BookrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


def quiet_library_logs() -> None:
    """Keep third-party chatter (httpx, transformers) out of the terminal."""
    for name in ("httpx", "transformers", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
