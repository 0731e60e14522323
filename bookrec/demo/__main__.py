"""`python -m bookrec.demo`: write the demo catalog."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bookrec.config import DataConfig
from bookrec.demo.generator import write_demo_dataset
from bookrec.demo.world import DEFAULT_RATINGS_PER_USER
from bookrec.errors import exit_code_of


class _DefaultsShown(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default after its help, but for one whose help says it in words (a
    default of None: "(default: None)" beside "by default 20 180" contradicted it)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return action.help if action.default is None else super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    defaults = DataConfig()
    low, high = DEFAULT_RATINGS_PER_USER
    parser = argparse.ArgumentParser(
        prog="python -m bookrec.demo",
        description="Write the synthetic demo catalog: made-up books and ratings in the exact "
        "layouts of the Kaggle Goodreads files (Best Books Ever, book*.csv shards, "
        "user_rating_*.csv), ready for `python -m flows.prepare_data --data-dir DIR` (which "
        "reads them as the demo, labelled synthetic).",
        formatter_class=_DefaultsShown,
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write (new or empty)")
    parser.add_argument(
        "--books", type=int, default=defaults.demo_books, help="books in Best Books Ever"
    )
    parser.add_argument(
        "--users", type=int, default=defaults.demo_users, help="users in the rating files"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=defaults.demo_seed,
        help="random seed (same seed, same files)",
    )
    parser.add_argument(
        "--ratings-per-user",
        type=int,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=None,
        help=f"bounds of each user's number of ratings (by default {low} {high}, capped at "
        "books / 2)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Write the catalog and print its one-line summary; a bad size or folder exits 2."""
    args = build_parser().parse_args(argv)

    def write() -> None:
        started = time.perf_counter()
        summary = write_demo_dataset(
            args.out, args.books, args.users, args.seed, args.ratings_per_user
        )
        print(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")

    return exit_code_of(write)


if __name__ == "__main__":
    raise SystemExit(main())
