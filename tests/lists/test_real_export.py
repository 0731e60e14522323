"""The shared Goodreads export's top 20 on a warehouse built from ../shared/data: no edition,
collection or derivative of a rated book.

The warehouse is the session's real_lists_warehouse (tests/conftest.py: prepare_data, then the
works tables and the co-rating vectors of `flows.lists`), with one shortcut: the real encoder
embeds only the books this reader's list can touch, the ~10,700 candidates and the export's
matched books, instead of all 53k (most of the rest are title-only rating-file books that are
never candidates). Books without a vector take no part in a list either way, so the list is the
one the full warehouse gives with the same settings; it costs ~3 minutes of encoding instead
of ~9.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bookrec.config import EncoderConfig, ListConfig, RecommendConfig
from bookrec.embedding.encoder import Encoder, model_id_of
from bookrec.embedding.store import plan_embedding
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.corating import load_corating
from bookrec.lists.works import load_works
from bookrec.serving.matching import CatalogMatcher, load_catalog
from bookrec.serving.reader_input import read_goodreads_export
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def export_books(shared_data: Path):
    return read_goodreads_export(shared_data / "goodreads_exports/goodreads_library_export.csv")


@pytest.fixture(scope="module")
def recommender(real_lists_warehouse: Path, export_books) -> Recommender:
    db = real_lists_warehouse
    encoder_config = EncoderConfig()
    plan_embedding(db, model_id_of(encoder_config), encoder_config.chunk_size)  # feat_book_texts
    with connect(db, read_only=True) as con:
        catalog = load_catalog(con)
        works, corating = load_works(con), load_corating(con)
        texts = con.execute("select book_id, text from feat_book_texts order by book_id").df()
    matcher = CatalogMatcher(catalog)
    matched = {m.book_id for m in matcher.match(export_books) if m.book_id is not None}
    candidates = catalog[
        catalog["avg_rating"].notna()
        & (catalog["num_ratings"].fillna(0) >= RecommendConfig().min_num_ratings)
    ]["book_id"]
    needed = texts[texts["book_id"].isin(set(candidates) | matched)]
    vectors = Encoder.load(encoder_config).encode(needed["text"].tolist())
    space = BookVectors(
        needed["book_id"].to_numpy(np.int64), vectors, "raw", model_id_of(encoder_config)
    )
    return Recommender(
        catalog, space, works=works, corating=corating, list_config=ListConfig(), matcher=matcher
    )


def test_top20_of_the_shared_export_holds_nothing_already_read(recommender, export_books):
    result = recommender.recommend(export_books, top_n=20)
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
