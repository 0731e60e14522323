"""Loading the original CSV files, unchanged, into raw_* tables (every column as text)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from bookrec.errors import DataError
from bookrec.warehouse.layouts import LAYOUTS, Layout
from bookrec.warehouse.sources import SourceFiles, check_header
from bookrec.warehouse.connection import run_sql

log = logging.getLogger(__name__)

# A file in which most rows are unreadable is the wrong file, not a file with a few bad rows.
MAX_REJECTED_SHARE = 0.5


@dataclass(frozen=True)
class IngestCounts:
    """Rows read and rows rejected by the CSV parser, per layout."""

    rows: dict[str, int]
    rejected: dict[str, int]


def _create_raw_table(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    # The column list comes from the layout definition, so it lives in one place (layouts.py);
    # names are fixed identifiers, never user input.
    columns = ", ".join(f'"{name}" varchar' for name in layout.columns)
    con.execute(
        f"create or replace table {layout.raw_table} "
        f"({columns}, source_file varchar, source_row bigint)"
    )


def _load_file(con: duckdb.DuckDBPyConnection, layout: Layout, path) -> tuple[int, int]:
    header = check_header(path, layout)
    run_sql(
        con,
        "ingest/read_csv_file.sql",
        {"path": str(path), "columns": {name: "VARCHAR" for name in header}},
    )
    wanted = [name for name in layout.columns if name in header]
    selected = ", ".join(f'"{name}"' for name in wanted)
    con.execute(
        f"insert into {layout.raw_table} ({selected}, source_file, source_row) "
        f"select {selected}, source_file, source_row from csv_file"
    )
    run_sql(con, "ingest/collect_csv_rejects.sql", {"layout": layout.name, "path": str(path)})
    rows, rejected = run_sql(con, "ingest/csv_file_counts.sql").fetchall()[0]
    run_sql(con, "ingest/csv_file_done.sql")
    if rows == 0 and rejected == 0:
        log.warning("%s has a header but no rows", path)
    if rejected and rejected > MAX_REJECTED_SHARE * (rows + rejected):
        raise DataError(
            f"{path}: {rejected} of {rows + rejected} rows could not be read as CSV "
            f"(first reason in table raw_rejects); is it really a {layout.description} file "
            "in UTF-8?"
        )
    ignored = [name for name in header if name not in layout.columns and name != "row_index"]
    if ignored:
        log.debug("%s: columns not used: %s", path.name, ", ".join(ignored))
    return rows, rejected


def ingest_files(con: duckdb.DuckDBPyConnection, sources: SourceFiles) -> IngestCounts:
    """Create every raw_* table (empty when its layout has no files) and load the files.

    Args:
        con: an open, writable warehouse connection.
        sources: the files found for each layout.

    Returns:
        Rows read and rows rejected per layout.

    Raises:
        DataError: a file misses a required column, is empty, or is mostly unreadable.
    """
    run_sql(con, "ingest/00_raw_rejects.sql")
    rows: dict[str, int] = {}
    rejected: dict[str, int] = {}
    for layout in LAYOUTS:
        _create_raw_table(con, layout)
        rows[layout.name] = rejected[layout.name] = 0
        for path in sources.of(layout):
            n_rows, n_rejected = _load_file(con, layout, path)
            rows[layout.name] += n_rows
            rejected[layout.name] += n_rejected
            log.info("read %s: %d rows, %d unreadable", path.name, n_rows, n_rejected)
    return IngestCounts(rows, rejected)
