"""Works, series, collections and derivatives: built in SQL (sql/works/), loaded for ranking.

Tables (every decision with its reason; `work_decisions` gathers them):
- book_series(book_id, series_key, position, position_hi, is_collection, collection_rule, ...)
- book_works(book_id, work_id, work_title, surname, series_key, title_series_key, position,
  reason, is_main_edition): the work each book is an edition of (work_id = its smallest
  book_id; split editions "Part 1 (#1.1)" join their entry's work); series_key is the series
  with its spellings joined ("Dune Chronicles" = "Dune"), title_series_key as the title spells it,
  series_id the series a reader goes through (series_key, per author where two authors number
  one name alike: "inheritance (paolini)").
- collection_works(collection_id, work_id, reason): the works a collection contains (box sets,
  "A, B, C" of one author, "The Complete Novels", an omnibus titled as its series).
- derivative_works(book_id, work_id, reason): guides, critical editions, adaptations (graphic
  novels, manga), companions and books about a work or series ("The World of X", movie
  companions, tribute guides, short books set in a series' world).
- book_credits(book_id, name, surname): every name a book's records credit (books.author holds
  the first only), read by derivative_works.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from bookrec.warehouse import lineage
from bookrec.warehouse.connection import (
    SQL_DIR,
    require_tables,
    run_sql,
    table_columns,
    table_exists,
)

log = logging.getLogger(__name__)

WORK_STEPS = sorted(p.relative_to(SQL_DIR).as_posix() for p in (SQL_DIR / "works").glob("0*.sql"))
# Steps that read what only prepare_data writes, each with its stand-in for a warehouse not
# built by it (by hand, another pipeline, an older bookrec): (the step, the table or
# "table.column" it needs, the stand-in).
STAND_INS = [
    ("works/00_goodreads_works.sql", "clean_goodbooks", "works/no_goodreads_works.sql"),
    ("works/00_book_credits.sql", "merge_book_groups", "works/no_book_credits.sql"),
    ("works/00_book_pages.sql", "books.pages", "works/no_book_pages.sql"),
    (
        "works/00_original_titles.sql",
        "clean_goodbooks.original_title",
        "works/no_original_titles.sql",
    ),
]
WORK_TABLES = ["book_series", "book_works", "collection_works", "derivative_works"]


def build_works(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Run sql/works/ on the warehouse (needs `books`); returns the rows of each decision kind."""
    require_tables(con, ["books"])
    run_sql(con, "clean/00_macros.sql")  # fold_text, title_key, ...: the same as cleaning's
    steps = WORK_STEPS
    for step, needed, stand_in in STAND_INS:
        table, _, column = needed.partition(".")
        present = column in table_columns(con, table) if column else table_exists(con, table)
        if not present:  # no goodbooks work ids, only first authors, no page counts
            run_sql(con, stand_in)
            steps = [s for s in steps if s != step]
    for step in steps:
        run_sql(con, step)
    for table in WORK_TABLES:
        lineage.record(con, table)
    rows = con.execute("select decision, count(*) from work_decisions group by 1").fetchall()
    return {decision: int(n) for decision, n in rows}


@dataclass(frozen=True)
class Works:
    """Per-book work and series, and the collection / derivative links, as lookups.

    work_of, series_of, position_of: book_id -> work_id / series key / position.
    last_position_of: collection book_id -> the last position its series range covers
    ("The Foundation Trilogy (Foundation, #1-3)": 3.0).
    main_edition: work_id -> its main edition (its most-rated book; where its records credit
        several authors, one by the author with the most works here).
    contains: collection book_id -> work_ids it contains.
    derived_from: derivative book_id -> work_ids it is about or adapted from.
    collections_of / derivatives_of: work_id -> book_ids (the reverse links).
    """

    work_of: dict[int, int]
    series_of: dict[int, str]
    position_of: dict[int, float]
    main_edition: dict[int, int]
    is_collection: frozenset[int]
    contains: dict[int, frozenset[int]]
    derived_from: dict[int, frozenset[int]]
    collections_of: dict[int, frozenset[int]]
    derivatives_of: dict[int, frozenset[int]]
    editions_of: dict[int, frozenset[int]]
    last_position_of: dict[int, float] = field(default_factory=dict)

    def work(self, book_id: int) -> int:
        """The book's work (the book itself when the warehouse does not know it)."""
        return self.work_of.get(book_id, book_id)

    def read_works(self, book_ids) -> set[int]:
        """Works read through these books: their works and, for a collection, its contents."""
        works: set[int] = set()
        for b in book_ids:
            b = int(b)
            works.add(self.work(b))
            works |= self.contains.get(b, frozenset())
        return works

    def earliest_entries(self, book_ids) -> dict[str, float]:
        """Per series these books are in, the earliest position among them."""
        earliest: dict[str, float] = {}
        for b in book_ids:
            series = self.series_of.get(int(b))
            if series is not None:
                position = self.position_of[int(b)]
                earliest[series] = min(position, earliest.get(series, position))
        return earliest

    def comes_before(self, book_id: int, earliest: Mapping[str, float]) -> bool:
        """Whether the book is a main entry of a series (a whole position, no collection)
        before the earliest entry `earliest` (earliest_entries) holds for it."""
        series = self.series_of.get(book_id)
        if series is None or series not in earliest or book_id in self.is_collection:
            return False
        position = self.position_of[book_id]
        return position == int(position) and position < earliest[series]

    def already_read(self, book_ids) -> set[int]:
        """Every book that is an edition, a containing collection or a derivative of a work
        read through these books (the books themselves included)."""
        blocked: set[int] = {int(b) for b in book_ids}
        for w in self.read_works(book_ids):
            blocked |= self.editions_of.get(w, frozenset({w}))
            blocked |= self.collections_of.get(w, frozenset())
            blocked |= self.derivatives_of.get(w, frozenset())
        return blocked

    def why_blocked(self, book_id: int, read_book_ids) -> str | None:
        """Why a book counts as already read for this history ('' reasons in order), or None."""
        works = self.read_works(read_book_ids)
        if self.work(book_id) in works:
            return "another edition of a book you rated"
        if self.contains.get(book_id, frozenset()) & works:
            return "a collection containing a book you rated"
        if self.derived_from.get(book_id, frozenset()) & works:
            return "a derivative (guide, adaptation, companion) of a book you rated"
        return None


def _groups(frame: pd.DataFrame, key: str, value: str) -> dict[int, frozenset[int]]:
    """key -> the frozenset of its values, by one sort (a pandas groupby with a Python
    aggregate took ~2 s of every load on the real data's 50k works)."""
    if frame.empty:
        return {}
    keys = frame[key].to_numpy(np.int64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    values = frame[value].to_numpy(np.int64)[order].tolist()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    firsts = keys[starts].tolist()  # Python ints: indexing the array per group took ~50 ms
    ends = [*starts[1:].tolist(), len(keys)]
    return {
        k: frozenset(values[a:b]) for k, a, b in zip(firsts, starts.tolist(), ends, strict=True)
    }


def _ints(column: pd.Series) -> list[int]:
    return column.to_numpy(np.int64).tolist()


def load_works(con: duckdb.DuckDBPyConnection) -> Works:
    """The works tables as lookups.

    Raises:
        WarehouseError: the tables are missing (run `python -m flows.lists`).
    """
    require_tables(con, WORK_TABLES)
    for table in WORK_TABLES:
        lineage.require_fresh(con, table)
    # series_id: the series a reader goes through (per author where two number one name alike)
    series = "series_id"
    if "series_id" not in con.table("book_works").columns:
        log.warning(
            "book_works predates series_id: series are read by name alone "
            "(run `python -m flows.lists` to rebuild the works tables)"
        )
        series = "series_key"
    books = con.execute(
        f"select book_id, work_id, {series} as series_key, position, is_main_edition "
        "from book_works"
    ).df()
    flags = con.execute("select book_id, position_hi from book_series where is_collection").df()
    ranges = flags[flags["position_hi"].notna()]
    contains = con.execute("select collection_id, work_id from collection_works").df()
    derived = con.execute("select book_id, work_id from derivative_works").df()
    ids = books["book_id"].to_numpy(np.int64)
    works = books["work_id"].to_numpy(np.int64)
    series = books[books["series_key"].notna() & books["position"].notna()]
    main = books[books["is_main_edition"]]
    return Works(
        work_of=dict(zip(ids.tolist(), works.tolist(), strict=True)),
        # (columns as lists first: iterating a pandas 3 column yields ~10x slower)
        series_of=dict(zip(_ints(series["book_id"]), series["series_key"].tolist(), strict=True)),
        position_of=dict(
            zip(_ints(series["book_id"]), series["position"].astype(float).tolist(), strict=True)
        ),
        main_edition=dict(zip(_ints(main["work_id"]), _ints(main["book_id"]), strict=True)),
        is_collection=frozenset(_ints(flags["book_id"])),
        contains=_groups(contains, "collection_id", "work_id"),
        derived_from=_groups(derived, "book_id", "work_id"),
        collections_of=_groups(contains, "work_id", "collection_id"),
        derivatives_of=_groups(derived, "work_id", "book_id"),
        editions_of=_groups(books, "work_id", "book_id"),
        last_position_of=dict(
            zip(_ints(ranges["book_id"]), ranges["position_hi"].astype(float).tolist(), strict=True)
        ),
    )
