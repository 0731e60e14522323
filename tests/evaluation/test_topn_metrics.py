"""Top-N metrics against examples worked by hand."""

import math

import numpy as np
import pytest

from bookrec.evaluation.topn import neighbourhood_means
from bookrec.evaluation.topn_metrics import (
    TopNScores,
    hit_at,
    intra_list_diversity,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)


def test_ndcg_by_hand():
    # hits at ranks 1 and 3 of 3 relevant: (1 + 1/log2(4)) / (1 + 1/log2(3) + 1/log2(4))
    hits = np.array([1, 0, 1, 0], bool)
    expected = (1 + 0.5) / (1 + 1 / math.log2(3) + 0.5)
    assert ndcg_at(hits, 3, 10) == pytest.approx(expected)
    # the ideal list scores 1; nothing relevant in the list scores 0
    assert ndcg_at(np.array([1, 1, 0], bool), 2, 10) == pytest.approx(1.0)
    assert ndcg_at(np.zeros(5, bool), 2, 10) == 0.0
    # a hit below the cut-off does not count
    assert ndcg_at(np.array([0, 0, 1], bool), 1, 2) == 0.0
    assert math.isnan(ndcg_at(np.zeros(3, bool), 0, 10))


def test_recall_hit_mrr_by_hand():
    hits = np.array([0, 1, 0, 1, 1], bool)
    assert recall_at(hits, 4, 2) == 0.25
    assert recall_at(hits, 4, 5) == 0.75
    assert hit_at(hits, 1) == 0.0
    assert hit_at(hits, 2) == 1.0
    assert reciprocal_rank(hits) == 0.5
    assert reciprocal_rank(np.zeros(3, bool)) == 0.0


def test_intra_list_diversity_by_hand():
    # two identical and one orthogonal unit vectors: pair cosines 1, 0, 0 -> 1 - 1/3
    v = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert intra_list_diversity(v) == pytest.approx(2 / 3)
    assert math.isnan(intra_list_diversity(v[:1]))


def test_topn_scores_serialise_under_the_report_names_and_keep_nan() -> None:
    row = {
        "ndcg@10": float("nan"),
        "recall@10": 0.25,
        "recall@50": 0.5,
        "hit@10": 1.0,
        "mrr": 0.5,
        "novelty_rank": 12.0,
        "diversity": 0.3,
        "already_read": 0.0,
        "hygiene": 0.1,
        "after_dislike": 0.0,
        "coverage": 0.4,
        "users": 7,
    }
    scores = TopNScores.model_validate(row)
    assert scores.recall_at_10 == 0.25 and scores.hit_at_10 == 1.0 and scores.users == 7
    dumped = scores.model_dump(mode="json")
    assert list(dumped) == list(row)  # the report's column order
    assert math.isnan(dumped["ndcg@10"]) and dumped["coverage"] == 0.4
    with pytest.raises(ValueError):
        scores.mrr = 1.0  # frozen: a measured row is not edited afterwards


def test_the_tuned_weights_are_the_best_neighbourhood_not_a_lone_spike() -> None:
    """tune_weights judges a grid point by its mean with its neighbours: a lone spike a hair
    above a broad plateau (tuning noise) loses to the plateau's middle."""
    values = np.array(
        [
            [0.10, 0.10, 0.10, 0.10],
            [0.10, 0.15, 0.15, 0.15],
            [0.10, 0.15, 0.15, 0.15],
            [0.16, 0.10, 0.15, 0.15],
        ]
    )
    values[0, 0] = np.nan  # every weight 0: no point of the grid
    smoothed = neighbourhood_means(values)
    assert np.isnan(smoothed[0, 0])
    assert np.unravel_index(np.nanargmax(values), values.shape) == (3, 0)
    best = np.unravel_index(np.nanargmax(smoothed), smoothed.shape)
    assert values[best] == 0.15 and smoothed[best] == pytest.approx(0.15)
    assert smoothed[3, 0] < smoothed[best]
    # a neighbourhood's mean, NaN left out: five points beside the missing corner
    assert smoothed[0, 1] == pytest.approx((0.10 + 0.10 + 0.10 + 0.15 + 0.15) / 5)
