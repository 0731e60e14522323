"""Appending metric rows to the warehouse table eval_runs (one row per run, method and metric).

Both parts of an evaluation write there: rating prediction (bookrec.evaluation.rating_evaluation)
and the top-N lists (bookrec.evaluation.topn_report).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from bookrec.warehouse.connection import run_sql

EVAL_RUN_COLUMNS = ["run_id", "method", "config", "metric", "value", "n_users"]


def append_eval_runs(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> int:
    """Append rows (run_id, method, config JSON, metric, value, n_users), creating the table.

    Returns:
        The number of rows written.
    """
    frame = pd.DataFrame(rows, columns=EVAL_RUN_COLUMNS)
    run_sql(con, "eval/04_eval_runs_table.sql")
    con.register("new_eval_rows", frame)
    try:
        run_sql(con, "eval/05_eval_runs_insert.sql")
    finally:
        con.unregister("new_eval_rows")
    return len(frame)
