"""Which data each derived table was built from, so stale tables are refused, not served.

The chain (LINEAGE): books -> feat_book_embeddings -> feat_book_projections:<version>;
books -> the works tables; ratings -> feat_book_corating, feat_book_ease; ratings + feat_book_embeddings ->
scorer_settings; and ratings + vectors + works + co-rating -> list_settings. Each step
records, in table `lineage`, the fingerprints of its inputs ("built_from") and its own
fingerprint. A reader asks `require_fresh`: every link of the chain down to the original books
and ratings must match, else a one-line WarehouseError names every step to re-run, in order.
prepare_data marks books and ratings BUILDING before it rebuilds anything, so a failed or
killed rebuild is never taken for a finished one (neither by readers nor by the next
prepare_data).

A warehouse without a `lineage` table was built before lineage existed (or by hand, in
tests): nothing is checked there. A table with no lineage row was built before lineage
covered it: it is read as before until prepare_data next rebuilds the data, which marks it
stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb

from bookrec.errors import WarehouseError
from bookrec.warehouse.connection import run_sql, table_exists

BUILDING = "building"
UNRECORDED = "unrecorded"  # built before lineage covered it, then the data was rebuilt
INPUTS = ("books", "ratings")
PROJECTIONS = "feat_book_projections"

PREPARE = "python -m flows.prepare_data"
EMBED = "python -m flows.embed"
LISTS = "python -m flows.lists"
ENCODE = "python -m flows.encode_embeddings"
EVALUATE = "python -m flows.evaluate"
# The order `python -m flows.full` runs them in; a hint names its steps in this order.
STEP_ORDER = (PREPARE, EMBED, LISTS, ENCODE, EVALUATE)


@dataclass(frozen=True)
class Entry:
    """What a table is built from, and the step that rebuilds it."""

    parents: tuple[str, ...]
    step: str


# One line per table a later step reads (a new table: one more line, and lineage.record where
# it is written, lineage.require_fresh where it is read). PROJECTIONS stands for every
# "feat_book_projections:<version>".
LINEAGE: dict[str, Entry] = {
    "books": Entry((), PREPARE),
    "ratings": Entry((), PREPARE),
    "feat_book_embeddings": Entry(("books",), EMBED),
    "book_series": Entry(("books",), LISTS),
    "book_works": Entry(("books",), LISTS),
    "collection_works": Entry(("books",), LISTS),
    "derivative_works": Entry(("books",), LISTS),
    "feat_book_corating": Entry(("ratings",), LISTS),
    "feat_book_ease": Entry(("ratings",), LISTS),
    PROJECTIONS: Entry(("feat_book_embeddings",), ENCODE),
    "scorer_settings": Entry(("ratings", "feat_book_embeddings"), EVALUATE),
    "list_settings": Entry(
        ("ratings", "feat_book_embeddings", "book_works", "feat_book_corating"), EVALUATE
    ),
}


@dataclass(frozen=True)
class Link:
    """One lineage row."""

    built_from: str
    fingerprint: str


def _entry(name: str) -> Entry:
    key = PROJECTIONS if name.startswith(PROJECTIONS + ":") or name == PROJECTIONS else name
    if key not in LINEAGE:
        raise ValueError(f"no lineage for {name!r}")
    return LINEAGE[key]


def parents_of(name: str) -> tuple[str, ...]:
    """The names a table is built from."""
    return _entry(name).parents


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
    """After a rebuild has passed its checks: the content fingerprints of books and ratings.

    A derived table that exists with no lineage row (built before lineage covered it) is
    marked UNRECORDED: it was built from the data this rebuild replaced.
    """
    books, ratings = run_sql(con, "lineage/02_input_fingerprints.sql").fetchall()[0]
    links = _links(con)
    for name in LINEAGE:
        # (projections are recorded per version, and were covered from the start)
        if name in (*INPUTS, PROJECTIONS) or name in links or not table_exists(con, name):
            continue
        _write(con, name, UNRECORDED, UNRECORDED)
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


def _stale(links: dict[str, Link]) -> set[str]:
    """Every recorded name built from data the warehouse no longer holds: those whose inputs
    changed, and everything built from them (their own links still match what they read)."""
    derived = [n for n in links if n not in (*INPUTS, PROJECTIONS) and _known(n)]
    stale = {n for n in derived if links[n].built_from != _built_from(n, links)}
    grew = True
    while grew:
        grew = False
        for name in derived:
            if name not in stale and set(parents_of(name)) & stale:
                stale.add(name)
                grew = True
    return stale


def _known(name: str) -> bool:
    try:
        _entry(name)
    except ValueError:
        return False  # a name an older bookrec recorded
    return True


def _rerun_hint(first: str, stale: set[str], links: dict[str, Link]) -> str:
    """Every step that rebuilds a stale table, in order (first is the one refused)."""
    # Projections of older projector versions stay stale for good: only the newest counts.
    projections = [n for n in links if n.startswith(PROJECTIONS + ":")]
    old = set(projections[:-1])
    steps = {_entry(name).step for name in (stale - old) | {first}}
    ordered = [f"`{step}`" for step in STEP_ORDER if step in steps]
    return (
        f"run {', then '.join(ordered)} (`python -m flows.full` runs them all)"
        if len(ordered) > 1
        else f"run {ordered[0]} (`python -m flows.full` runs every step)"
    )


def require_fresh(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Refuse a table built from data the warehouse no longer holds.

    Raises:
        WarehouseError: a rebuild is running or died, or a link of name's chain is stale; the
            message names every step to re-run, in the order to run them.
    """
    links = _links(con)
    if not links:
        return
    if any(links.get(n, Link("", "")).fingerprint == BUILDING for n in INPUTS):
        raise WarehouseError(
            "the warehouse is being rebuilt, or its last rebuild stopped before the end; "
            "wait for it, or run `python -m flows.prepare_data` again (it redoes the rebuild)"
        )
    # Every table name is built from, down to the original data; the earliest stale one is named.
    chain: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in chain:
            chain.insert(0, current)
            todo.extend(parents_of(current))
    stale = _stale(links)
    hits = [c for c in chain if c in stale]
    if hits:
        first = min(hits, key=lambda n: STEP_ORDER.index(_entry(n).step))
        raise WarehouseError(
            f"{first} was built from other data than the warehouse now holds "
            f"(prepare_data or an earlier step ran since); {_rerun_hint(first, stale, links)}"
        )
