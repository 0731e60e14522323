"""Which data each derived table was built from, so stale tables are refused, not served.

The chain: books -> feat_book_embeddings -> feat_book_projections:<version>, and
ratings + feat_book_embeddings -> scorer_settings. Each step records, in table `lineage`, the
fingerprints of its inputs ("built_from") and its own fingerprint. A reader asks
`require_fresh`: every link of the chain down to the original books and ratings must match,
else a one-line WarehouseError names the step to re-run. prepare_data marks books and
ratings BUILDING before it rebuilds anything, so a failed or killed rebuild is never taken
for a finished one (neither by readers nor by the next prepare_data).

A warehouse without a `lineage` table was built before lineage existed (or by hand, in
tests): nothing is checked there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb

from bookrec.errors import WarehouseError
from bookrec.warehouse.connection import run_sql, table_exists

BUILDING = "building"
INPUTS = ("books", "ratings")
PROJECTIONS = "feat_book_projections"

# The step that rebuilds each name (projections: any name starting with PROJECTIONS).
REBUILT_BY = {
    "books": "python -m flows.prepare_data",
    "ratings": "python -m flows.prepare_data",
    "feat_book_embeddings": "python -m flows.embed",
    PROJECTIONS: "python -m flows.encode_embeddings",
    "scorer_settings": "python -m flows.evaluate",
}


@dataclass(frozen=True)
class Link:
    """One lineage row."""

    built_from: str
    fingerprint: str


def parents_of(name: str) -> tuple[str, ...]:
    """The names a table is built from."""
    if name in INPUTS:
        return ()
    if name == "feat_book_embeddings":
        return ("books",)
    if name.startswith(PROJECTIONS):
        return ("feat_book_embeddings",)
    if name == "scorer_settings":
        return ("ratings", "feat_book_embeddings")
    raise ValueError(f"no lineage for {name!r}")


def _links(con: duckdb.DuckDBPyConnection) -> dict[str, Link]:
    if not table_exists(con, "lineage"):
        return {}
    rows = run_sql(con, "lineage/03_read.sql").fetchall()
    return {name: Link(built_from, fingerprint) for name, built_from, fingerprint in rows}


def _built_from(name: str, links: dict[str, Link]) -> str:
    parts = [f"{p}={links[p].fingerprint if p in links else '?'}" for p in parents_of(name)]
    return ";".join(parts)


def _write(con: duckdb.DuckDBPyConnection, name: str, built_from: str, fingerprint: str) -> None:
    run_sql(con, "lineage/00_lineage_table.sql")
    run_sql(
        con,
        "lineage/01_record.sql",
        {"name": name, "built_from": built_from, "fingerprint": fingerprint},
    )


def mark_building(con: duckdb.DuckDBPyConnection) -> None:
    """Before a rebuild touches any table: books and ratings are BUILDING until record_inputs."""
    for name in INPUTS:
        _write(con, name, BUILDING, BUILDING)


def record_inputs(con: duckdb.DuckDBPyConnection, input_fingerprint: str) -> None:
    """After a rebuild has passed its checks: the content fingerprints of books and ratings."""
    books, ratings = run_sql(con, "lineage/02_input_fingerprints.sql").fetchall()[0]
    _write(con, "books", input_fingerprint, books)
    _write(con, "ratings", input_fingerprint, ratings)


def record(con: duckdb.DuckDBPyConnection, name: str, detail: str = "") -> str:
    """A derived table was just built from the current state of its parents.

    Args:
        con: a writable warehouse connection.
        name: the derived table's lineage name (see parents_of).
        detail: what else decides its content (the model, the projector version).

    Returns:
        The fingerprint recorded.
    """
    built_from = _built_from(name, _links(con))
    fingerprint = hashlib.sha256(f"{built_from}|{detail}".encode()).hexdigest()[:16]
    _write(con, name, built_from, fingerprint)
    return fingerprint


def _rerun_hint(name: str) -> str:
    key = PROJECTIONS if name.startswith(PROJECTIONS) else name
    return f"run `{REBUILT_BY[key]}` and the steps after it (`python -m flows.full` runs them all)"


def require_fresh(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Refuse a table built from data the warehouse no longer holds.

    Raises:
        WarehouseError: a rebuild is running or died, or a link of name's chain is stale.
    """
    links = _links(con)
    if not links:
        return
    if any(links.get(n, Link("", "")).fingerprint == BUILDING for n in INPUTS):
        raise WarehouseError(
            "the warehouse is being rebuilt, or its last rebuild stopped before the end; "
            "wait for it, or run `python -m flows.prepare_data` again (it redoes the rebuild)"
        )
    # Walk from the original data down to name, so the first stale step is the one named.
    chain: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in chain:
            chain.insert(0, current)
            todo.extend(parents_of(current))
    for current in chain:
        if current in INPUTS:
            continue
        link = links.get(current)
        if link is None and current != name:
            continue  # never recorded (built by hand): its children recorded it as unknown
        if link is None or link.built_from != _built_from(current, links):
            raise WarehouseError(
                f"{current} was built from other data than the warehouse now holds "
                f"(prepare_data or an earlier step ran since); {_rerun_hint(current)}"
            )
