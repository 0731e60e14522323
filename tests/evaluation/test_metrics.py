"""The one per-user Spearman (scalar and grouped), the mean of defined figures, triplet
accuracy and the one best-setting rule, against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bookrec.evaluation.grid_choice import best_alpha, best_setting
from bookrec.evaluation.metrics import (
    grouped_spearman,
    mean_defined,
    mean_spearman,
    paired_gain,
    per_user_metrics,
    spearman,
    triplet_accuracy,
)

# (prediction, truth, Spearman by hand)
HAND = [
    ([1, 2, 3, 4], [1, 2, 3, 4], 1.0),
    ([1, 2, 3], [3, 2, 1], -1.0),
    # d = (0, 1, 1, 0): 1 - 6 * 2 / (4 * 15) = 0.8
    ([1, 2, 3, 4], [1, 3, 2, 4], 0.8),
    # tied predictions rank (1.5, 1.5, 3): cov 1.5 / sqrt(1.5 * 2) = sqrt(3) / 2
    ([1, 1, 2], [1, 2, 3], math.sqrt(3) / 2),
    ([3, 3, 3], [1, 2, 5], 0.0),  # a constant prediction cannot rank: 0
]


@pytest.mark.parametrize(("prediction", "truth", "expected"), HAND)
def test_spearman_by_hand(prediction, truth, expected) -> None:
    assert spearman(np.array(prediction, float), np.array(truth, float)) == pytest.approx(expected)


def test_spearman_undefined_users_are_nan() -> None:
    assert math.isnan(spearman(np.array([1.0, 2.0]), np.array([1.0, 2.0])))  # < 3 ratings
    assert math.isnan(spearman(np.array([1.0, 2.0, 3.0]), np.array([4.0, 4.0, 4.0])))


def _frame() -> pd.DataFrame:
    rows = []
    for user, (prediction, truth, _) in enumerate(HAND):
        rows += [(user, p, t) for p, t in zip(prediction, truth, strict=True)]
    rows += [(90, 1.0, 2.0), (90, 2.0, 3.0)]  # two ratings: NaN
    rows += [(91, 1.0, 4.0), (91, 2.0, 4.0), (91, 3.0, 4.0)]  # constant truth: NaN
    return pd.DataFrame(rows, columns=["user_id", "prediction", "rating"])


def test_grouped_and_per_user_metrics_give_the_hand_values() -> None:
    frame = _frame()
    expected = [e for _, _, e in HAND] + [np.nan, np.nan]
    grouped = grouped_spearman(frame["user_id"].to_numpy(), frame["rating"], frame["prediction"])
    np.testing.assert_allclose(grouped.to_numpy(), expected)
    np.testing.assert_allclose(per_user_metrics(frame)["spearman"].to_numpy(), expected)
    assert mean_spearman(frame, frame["prediction"].to_numpy()) == pytest.approx(
        np.mean(expected[:5])
    )


def test_mean_defined() -> None:
    assert mean_defined([np.nan, 1.0, 3.0]) == 2.0
    assert math.isnan(mean_defined([np.nan, np.nan]))
    assert math.isnan(mean_defined([]))


def test_paired_gain_by_hand() -> None:
    # readers 2 and 4 are undefined in one of the two: left out of both means
    new = np.array([0.5, 0.2, np.nan, 0.4, 0.1])
    old = np.array([0.3, 0.2, 0.9, 0.1, np.nan])
    new_mean, old_mean, gain_se = paired_gain(new, old)
    # gains (0.2, 0.0, 0.3): mean 0.1667, sample sd sqrt(0.0233) over sqrt(3)
    assert new_mean == pytest.approx(1.1 / 3)
    assert old_mean == pytest.approx(0.6 / 3)
    assert gain_se == pytest.approx(np.sqrt(0.07 / 3 / 3))
    assert all(map(math.isnan, paired_gain(np.array([np.nan]), np.array([0.2]))))
    assert math.isnan(paired_gain(np.array([0.3]), np.array([0.2]))[2])  # one reader: no se


def test_triplet_accuracy_by_hand() -> None:
    matrix = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    # anchor 0 is closer to 1 than to 2 (right); anchor 2 is closer to 1 than to 0 (wrong).
    assert triplet_accuracy(matrix, np.array([[0, 1, 2], [2, 0, 1]])) == 0.5
    assert math.isnan(triplet_accuracy(matrix, np.zeros((0, 3), int)))


def test_best_setting_rule() -> None:
    assert best_setting([("a", 0.1), ("b", 0.3), ("c", 0.3)]) == ("b", 0.3)  # first of ties
    assert best_setting([("a", 0.3), ("b", 0.3 + 1e-13)], tolerance=1e-12) == ("a", 0.3)
    assert best_setting([("a", np.nan), ("b", -0.5)]) == ("b", -0.5)  # NaN never wins
    first = best_setting([("a", np.nan), ("b", np.nan)])
    assert first[0] == "a" and math.isnan(first[1])
    with pytest.raises(ValueError, match="no setting"):
        best_setting([])


def test_best_alpha_prefers_the_smaller_alpha_whatever_the_order() -> None:
    assert best_alpha({0.9: 0.4, 0.2: 0.4, 0.5: 0.1}) == (0.2, 0.4)
    assert best_alpha({1.0: np.nan, 0.0: 0.1})[0] == 0.0


def test_grouped_spearman_refuses_a_missing_prediction() -> None:
    # a NaN would rank somewhere silently; the callers' predictions are always finite
    with pytest.raises(ValueError, match="finite"):
        grouped_spearman(np.array([1, 1, 1]), np.array([1.0, 2.0, 3.0]), np.array([1, np.nan, 2]))
