"""The built-in demo catalog: synthetic Goodreads files in the exact original layouts.

Everything here is made up: titles, authors, descriptions, ids and ratings come from word
lists (vocabulary.json, via `vocabulary`) and a seeded random model (`world`), so that bookrec
runs on a fresh machine with no download. `files` writes them in the folders and layouts of
the two Kaggle datasets (Best Books Ever, book*.csv shards, user_rating_*.csv files), which go
through the same ingest as real ones. One `numpy.random.Generator(seed)` draws everything, in a
fixed order, so a seed gives the same bytes.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bookrec.demo.files import (
    MARKER,
    prepare_folder,
    readme,
    write_best_books_ever,
    write_ratings,
    write_shards,
)
from bookrec.demo.world import check_args, make_world

log = logging.getLogger(__name__)

# Bumped whenever the same arguments would give different files (callers may put it in the
# folder name, so that a cached demo folder is never an older generator's).
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class DemoSummary:
    """What write_demo_dataset wrote."""

    folder: Path
    seed: int
    n_books: int  # rows of books_1.Best_Books_Ever.csv
    n_shard_books: int  # rows of the book*.csv shards (some also in Best Books Ever)
    n_shard_only_books: int
    n_rating_only_books: int  # named only by the rating files
    n_users: int
    n_users_without_ratings: int
    n_ratings: int
    files: tuple[Path, ...]

    def line(self) -> str:
        """The one-line summary the command prints."""
        return f"synthetic demo catalog in {self.folder}: {self.counts()}"

    def counts(self) -> str:
        """What was generated, without the folder (the same for a seed wherever written)."""
        return (
            f"generator v{GENERATOR_VERSION}, seed {self.seed}: {self.n_books} Best "
            f"Books Ever books, {self.n_shard_books} shard books ({self.n_shard_only_books} "
            f"only there), {self.n_rating_only_books} books named only by ratings; "
            f"{self.n_ratings} ratings by {self.n_users} users "
            f"({self.n_users_without_ratings} without ratings) in {len(self.files)} files"
        )


def write_demo_dataset(
    folder: Path,
    n_books: int,
    n_users: int,
    seed: int,
    ratings_per_user: tuple[int, int] | None = None,
) -> DemoSummary:
    """Write the synthetic demo catalog in the exact layouts of the original Kaggle files.

    Writes `best_books_dataset/books_1.Best_Books_Ever.csv`, `all_books_dataset/book1-100k.csv`,
    `all_books_dataset/book100k-200k.csv`, `all_books_dataset/user_rating_<a>_to_<b>.csv` and a
    README saying the data are synthetic. The same arguments give the same bytes. The folder is
    written whole or not at all (built beside it, then renamed).

    Args:
        folder: where to write; must be new, empty or an earlier demo catalog (replaced).
        n_books: rows of the Best Books Ever file (at least 50); the shards add 6% more books
            and the rating files name 3% more that no book file describes.
        n_users: users of the rating files (at least 10); about 2% of them rate nothing.
        seed: seed of the random generator.
        ratings_per_user: (low, high) bounds of each user's number of ratings, drawn uniformly;
            default (20, 180), the upper bound capped at n_books / 2.

    Returns:
        A DemoSummary of the counts and files written.

    Raises:
        ConfigError: a size or seed out of range, or a folder holding other files.
    """
    low, high = check_args(n_books, n_users, seed, ratings_per_user)
    folder = Path(folder)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    world = make_world(rng, n_books, n_users, low, high)
    catalog, counts = world.catalog, world.counts

    work = prepare_folder(folder)
    try:
        bbe = work / "best_books_dataset" / "books_1.Best_Books_Ever.csv"
        n_bbe = write_best_books_ever(bbe, rng, world)
        shards, n_shard = write_shards(work / "all_books_dataset", rng, world)
        rating_files = write_ratings(work / "all_books_dataset", rng, world)
        files = [bbe, *shards, *rating_files]
        summary = DemoSummary(
            folder=folder,
            seed=seed,
            n_books=n_bbe,
            n_shard_books=n_shard,
            n_shard_only_books=int((catalog.role == 1).sum()),
            n_rating_only_books=int((catalog.role == 2).sum()),
            n_users=n_users,
            n_users_without_ratings=int((counts == 0).sum()),
            n_ratings=len(world.user),
            files=tuple(folder / f.relative_to(work) for f in files),
        )
        (work / MARKER).write_text(readme(summary.counts()), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        work.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s (%.1f s)", summary.line(), time.perf_counter() - started)
    return summary
