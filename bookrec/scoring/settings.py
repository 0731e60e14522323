"""The tuned scorer settings in the warehouse: `evaluate` writes them, `recommend` reads them.

Table `scorer_settings(run_id, space, alpha, temperature, top_k, created_at)`, one row per
evaluation run; the newest row wins. A warehouse that was never evaluated gives ScorerConfig()'s
defaults, so `recommend` works before `evaluate` has run.
"""

from __future__ import annotations

import logging

import duckdb

from bookrec.config import ScorerConfig
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import run_sql, table_exists

log = logging.getLogger(__name__)

TABLE = "scorer_settings"


def save_scorer_settings(con: duckdb.DuckDBPyConnection, run_id: str, config: ScorerConfig) -> None:
    """Append the settings chosen by one evaluation run (creating the table if needed).

    Args:
        con: a writable warehouse connection.
        run_id: the evaluation run that chose them (also the key of its eval_runs rows).
        config: the tuned scorer settings.
    """
    run_sql(con, "eval/01_scorer_settings_table.sql")
    run_sql(
        con,
        "eval/02_scorer_settings_insert.sql",
        {
            "run_id": run_id,
            "space": config.space,
            "alpha": float(config.alpha),
            "temperature": float(config.temperature),
            "top_k": None if config.top_k is None else int(config.top_k),
        },
    )
    lineage.record(con, TABLE, run_id)
    log.info("saved scorer settings of run %s: %s", run_id, config)


def load_scorer_settings(con: duckdb.DuckDBPyConnection) -> ScorerConfig:
    """The newest saved settings, or ScorerConfig() defaults when none were saved yet.

    Raises:
        ConfigError: a stored row holds values that ScorerConfig rejects.
        WarehouseError: the settings were tuned on data the warehouse no longer holds.
    """
    if not table_exists(con, TABLE):
        return ScorerConfig()
    lineage.require_fresh(con, TABLE)
    row = run_sql(con, "eval/03_scorer_settings_latest.sql").fetchone()
    if row is None:
        return ScorerConfig()
    space, alpha, temperature, top_k = row
    return ScorerConfig(
        space=space,
        alpha=float(alpha),
        temperature=float(temperature),
        top_k=None if top_k is None else int(top_k),
    )
