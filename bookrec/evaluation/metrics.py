"""Per-user metrics, each written once: correlation, error and ranking quality of predicted vs
true ratings, and the triplet accuracy of an embedding space.

The per-user correlation rule (bookrec's, used by evaluation, the embedding report and
projector training): a user with fewer than MIN_TEST_RATINGS hidden ratings or constant true
ratings gets NaN (counted, not dropped); a constant prediction cannot rank and scores 0.
`spearman` applies it to one user, `grouped_spearman` to many users at once (grouped ranks,
so tuning can afford a whole grid; a test checks the two agree).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

MIN_TEST_RATINGS = 3


def ndcg_at_k(true_ratings: np.ndarray, predictions: np.ndarray, k: int = 10) -> float:
    """NDCG@k of the user's hidden books ranked by prediction, gains = true rating.

    Ties in the prediction are broken by position (stable sort), so a constant predictor
    scores whatever order the books came in, not a perfect ranking.
    """
    true_ratings = np.asarray(true_ratings, dtype=np.float64)
    order = np.argsort(-np.asarray(predictions, dtype=np.float64), kind="stable")[:k]
    ideal = np.sort(true_ratings)[::-1][:k]
    discounts = 1.0 / np.log2(np.arange(2, len(order) + 2))
    dcg = float((true_ratings[order] * discounts).sum())
    idcg = float((ideal * discounts[: len(ideal)]).sum())
    return dcg / idcg if idcg > 0 else float("nan")


def _correlation(method, prediction: np.ndarray, truth: np.ndarray) -> float:
    """method (scipy.stats.pearsonr or spearmanr) under the per-user rule (module docstring)."""
    if len(truth) < MIN_TEST_RATINGS or np.ptp(truth) == 0:
        return float("nan")
    if np.ptp(prediction) == 0:
        # A method that gives every hidden book one score cannot rank them: it counts 0.
        return 0.0
    return float(method(prediction, truth)[0])


def spearman(prediction: np.ndarray, truth: np.ndarray) -> float:
    """One user's Spearman correlation under the per-user rule (module docstring)."""
    return _correlation(stats.spearmanr, prediction, truth)


def pearson(prediction: np.ndarray, truth: np.ndarray) -> float:
    """One user's Pearson correlation under the per-user rule (module docstring)."""
    return _correlation(stats.pearsonr, prediction, truth)


def per_user_metrics(frame: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """One row per user: pearson, spearman, rmse, mae, ndcg, n_test.

    Args:
        frame: DataFrame[user_id, rating, prediction] of hidden ratings.
        k: cut-off of NDCG.

    Returns:
        DataFrame indexed by user_id. Users with fewer than 3 hidden ratings, constant true
        ratings get NaN correlations (counted, not dropped); constant predictions score 0.
    """
    rows = []
    for user_id, group in frame.groupby("user_id", sort=True):
        truth = group["rating"].to_numpy(dtype=np.float64)
        pred = group["prediction"].to_numpy(dtype=np.float64)
        rows.append(
            {
                "user_id": user_id,
                "pearson": pearson(pred, truth),
                "spearman": spearman(pred, truth),
                "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
                "mae": float(np.mean(np.abs(pred - truth))),
                "ndcg": ndcg_at_k(truth, pred, k),
                "n_test": len(truth),
            }
        )
    return pd.DataFrame(rows).set_index("user_id")


def grouped_ranks(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each value's average rank (1-based, ties share their mean rank) within its group.

    codes: sorted-or-not integer group codes; values: finite floats, one per code.
    One sort for every group at once: tuning ranks a whole grid of predictions.
    """
    order = np.lexsort((values, codes))
    code, value = codes[order], values[order]
    n = len(order)
    starts_run = np.ones(n, bool)
    starts_run[1:] = (code[1:] != code[:-1]) | (value[1:] != value[:-1])
    run = np.cumsum(starts_run) - 1
    first_of_group = np.searchsorted(code, code, side="left")
    position = np.arange(n) - first_of_group
    mean_position = np.bincount(run, weights=position) / np.bincount(run)
    ranks = np.empty(n)
    ranks[order] = mean_position[run] + 1.0
    return ranks


def grouped_spearman(users: np.ndarray, truth: np.ndarray, pred: np.ndarray) -> pd.Series:
    """Each user's Spearman under the per-user rule, for many users at once (indexed by user,
    sorted): Pearson of the grouped ranks, summed per user with bincount, so tuning can
    afford a whole grid."""
    keys, codes = np.unique(np.asarray(users), return_inverse=True)
    truth = np.asarray(truth, np.float64)
    pred = np.asarray(pred, np.float64)
    if not (np.isfinite(truth).all() and np.isfinite(pred).all()):
        raise ValueError("grouped_spearman needs finite ratings and predictions")
    groups = len(keys)
    size = np.bincount(codes, minlength=groups)

    def centred_ranks(values: np.ndarray) -> np.ndarray:
        ranks = grouped_ranks(codes, values)
        return ranks - (np.bincount(codes, ranks, groups) / size)[codes]

    ct, cp = centred_ranks(truth), centred_ranks(pred)
    xy = np.bincount(codes, ct * cp, groups)
    xx = np.bincount(codes, ct * ct, groups)
    yy = np.bincount(codes, cp * cp, groups)
    high = np.full(groups, -np.inf)
    np.maximum.at(high, codes, pred)
    low = np.full(groups, np.inf)
    np.minimum.at(low, codes, pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = xy / np.sqrt(xx * yy)
    rho = np.where(high > low, rho, 0.0)
    rho = np.where((size >= MIN_TEST_RATINGS) & (xx > 0), rho, np.nan)
    return pd.Series(rho, index=pd.Index(keys, name="u"))


def mean_defined(values) -> float:
    """Mean of the finite values (per-user figures where NaN marks an undefined user); NaN
    when none is defined."""
    array = np.asarray(values, dtype=np.float64)
    return float(np.nanmean(array)) if np.isfinite(array).any() else float("nan")


def mean_spearman(hidden: pd.DataFrame, prediction: np.ndarray) -> float:
    """Mean per-user Spearman over users with a defined correlation (the selection metric).

    Args:
        hidden: DataFrame[user_id, rating] of hidden ratings.
        prediction: one prediction per row of `hidden`.
    """
    values = grouped_spearman(hidden["user_id"].to_numpy(), hidden["rating"].to_numpy(), prediction)
    values = values.dropna()
    return float(values.mean()) if len(values) else float("nan")


def paired_gain(new: np.ndarray, old: np.ndarray) -> tuple[float, float, float]:
    """(new's mean, old's mean, standard error of the mean paired gain) of two per-user
    figures of the same users in the same order, over the users defined in both (NaN means
    where none is; NaN standard error under two)."""
    new, old = np.asarray(new, np.float64), np.asarray(old, np.float64)
    if new.shape != old.shape:
        raise ValueError(f"paired_gain needs the same users: {new.shape} against {old.shape}")
    both = np.isfinite(new) & np.isfinite(old)
    gains = new[both] - old[both]
    gain_se = float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else float("nan")
    if not both.any():
        return float("nan"), float("nan"), gain_se
    return float(new[both].mean()), float(old[both].mean()), gain_se


def triplet_accuracy(matrix: np.ndarray, triplets: np.ndarray) -> float:
    """Share of (anchor, positive, negative) row triplets of unit vectors whose anchor is more
    similar to the positive than to the negative (NaN without triplets)."""
    if len(triplets) == 0:
        return float("nan")
    a, p, n = (matrix[triplets[:, i]] for i in range(3))
    return float(np.mean((a * p).sum(axis=1) > (a * n).sum(axis=1)))
