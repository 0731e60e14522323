"""The tuned list weights in the warehouse: `evaluate` writes them, `recommend` reads them.

Table `list_settings(run_id, w_pop, w_text, w_corating, tune_ndcg, created_at, w_rating,
few_w_pop, few_w_text, few_w_corating, few_w_rating, few_tune_ndcg, few_ranker)`; the newest
row wins; before any evaluation, ListConfig()'s defaults (so are the few-book weights of a row
written before they were tuned) and no few-book re-ranker (bookrec.lists.learned).
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd

from bookrec.config import ListConfig
from bookrec.lists.learned import FewBookRanker
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import run_sql, table_exists

# ListConfig's tuned weights, full-history and few-book (their order: ListWeights')
WEIGHTS = ("w_pop", "w_text", "w_corating", "w_rating")
FEW_WEIGHTS = ("few_w_pop", "few_w_text", "few_w_corating", "few_w_rating")


def save_list_settings(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    config: ListConfig,
    tune_ndcg: float,
    few_tune_ndcg: float = float("nan"),
    few_ranker: FewBookRanker | None = None,
) -> None:
    run_sql(con, "lists/02_list_settings_table.sql")
    run_sql(
        con,
        "lists/03_list_settings_insert.sql",
        {
            "run_id": run_id,
            "w_pop": float(config.w_pop),
            "w_text": float(config.w_text),
            "w_corating": float(config.w_corating),
            "w_rating": float(config.w_rating),
            "tune_ndcg": float(tune_ndcg),
            **{name: float(getattr(config, name)) for name in FEW_WEIGHTS},
            "few_tune_ndcg": float(few_tune_ndcg),
            "few_ranker": None if few_ranker is None else few_ranker.to_text(),
        },
    )
    lineage.record(con, "list_settings", run_id)


def _newest(con: duckdb.DuckDBPyConnection) -> pd.Series | None:
    """The newest row of `list_settings` (None: no table or no row yet)."""
    if not table_exists(con, "list_settings"):
        return None
    lineage.require_fresh(con, "list_settings")
    latest = run_sql(con, "lists/04_list_settings_latest.sql").df()
    return None if latest.empty else latest.iloc[0]


def load_few_ranker(con: duckdb.DuckDBPyConnection) -> FewBookRanker | None:
    """The few-book re-ranker of the newest tuned weights (None: none trained)."""
    row = _newest(con)
    text = None if row is None else row.get("few_ranker")
    return FewBookRanker.from_text(text if isinstance(text, str) else None)


def load_list_settings(
    con: duckdb.DuckDBPyConnection, base: ListConfig | None = None
) -> ListConfig:
    """The newest tuned weights over `base` (ListConfig() when None)."""
    base = base or ListConfig()
    row = _newest(con)
    if row is None:
        return base
    w_rating = row.get("w_rating")
    few = {
        name: float(row[name])
        for name in FEW_WEIGHTS
        if row.get(name) is not None and not pd.isna(row.get(name))
    }
    return dataclasses.replace(
        base,
        w_pop=float(row["w_pop"]),
        w_text=float(row["w_text"]),
        w_corating=float(row["w_corating"]),
        w_rating=0.0 if w_rating is None or pd.isna(w_rating) else float(w_rating),
        **few,
    )
