"""The vectorised scorer against the plain formula of bookrec.scoring.blend, and its stored
settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookrec.config import ScorerConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.errors import ConfigError, DataError
from bookrec.scoring.blend import CENTERINGS, blend_predict, softmax_weights
from bookrec.scoring.scorer import BlendScorer
from bookrec.scoring.settings import load_scorer_settings, save_scorer_settings
from bookrec.warehouse.connection import connect


def _space(n_books: int = 40, dim: int = 16, seed: int = 3) -> BookVectors:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n_books, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Ids far from row numbers, so a mix-up of the two shows.
    return BookVectors(np.arange(n_books, dtype=np.int64) * 7 + 100, vectors, "raw", "test")


def _means(space: BookVectors, seed: int = 4) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.uniform(2.5, 4.7, len(space.book_ids)), index=space.book_ids)


def _slow_predictions(
    space: BookVectors, means: pd.Series, config: ScorerConfig, centering: str, history, ratings
) -> np.ndarray:
    """The formula of bookrec.scoring.blend written out by hand, one book at a time in float64:
    the reference the vectorised paths must match."""
    index = {int(b): i for i, b in enumerate(space.book_ids)}
    history_vectors = space.vectors[[index[int(b)] for b in history]].astype(np.float64)
    ratings = np.asarray(ratings, dtype=np.float64)
    out = []
    for book in space.book_ids:
        m_b = float(means.loc[book])
        s = space.vectors[index[int(book)]].astype(np.float64) @ history_vectors.T
        kept = np.argsort(-s)[: config.top_k] if config.top_k else np.arange(len(s))
        w = np.exp(s[kept] / config.temperature)
        w /= w.sum()
        if centering == "plain":
            centre = np.full(len(kept), m_b)
        elif centering == "user":
            centre = np.full(len(kept), ratings.mean())
        else:
            centre = means.loc[history].to_numpy()[kept]
        out.append(m_b + config.alpha * float(w @ (ratings[kept] - centre)))
    return np.array(out)


@pytest.mark.parametrize("centering", CENTERINGS)
@pytest.mark.parametrize("top_k", [None, 3])
def test_scorer_catalog_equals_slow_per_book_loop(centering: str, top_k: int | None) -> None:
    space, config = _space(), ScorerConfig(alpha=0.6, temperature=0.1, top_k=top_k)
    means = _means(space)
    scorer = BlendScorer(space, means, config, centering=centering)
    history = space.book_ids[[1, 5, 9, 20, 33]]
    ratings = np.array([5.0, 2.0, 4.0, 1.0, 3.0])
    book_ids, predictions, contributions = scorer.score_catalog(history, ratings)
    expected = _slow_predictions(space, means, config, centering, history, ratings)
    np.testing.assert_array_equal(book_ids, space.book_ids)
    np.testing.assert_allclose(predictions, expected, atol=1e-5)
    # Contributions explain the prediction: book mean + row sum, one column per history book.
    assert contributions.shape == (len(book_ids), len(history))
    np.testing.assert_allclose(
        means.to_numpy() + contributions.sum(axis=1, dtype=np.float64), predictions
    )
    # The candidate path agrees with the catalog path.
    some = space.book_ids[[0, 7, 39]]
    np.testing.assert_allclose(
        scorer.predict(history, ratings, some), predictions[[0, 7, 39]], atol=1e-9
    )


@pytest.mark.parametrize("centering", CENTERINGS)
def test_alpha_zero_gives_book_means_exactly(centering: str) -> None:
    space = _space()
    means = _means(space)
    scorer = BlendScorer(space, means, ScorerConfig(alpha=0.0), centering=centering)
    _, predictions, contributions = scorer.score_catalog(space.book_ids[:4], [5, 1, 2, 4])
    assert np.array_equal(predictions, means.to_numpy())
    assert not contributions.any()
    similarity = np.random.default_rng(0).uniform(-1, 1, (6, 4))
    candidate_means = np.linspace(3.0, 4.5, 6)
    out = blend_predict(similarity, np.array([5, 1, 2, 4]), candidate_means, 0.0, 0.05, 2)
    assert np.array_equal(out, candidate_means)


@settings(max_examples=40, deadline=None)
@given(
    ratings=st.lists(st.integers(1, 5), min_size=1, max_size=8),
    alpha=st.floats(0.0, 1.0),
    temperature=st.floats(0.01, 2.0),
    seed=st.integers(0, 10_000),
)
def test_predictions_stay_on_scale_and_ignore_history_order(
    ratings: list[int], alpha: float, temperature: float, seed: int
) -> None:
    space = _space()
    means = _means(space)
    rng = np.random.default_rng(seed)
    history = rng.choice(space.book_ids, size=len(ratings), replace=False)
    for centering in ("plain", "user"):
        scorer = BlendScorer(
            space, means, ScorerConfig(alpha=alpha, temperature=temperature), centering=centering
        )
        first = scorer.predict(history, ratings, space.book_ids)
        order = rng.permutation(len(ratings))
        second = scorer.predict(history[order], np.array(ratings)[order], space.book_ids)
        np.testing.assert_allclose(first, second, atol=1e-6)
        if centering == "plain":
            # A convex mix of a mean in 1..5 and ratings in 1..5 stays in 1..5, up to float32
            # rounding (the scorer works in float32: ratings=[1], alpha=1 gives 0.99999977).
            assert first.min() >= 1.0 - 1e-5 and first.max() <= 5.0 + 1e-5


def test_softmax_weights_float32_equals_float64() -> None:
    similarity = np.random.default_rng(1).uniform(-1, 1, (30, 9))
    for top_k in (None, 1, 4, 9):
        single = softmax_weights(similarity, 0.07, top_k)
        double = softmax_weights(similarity, 0.07, top_k, np.float64)
        assert single.dtype == np.float32 and double.dtype == np.float64
        np.testing.assert_allclose(single, double, atol=1e-6)
        np.testing.assert_allclose(double.sum(axis=1), 1.0)
        assert ((double > 0).sum(axis=1) == (top_k or 9)).all()


def test_blend_predict_by_hand() -> None:
    """Two history books, one candidate: the plain, user and book centerings by hand."""
    similarity = np.array([[0.2, 0.0]])
    ratings = np.array([5.0, 3.0])
    w = np.exp([0.2 / 0.1, 0.0]) / np.exp([0.2 / 0.1, 0.0]).sum()
    plain = blend_predict(similarity, ratings, [4.0], 0.5, 0.1, dtype=np.float64)
    np.testing.assert_allclose(plain, 0.5 * 4.0 + 0.5 * (w @ ratings))
    user = blend_predict(similarity, ratings, [4.0], 0.5, 0.1, centering="user")
    np.testing.assert_allclose(user, 4.0 + 0.5 * (w @ (ratings - 4.0)), atol=1e-6)
    book = blend_predict(
        similarity, ratings, [4.0], 1.0, 0.1, centering="book", history_means=np.array([4.5, 3.5])
    )
    np.testing.assert_allclose(book, 4.0 + w @ np.array([0.5, -0.5]), atol=1e-6)
    with pytest.raises(ConfigError, match="history books' means"):
        blend_predict(similarity, ratings, [4.0], 1.0, 0.1, centering="book")


def test_books_without_vectors() -> None:
    space = _space()
    means = _means(space)
    scorer = BlendScorer(
        space, means, ScorerConfig(alpha=1.0), centering="plain", default_mean=3.25
    )
    # An unknown history book takes no part (its rating still counts in the user's mean for
    # centering="user"); an unknown candidate gets the default mean.
    with_unknown = scorer.predict([space.book_ids[2], 99_999], [5, 1], [space.book_ids[3], 12])
    alone = scorer.predict([space.book_ids[2]], [5], [space.book_ids[3], 12])
    np.testing.assert_allclose(with_unknown[0], alone[0])
    assert with_unknown[1] == 3.25
    _, _, contributions = scorer.score_catalog([space.book_ids[2], 99_999], [5, 1])
    assert not contributions[:, 1].any()


def test_scorer_rejects_bad_history() -> None:
    space = _space()
    scorer = BlendScorer(space, _means(space))
    with pytest.raises(DataError, match="1..5"):
        scorer.predict(space.book_ids[:2], [5, 9], space.book_ids)
    with pytest.raises(DataError, match="2 history books but 1 ratings"):
        scorer.predict(space.book_ids[:2], [5], space.book_ids)
    with pytest.raises(ConfigError):
        BlendScorer(space, _means(space), centering="median")


def test_scorer_settings_round_trip_and_defaults() -> None:
    with connect(":memory:") as con:
        assert load_scorer_settings(con) == ScorerConfig()
        save_scorer_settings(con, "run-a", ScorerConfig(alpha=0.3, top_k=None))
        save_scorer_settings(con, "run-b", ScorerConfig(alpha=0.7, temperature=0.1, top_k=5))
        assert load_scorer_settings(con) == ScorerConfig(alpha=0.7, temperature=0.1, top_k=5)
        rows = con.execute("select run_id, top_k from scorer_settings order by rowid").fetchall()
    assert rows == [("run-a", None), ("run-b", 5)]
