"""`bookrec sql`: a reader's own DuckDB SQL against the warehouse, opened read-only.

The `duckdb` command-line tool is no Python dependency, and the one on PyPI (duckdb-cli 1.5)
cannot open a file that DuckDB 2.0 wrote ("version number 69, but we can only read versions
between 64 and 68"); this runs the query through the pinned library instead.
"""

from __future__ import annotations

import csv
from contextlib import redirect_stdout
from pathlib import Path
from typing import TextIO

import duckdb

from bookrec.errors import ConfigError, DataError
from bookrec.warehouse.connection import connect

FETCH_ROWS = 10_000  # rows per fetch for --csv: any result streams in bounded memory


def run_query(db_path: Path, sql: str, out: TextIO, as_csv: bool = False, max_rows: int = 40) -> int:
    """Run `sql` (one or more statements; the last one's rows are shown) on the warehouse,
    read-only, and write its rows to `out`: a table of at most max_rows rows (DuckDB's own
    drawing, with the row count), or every row as CSV with a header.

    Returns:
        The rows written (the table's shown rows are not counted: 0).

    Raises:
        ConfigError: no query, or max_rows below 1.
        DataError: DuckDB refused the query (its message, with where it failed).
        WarehouseError: no warehouse at db_path, or not a DuckDB file.
    """
    if not sql.strip():
        raise ConfigError("no query given: bookrec sql \"select count(*) from books\"")
    if max_rows < 1:
        raise ConfigError(f"--max-rows must be at least 1; got {max_rows}")
    with connect(db_path, read_only=True) as con:
        try:
            if not as_csv:
                relation = con.sql(sql)
                if relation is not None:  # None: a statement without rows
                    with redirect_stdout(out):
                        relation.show(max_rows=max_rows)
                return 0
            result = con.execute(sql)
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow([column[0] for column in result.description or ()])
            written = 0
            while rows := result.fetchmany(FETCH_ROWS):
                writer.writerows(rows)
                written += len(rows)
            return written
        except duckdb.Error as exc:
            raise DataError(_refused(db_path, exc)) from None


def _refused(db_path: Path, exc: duckdb.Error) -> str:
    """DuckDB's message, and what to do where the cause is opening the file read-only."""
    message = str(exc).strip()
    if "read-only mode" in message:
        return (
            f"{message}\nbookrec sql opens {db_path} read-only; the flows write it (to change "
            f"tables yourself: python -c \"import duckdb; duckdb.connect('{db_path}').sql(...)\")"
        )
    return f"the query failed: {message}"
