"""Finding the input files: which layouts are present in a folder, and checking their headers."""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bookrec.errors import DataError, shorten
from bookrec.warehouse.layouts import LAYOUTS, USER_RATINGS, Layout

log = logging.getLogger(__name__)

# Book layouts: at least one of them must be present next to the ratings.
BOOK_LAYOUTS = ("best_books_ever", "book_shards", "best_books_10k", "goodbooks_books")
# The file bookrec's demo generator (bookrec.demo) writes at the top of its made-up files:
# files beside it or a folder below are synthetic, wherever they are read from (a --data-dir
# too).
SYNTHETIC_MARKER = "README_SYNTHETIC.txt"


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

    @property
    def synthetic(self) -> bool:
        """Whether any file found is bookrec's demo: SYNTHETIC_MARKER in its folder or the one
        above (the generator writes it at the top of --out, its files one folder down, in
        best_books_dataset/ and all_books_dataset/ as the Kaggle files come)."""
        folders = {
            folder
            for paths in self.files.values()
            for path in paths
            for folder in (path.parent, path.parent.parent)
        }
        return any((folder / SYNTHETIC_MARKER).is_file() for folder in folders)

    def summary(self) -> str:
        parts = [f"{name}: {len(paths)} file(s)" for name, paths in self.files.items() if paths]
        return "; ".join(parts) if parts else "no known files"


def _csv_files(folder: Path) -> Iterator[Path]:
    """Every *.csv below folder, following linked folders (a data folder is often a link to a
    download elsewhere) but entering each real folder once, so a link loop ends."""
    seen: set[Path] = set()
    for root, dirs, names in os.walk(folder, followlinks=True, onerror=_unreadable_folder):
        # Without search permission (x) a folder lists its names but none can be opened, and
        # os.walk takes its subfolders for files: stop rather than skip them.
        if not os.access(root, os.R_OK | os.X_OK):
            _unreadable_folder(PermissionError(13, "Permission denied", root))
        real = Path(root).resolve()
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        # A folder named like a data file is listed in dirs, not names: report it too.
        for name in sorted(names) + [d for d in dirs if d.lower().endswith(".csv")]:
            if name.lower().endswith(".csv"):
                yield Path(root) / name


def _unreadable_folder(error: OSError) -> None:
    """os.walk's onerror: a folder of the data that cannot be listed would drop its files."""
    raise DataError(
        f"{error.filename}: cannot read this folder of the data ({error.strerror}); make it "
        "readable (chmod a+rx) or move it out of the data folder"
    )


def unusable_reason(path: Path) -> str | None:
    """Why a path named like a data file cannot be read, with the fix; None when it can."""
    try:
        return _unusable_reason(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror}); check the permissions of its folders"


def _unusable_reason(path: Path) -> str | None:
    if path.is_symlink() and not path.exists():
        return f"is a link to {os.readlink(path)}, which does not exist; fix or remove the link"
    if path.is_dir():
        return "is a folder, not a CSV file; rename it or move it out of the data folder"
    if not path.is_file():
        return "is not a regular file; replace it with the CSV file"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied); make it readable (chmod a+r) or move it away"
    return None


def find_source_files(folders: list[Path]) -> SourceFiles:
    """Search folders recursively (linked folders included) for every known layout's file names.

    Args:
        folders: folders to search; missing ones are skipped.

    Returns:
        SourceFiles with the matches of each layout, sorted by path.

    Raises:
        DataError: a match is a folder, a dangling link or an unreadable file (names the fix).
    """
    found: dict[str, set[Path]] = {layout.name: set() for layout in LAYOUTS}
    for folder in folders:
        if not is_folder(folder):
            continue
        for path in _csv_files(folder):
            layout = next((lay for lay in LAYOUTS if lay.matches(path.name)), None)
            if layout is None:
                continue
            problem = unusable_reason(path)
            if problem:
                raise DataError(f"{path} {problem}")
            found[layout.name].add(path.resolve())
    files = {name: tuple(sorted(paths)) for name, paths in found.items() if paths}
    return SourceFiles(files)


def is_folder(path: Path) -> bool:
    """Path.is_dir, with a folder on the way that cannot be searched named as the problem."""
    try:
        return path.is_dir()
    except OSError as exc:
        raise DataError(
            f"{path}: cannot be reached ({exc.strerror}); check the permissions of its folders"
        ) from None


# The longest line DuckDB is allowed to read (sql/ingest/read_csv_file.sql's max_line_size);
# Python's csv module stops at 128 KB by default.
MAX_FIELD_BYTES = 20_000_000


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file's first line.

    Raises:
        DataError: the file is unreadable, empty, not UTF-8, or its first line is not a header.
    """
    # Only the first line is decoded here: bad bytes further down are the CSV reader's to
    # report, row by row.
    try:
        with path.open("rb") as handle:
            first_line = handle.readline(MAX_FIELD_BYTES)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror}); check the file") from exc
    if len(first_line) >= MAX_FIELD_BYTES:
        raise DataError(f"{path}: the first line is longer than 20 MB; is it a CSV file?")
    csv.field_size_limit(MAX_FIELD_BYTES)
    try:
        header = next(csv.reader([first_line.decode("utf-8-sig")]), None)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: the header is not UTF-8 ({exc.reason} at byte {exc.start}); "
            "re-save the file as UTF-8"
        ) from exc
    except csv.Error as exc:
        raise DataError(f"{path}: the first line is not a CSV header ({exc})") from exc
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
            f"{layout.description} layout (found: {shorten(', '.join(header))})"
        )
    if len(set(header)) != len(header):
        raise DataError(f"{path}: duplicate column names in the header ({shorten(', '.join(header))})")
    return header
