"""The held-out readers' blend (training and the embedding report) is the scorer's blend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bookrec.config import ProjectorConfig, ScorerConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.evaluation.heldout_blend import BlendGrid, BlendTask
from bookrec.evaluation.metrics import spearman
from bookrec.scoring.predictors import BookAverage
from bookrec.scoring.scorer import BlendScorer


def _setup():
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    book_ids = np.arange(30, dtype=np.int64) + 100
    # Book 129 has no vector: its prediction stays the book mean.
    space = BookVectors(book_ids[:-1], vectors[:-1], "raw", "test")
    books = pd.DataFrame({"book_id": book_ids, "avg_rating": rng.uniform(2.5, 4.5, 30)})
    history = pd.DataFrame(
        {"user_id": 1, "book_id": book_ids[:10], "rating": rng.integers(1, 6, 10).astype(float)}
    )
    hidden = pd.DataFrame(
        {"user_id": 1, "book_id": book_ids[20:], "rating": rng.integers(1, 6, 10).astype(float)}
    )
    means = BookAverage("goodreads", books).fit(history)
    return space, books, history, hidden, means


@pytest.mark.parametrize("centering", ["plain", "user"])
def test_task_deviation_equals_scorer(centering: str) -> None:
    space, books, history, hidden, means = _setup()
    task = BlendTask.build(history, hidden, means, space)
    (reader,) = task.users
    deviation = reader.deviation(space.vectors, 0.1, 4, centering)
    scorer = BlendScorer(
        space,
        means.means,
        ScorerConfig(alpha=1.0, temperature=0.1, top_k=4),
        centering=centering,
    )
    predicted = scorer.predict(history["book_id"], history["rating"], hidden["book_id"])
    np.testing.assert_allclose(reader.mean + deviation, predicted, atol=1e-5)
    assert deviation[-1] == 0.0  # no vector


def test_task_spearman_per_alpha() -> None:
    space, _, history, hidden, means = _setup()
    task = BlendTask.build(history, hidden, means, space)
    grid = BlendGrid.of(ProjectorConfig())
    by_alpha = task.spearman_by_alpha(space.vectors, grid)
    assert tuple(by_alpha) == grid.alphas
    (reader,) = task.users
    dev = reader.deviation(space.vectors, grid.temperature, grid.top_k, grid.centering)
    for alpha, value in by_alpha.items():
        assert value == spearman(reader.mean + alpha * dev, reader.truth)
    alpha = grid.alphas[-1]
    assert task.per_user_spearman(space.vectors, grid.at(alpha))[alpha][0] == by_alpha[alpha]


def test_a_reader_whose_hidden_ratings_are_all_alike_takes_no_part() -> None:
    """A reader whose hidden books share one rating has no Spearman (NaN): the mean over
    readers leaves them out rather than turning NaN or counting them as 0."""
    space, _, history, hidden, means = _setup()
    history2 = history.assign(user_id=2)
    hidden2 = hidden.assign(user_id=2, rating=4.0)  # all alike: no order to correlate with
    task = BlendTask.build(
        pd.concat([history, history2]), pd.concat([hidden, hidden2]), means, space
    )
    grid = BlendGrid.of(ProjectorConfig())
    per_user = task.per_user_spearman(space.vectors, grid)
    by_alpha = task.spearman_by_alpha(space.vectors, grid)
    for alpha, values in per_user.items():
        defined = [v for v in values if not np.isnan(v)]
        assert len(values) == 2 and len(defined) == 1
        assert by_alpha[alpha] == defined[0]
