"""EASE as the list's co-reading feature: the flow's stored weights are the fitted ones, a
reader's feature is EASE's own score of every candidate, and without stored weights the list
falls back to ALS's score."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from bookrec.config import CoratingConfig, ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates
from bookrec.lists.corating import corating_vectors, interaction_matrix
from bookrec.lists.ease import Ease, fit_ease, load_ease, store_ease
from bookrec.lists.features import reader_features
from tests.lists.test_corating import ratings  # noqa: F401 (the shared fixture)


def test_stored_weights_are_the_fitted_ones(ratings, tmp_path):  # noqa: F811
    ease = fit_ease(ratings)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert load_ease(con) is None  # before flow `lists`: the list falls back to ALS
    assert store_ease(con, ease) == len(ease.book_ids) > 100
    loaded = load_ease(con)
    assert np.array_equal(loaded.book_ids, ease.book_ids)
    assert np.array_equal(loaded.weights, ease.weights)
    assert loaded.version == ease.version and loaded.version.startswith("ease-reg50")
    # a re-run replaces the table
    assert store_ease(con, fit_ease(ratings, CoratingConfig(ease_max_books=10))) == 10
    assert load_ease(con).weights.shape == (10, 10)


def test_the_cap_keeps_the_most_read_books(ratings):  # noqa: F811
    matrix, _, books = interaction_matrix(ratings)
    readers = np.asarray((matrix > 0).sum(axis=0)).ravel()
    capped = Ease.fit(matrix, books, reg=50.0, min_readers=1, max_books=15)
    kept = readers[np.searchsorted(books, capped.book_ids)]
    left = np.setdiff1d(books, capped.book_ids)
    assert len(capped.book_ids) == 15 and np.all(np.diff(capped.book_ids) > 0)
    assert kept.min() >= readers[np.searchsorted(books, left)].max()


def _features(cands, text, corating, history: pd.DataFrame, feature: str, few: str = "user"):
    return reader_features(
        cands,
        text,
        corating,
        history["book_id"].to_numpy(np.int64),
        history["rating"].to_numpy(np.float64),
        ListConfig(corating_feature=feature, few_corating_feature=few),
    )


def test_the_reader_feature_is_eases_own_score(ratings):  # noqa: F811
    _, _, books = interaction_matrix(ratings)
    vectors = corating_vectors(ratings)
    text = BookVectors(books, vectors.vectors, "raw", "test")  # any unit vectors will do
    ease = fit_ease(ratings, CoratingConfig(ease_max_books=100))  # 20 books outside EASE
    cands = Candidates.build(
        books, [""] * len(books), np.ones(len(books)), text, vectors, None, ease=ease
    )
    without = Candidates.build(books, [""] * len(books), np.ones(len(books)), text, vectors, None)
    inside = ease.index_of(books) >= 0
    assert inside.sum() == 100
    for user in (0, 1, 57):
        history = ratings[ratings["user_id"] == user].copy()
        history.loc[history.index[0], "rating"] = 1.0  # a dislike: not part of EASE's x
        feats = _features(cands, text, vectors, history, "ease")
        theirs = ease.scores(history["book_id"].to_numpy()[1:], books)
        # EASE's order of every book it knows; the others in the middle (no evidence)
        assert spearmanr(feats.corating[inside], theirs[inside]).statistic > 0.999
        assert np.allclose(feats.corating[~inside], np.median(feats.corating[inside]), atol=1e-5)
        # and before its z-score, EASE's score itself (the re-rankers' co_reading_score), 0
        # where EASE has no evidence
        assert np.allclose(feats.corating_raw[inside], theirs[inside], atol=1e-5)
        assert np.all(feats.corating_raw[~inside] == 0)
        # the two taste groups: EASE ranks the reader's own group's books first
        group = user % 2
        mine = (books >= 1000 + 60 * group) & (books < 1060 + 60 * group)
        assert feats.corating[mine & inside].mean() > feats.corating[~mine & inside].mean()
        # no EASE weights: the "ease" feature is ALS's score
        als = _features(without, text, vectors, history, "user").corating
        assert np.array_equal(_features(without, text, vectors, history, "ease").corating, als)
        assert not np.allclose(feats.corating, als)


def test_a_reader_with_no_book_in_ease_gets_no_co_reading_signal(ratings):  # noqa: F811
    _, _, books = interaction_matrix(ratings)
    vectors = corating_vectors(ratings)
    text = BookVectors(books, vectors.vectors, "raw", "test")
    ease = fit_ease(ratings, CoratingConfig(ease_max_books=100))
    cands = Candidates.build(
        books, [""] * len(books), np.ones(len(books)), text, vectors, None, ease=ease
    )
    outside = books[ease.index_of(books) < 0][:2]
    history = pd.DataFrame({"book_id": outside, "rating": [5.0, 4.0]})
    assert np.all(_features(cands, text, vectors, history, "ease", few="ease").corating == 0)


def test_a_reader_with_few_books_gets_als_score_by_default(ratings):  # noqa: F811
    """Up to few_books books ListConfig.few_corating_feature ("user": ALS) applies."""
    _, _, books = interaction_matrix(ratings)
    vectors = corating_vectors(ratings)
    text = BookVectors(books, vectors.vectors, "raw", "test")
    cands = Candidates.build(
        books, [""] * len(books), np.ones(len(books)), text, vectors, None, ease=fit_ease(ratings)
    )
    history = ratings[ratings["user_id"] == 3]
    few, full = history.iloc[:5], history.iloc[:6]
    assert ListConfig().few_books == 5
    assert np.array_equal(
        _features(cands, text, vectors, few, "ease").corating,
        _features(cands, text, vectors, few, "user").corating,
    )
    assert not np.allclose(
        _features(cands, text, vectors, few, "ease", few="ease").corating,
        _features(cands, text, vectors, few, "user").corating,
    )
    assert not np.allclose(
        _features(cands, text, vectors, full, "ease").corating,
        _features(cands, text, vectors, full, "user").corating,
    )


@pytest.mark.parametrize("reg", [0.0, -1.0])
def test_a_ridge_that_is_not_positive_is_refused(ratings, reg):  # noqa: F811
    with pytest.raises(ValueError, match="positive"):
        Ease.fit(interaction_matrix(ratings)[0], np.arange(120), reg=reg, min_readers=1)
