"""Loading the original CSV files, unchanged, into raw_* tables (every column as text)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from bookrec.errors import DataError
from bookrec.warehouse.layouts import LAYOUTS, Layout
from bookrec.warehouse.sources import SourceFiles, check_header
from bookrec.warehouse.connection import run_sql, table_exists
from bookrec.warehouse.csv_fallback import parse_file

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


def _read_with_duckdb(con: duckdb.DuckDBPyConnection, layout: Layout, path, header) -> bool:
    """read_csv_file.sql into csv_file and its rejects into raw_rejects; False when DuckDB's
    reader stops on the file as a whole (the row-by-row reader takes over)."""
    try:
        run_sql(
            con,
            "ingest/read_csv_file.sql",
            {"path": str(path), "columns": {name: "VARCHAR" for name in header}},
        )
    except duckdb.InvalidInputException as exc:
        log.warning("%s: %s; reading it row by row", path, str(exc).splitlines()[0])
        if table_exists(con, "csv_rejects"):
            run_sql(con, "ingest/csv_rejects_done.sql")
        return False
    except duckdb.IOException as exc:
        raise DataError(f"{path}: cannot be read ({str(exc).splitlines()[0]})") from exc
    run_sql(con, "ingest/collect_csv_rejects.sql", {"layout": layout.name, "path": str(path)})
    run_sql(con, "ingest/csv_rejects_done.sql")
    return True


def _read_row_by_row(con: duckdb.DuckDBPyConnection, layout: Layout, path, header) -> None:
    """csv_fallback.parse_file into csv_file, one raw_rejects row per unreadable row."""
    try:
        parsed = parse_file(path, len(header))
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror}); check the file") from exc
    columns = {name: [row[i] for row in parsed.rows] for i, name in enumerate(header)}
    columns["source_row"] = list(range(1, len(parsed.rows) + 1))
    con.register("parsed_rows", pa.table(columns))
    run_sql(con, "ingest/parsed_csv_file.sql", {"path": str(path)})
    con.unregister("parsed_rows")
    rejects = pa.table(
        {
            "line": pa.array([r.line for r in parsed.rejects], pa.int64()),
            "reason": pa.array([r.reason for r in parsed.rejects], pa.string()),
            "raw_values": pa.array([r.raw_values for r in parsed.rejects], pa.string()),
        }
    )
    con.register("parsed_rejects", rejects)
    run_sql(con, "ingest/insert_parsed_rejects.sql", {"layout": layout.name, "path": str(path)})
    con.unregister("parsed_rejects")


def _load_file(con: duckdb.DuckDBPyConnection, layout: Layout, path) -> tuple[int, int]:
    header = check_header(path, layout)
    if not _read_with_duckdb(con, layout, path, header):
        _read_row_by_row(con, layout, path, header)
    wanted = [name for name in layout.columns if name in header]
    selected = ", ".join(f'"{name}"' for name in wanted)
    con.execute(
        f"insert into {layout.raw_table} ({selected}, source_file, source_row) "
        f"select {selected}, source_file, source_row from csv_file"
    )
    rows, rejected = run_sql(con, "ingest/csv_file_counts.sql", {"path": str(path)}).fetchall()[0]
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
