"""Typed loaders for the warehouse's final tables, checked where the data enters."""

from __future__ import annotations

import duckdb
import pandas as pd

from bookrec.errors import DataError
from bookrec.warehouse.connection import require_tables, run_sql

def load_ratings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All ratings as a DataFrame[user_id int64, book_id int64, rating int8].

    Raises:
        WarehouseError: the table is missing.
        DataError: a rating lies off 1..5 or an id is null.
    """
    require_tables(con, ["ratings"])
    frame = run_sql(con, "load/ratings.sql").df()
    bad = frame["rating"].isna() | ~frame["rating"].between(1, 5)
    if bad.any():
        raise DataError(f"{int(bad.sum())} ratings outside 1..5; rebuild with flows.prepare_data")
    if frame[["user_id", "book_id"]].isna().any().any():
        raise DataError("ratings has null ids; rebuild with flows.prepare_data")
    return frame.astype({"user_id": "int64", "book_id": "int64", "rating": "int8"})


def load_books(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The catalog: one row per book_id, ordered by book_id, with the columns of
    sql/load/books.sql (book_id, title, author, description, genres, avg_rating, num_ratings,
    has_description)."""
    require_tables(con, ["books"])
    frame = run_sql(con, "load/books.sql").df()
    if frame["book_id"].duplicated().any():
        raise DataError("books has duplicate book_id; rebuild with flows.prepare_data")
    return frame
