"""Finding the input files: which layouts are present in a folder, and checking their headers."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bookrec.errors import DataError
from bookrec.warehouse.layouts import LAYOUTS, USER_RATINGS, Layout

log = logging.getLogger(__name__)

# Book layouts: at least one of them must be present next to the ratings.
BOOK_LAYOUTS = ("best_books_ever", "book_shards", "best_books_10k", "goodbooks_books")


@dataclass(frozen=True)
class SourceFiles:
    """The files found for each layout name, sorted so that every run reads them in one order."""

    files: dict[str, tuple[Path, ...]] = field(default_factory=dict)

    def of(self, layout: Layout) -> tuple[Path, ...]:
        return self.files.get(layout.name, ())

    @property
    def has_ratings(self) -> bool:
        return bool(self.of(USER_RATINGS))

    @property
    def has_books(self) -> bool:
        return any(self.files.get(name) for name in BOOK_LAYOUTS)

    @property
    def usable(self) -> bool:
        return self.has_ratings and self.has_books

    def summary(self) -> str:
        parts = [f"{name}: {len(paths)} file(s)" for name, paths in self.files.items() if paths]
        return "; ".join(parts) if parts else "no known files"


def find_source_files(folders: list[Path]) -> SourceFiles:
    """Search folders recursively for the file names of every known layout.

    Args:
        folders: folders to search; missing ones are skipped.

    Returns:
        SourceFiles with the matches of each layout, sorted by path.
    """
    found: dict[str, set[Path]] = {layout.name: set() for layout in LAYOUTS}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.csv"):
            for layout in LAYOUTS:
                if layout.matches(path.name):
                    found[layout.name].add(path.resolve())
    files = {name: tuple(sorted(paths)) for name, paths in found.items() if paths}
    return SourceFiles(files)


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line.

    Raises:
        DataError: the file is empty, not UTF-8, or its first line is not a CSV header.
    """
    # Only the first line is decoded here: bad bytes further down are the CSV reader's to
    # report, row by row.
    with path.open("rb") as handle:
        first_line = handle.readline()
    try:
        header = next(csv.reader([first_line.decode("utf-8-sig")]), None)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: the header is not UTF-8 ({exc.reason} at byte {exc.start}); "
            "re-save the file as UTF-8"
        ) from exc
    if not header or not any(name.strip() for name in header):
        raise DataError(f"{path}: the file is empty (no header line)")
    return [name.strip() for name in header]


def check_header(path: Path, layout: Layout) -> list[str]:
    """Read a file's header and make sure the layout's required columns are there.

    Returns:
        The header, with an unnamed first column called "row_index".

    Raises:
        DataError: naming the file, the missing columns and the columns found.
    """
    header = read_header(path)
    header = [name or ("row_index" if i == 0 else f"column{i}") for i, name in enumerate(header)]
    missing = [name for name in layout.required if name not in header]
    if missing:
        raise DataError(
            f"{path}: missing required column(s) {', '.join(missing)} for the "
            f"{layout.description} layout (found: {', '.join(header)})"
        )
    if len(set(header)) != len(header):
        raise DataError(f"{path}: duplicate column names in the header {header}")
    return header
