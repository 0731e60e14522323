"""The shared Goodreads export's top 20 on a warehouse built from ../shared/data: no edition,
collection or derivative of a rated book. Needs that warehouse (`python -m flows.full --data-dir
../shared/data`, ~15 minutes): point BOOKREC_REAL_WAREHOUSE at it; skips otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bookrec.config import ListConfig
from bookrec.serving.reader_input import read_goodreads_export
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect, table_exists

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_warehouse() -> Path:
    path = os.environ.get("BOOKREC_REAL_WAREHOUSE")
    if not path or not Path(path).is_file():
        pytest.skip("BOOKREC_REAL_WAREHOUSE does not name a warehouse built from ../shared/data")
    with connect(path, read_only=True) as con:
        if not table_exists(con, "book_works") or not table_exists(con, "feat_book_corating"):
            pytest.skip("the real warehouse has no works tables: run `python -m flows.lists`")
    return Path(path)


def test_top20_of_the_shared_export_holds_nothing_already_read(real_warehouse, shared_data):
    books = read_goodreads_export(shared_data / "goodreads_exports/goodreads_library_export.csv")
    with connect(real_warehouse, read_only=True) as con:
        recommender = Recommender.from_warehouse(con, space="raw")
    result = recommender.recommend(books, top_n=20)
    assert result.mode == "personal" and len(result.items) == 20
    matched = [m.book_id for m in result.matches if m.book_id is not None]
    works = recommender.ranker.works
    offending = [
        (r.title, works.why_blocked(r.book_id, matched))
        for r in result.items
        if works.why_blocked(r.book_id, matched)
    ]
    assert offending == []
    # explanations name a similarity, never bare title words
    assert all(r.because and r.because[0].kind in ("text", "corating") for r in result.items)
    authors = [r.author for r in result.items if r.author]
    assert max(authors.count(a) for a in authors) <= ListConfig().max_per_author
