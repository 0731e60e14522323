"""Every table flow `lists` builds, in one call: for scripts and tests that build a warehouse
in-process (the flow runs the same steps as separate tasks, each logged on its own)."""

from __future__ import annotations

import duckdb

from bookrec.config import CoratingConfig
from bookrec.lists.corating import corating_vectors, store_corating
from bookrec.lists.ease import fit_ease, store_ease
from bookrec.lists.works import build_works
from bookrec.warehouse.tables import load_ratings


def build_list_tables(
    con: duckdb.DuckDBPyConnection, config: CoratingConfig | None = None
) -> dict[str, object]:
    """The works tables, the co-rating vectors and EASE's weights, rebuilt from the warehouse's
    books and ratings; what each wrote (as flow `lists` returns it)."""
    config = config or CoratingConfig()
    decisions = build_works(con)
    ratings = load_ratings(con)
    corating = store_corating(con, corating_vectors(ratings, config))
    ease = store_ease(con, fit_ease(ratings, config))
    return {"work_decisions": decisions, "corating_books": corating, "ease_books": ease}
