"""A small demo warehouse for the web tests: generated catalog, real encoder, one hostile title."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookrec.config import DataConfig
from bookrec.warehouse.connection import connect

# A book whose title would run as code if the page ever pasted titles in as HTML.
HOSTILE_ID = 999_000_001
HOSTILE_TITLE = '<script>alert("bookrec")</script> Tales of the <b>Bold</b>'


def build_web_warehouse(folder: Path) -> Path:
    """The demo catalog (120 books, 30 readers) through the real prepare steps, embedded."""
    from bookrec.demo.generator import write_demo_dataset
    from bookrec.embedding.store import embed_books
    from bookrec.warehouse import prepare

    files = write_demo_dataset(folder / "files", n_books=120, n_users=30, seed=5)
    db = folder / "web.duckdb"
    prepare.build_warehouse(DataConfig(data_dir=files.folder, warehouse=db, download=False))
    with connect(db) as con:
        con.execute(
            "insert into books by name select ? as book_id, ? as title, 'Eve Mallory' as author,"
            " 'A daring heroine sails north to fight pirates and a sea witch.' as description,"
            " ['Fantasy'] as genres, 4.05 as avg_rating, 2400 as num_ratings,"
            " true as has_description",
            [HOSTILE_ID, HOSTILE_TITLE],
        )
    embed_books(db, progress=False)
    return db


@pytest.fixture(scope="session")
def web_warehouse(tmp_path_factory) -> Path:
    """The warehouse file (built once per test session; only ever opened read-only after)."""
    return build_web_warehouse(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session")
def popular_books(web_warehouse: Path) -> list[tuple[int, str, str]]:
    """(book_id, title, author) of the most rated demo books, most rated first."""
    with connect(web_warehouse, read_only=True) as con:
        return con.execute(
            "select book_id, title, author from books where num_ratings is not null "
            "and book_id <> ? order by num_ratings desc, book_id limit 20",
            [HOSTILE_ID],
        ).fetchall()
