"""The tuned list weights in the warehouse: `evaluate` writes them, `recommend` reads them.

Table `list_settings(run_id, w_pop, w_text, w_corating, tune_ndcg, created_at, w_rating,
few_w_pop, few_w_text, few_w_corating, few_w_rating, few_tune_ndcg, few_ranker, full_ranker)`;
the newest row wins; before any evaluation, ListConfig()'s defaults (so are the few-book
weights of a row written before they were tuned) and no re-rankers (bookrec.lists.learned).
"""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd

from bookrec.config import ListConfig
from bookrec.lists.learned import Rerankers, TreeRanker
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
    rerankers: Rerankers | None = None,
) -> None:
    rerankers = rerankers or Rerankers()
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
            "few_ranker": _text_of(rerankers.few),
            "full_ranker": _text_of(rerankers.full),
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


def _text_of(ranker: TreeRanker | None) -> str | None:
    return None if ranker is None else ranker.to_text()


def load_rerankers(con: duckdb.DuckDBPyConnection) -> Rerankers:
    """The re-rankers stored with the newest tuned weights (None where none was trained, or
    in a row written before that kind was)."""
    row = _newest(con)

    def stored(column: str) -> TreeRanker | None:
        text = None if row is None else row.get(column)
        return TreeRanker.from_text(text if isinstance(text, str) else None)

    return Rerankers(few=stored("few_ranker"), full=stored("full_ranker"))


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
