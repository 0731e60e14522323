"""The co-rating feature is ALS's own score: stored unit vectors and lengths give back implicit's
item factors, and a reader's user vector solved from them ranks books as implicit does."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from bookrec.config import CoratingConfig, ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.errors import WarehouseError
from bookrec.lists.candidates import Candidates, als_factors
from bookrec.lists.corating import (
    corating_vectors,
    fit_als,
    interaction_matrix,
    load_corating,
    store_corating,
)
from bookrec.lists.features import reader_features


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    """200 readers over 120 books, two taste groups, so ALS has structure to find."""
    rng = np.random.default_rng(3)
    rows = []
    for user in range(200):
        group = user % 2
        pool = np.arange(60) + 60 * group
        weights = np.linspace(3, 1, 60)  # some books are read more widely than others
        for book in rng.choice(pool, size=12, replace=False, p=weights / weights.sum()):
            rows.append((user, int(book) + 1000, 4.0))
        rows.append((user, int(rng.integers(1000, 1120)), 3.0))  # one off-taste book
    return pd.DataFrame(rows, columns=["user_id", "book_id", "rating"]).drop_duplicates(
        ["user_id", "book_id"]
    )


def test_stored_vectors_give_back_the_als_factors(ratings, tmp_path):
    vectors = corating_vectors(ratings)
    assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-5)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert store_corating(con, vectors) == len(vectors.book_ids)
    loaded = load_corating(con)
    model = fit_als(interaction_matrix(ratings)[0], CoratingConfig())
    assert np.allclose(als_factors(loaded), np.asarray(model.item_factors), atol=1e-4)


def test_a_table_without_lengths_names_the_step_that_rebuilds_it(ratings, tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(
        "create table feat_book_corating as select 1::bigint as book_id, 'als' as model, "
        "[1.0, 0.0]::float[2] as embedding"
    )
    with pytest.raises(WarehouseError, match="flows.lists"):
        load_corating(con)


def test_the_reader_feature_ranks_books_as_implicit_does(ratings):
    matrix, users, books = interaction_matrix(ratings)
    model = fit_als(matrix, CoratingConfig())
    vectors = corating_vectors(ratings)
    text = BookVectors(books, vectors.vectors, "raw", "test")  # any unit vectors will do
    cands = Candidates.build(books, [""] * len(books), np.ones(len(books)), text, vectors, None)
    for user in (0, 1, 57):
        history = ratings[ratings["user_id"] == user]
        feats = reader_features(
            cands,
            text,
            vectors,
            history["book_id"].to_numpy(np.int64),
            history["rating"].to_numpy(np.float64),
            ListConfig(corating_feature="user"),
        )
        row = int(np.searchsorted(users, user))
        ids, scores = model.recommend(
            row, matrix[row], N=len(books), filter_already_liked_items=False, recalculate_user=True
        )
        theirs = np.empty(len(books))
        theirs[ids] = scores
        # same order of every book (the feature is the score, z-scored)
        assert spearmanr(feats.corating, theirs).statistic > 0.999
