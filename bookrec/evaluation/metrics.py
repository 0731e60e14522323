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


def grouped_spearman(users: np.ndarray, truth: np.ndarray, pred: np.ndarray) -> pd.Series:
    """Each user's Spearman under the per-user rule, for many users at once (indexed by user,
    sorted), vectorised with grouped ranks so tuning can afford a whole grid."""
    frame = pd.DataFrame({"u": users, "t": truth, "p": pred})
    grouped = frame.groupby("u", sort=True)
    frame["rt"] = grouped["t"].rank(method="average")
    frame["rp"] = grouped["p"].rank(method="average")
    regroup = frame.groupby("u", sort=True)
    frame["ct"] = frame["rt"] - regroup["rt"].transform("mean")
    frame["cp"] = frame["rp"] - regroup["rp"].transform("mean")
    frame["xy"] = frame["ct"] * frame["cp"]
    frame["xx"] = frame["ct"] ** 2
    frame["yy"] = frame["cp"] ** 2
    sums = frame.groupby("u", sort=True)[["xy", "xx", "yy"]].sum()
    size = regroup.size()
    spread = regroup["p"].max() - regroup["p"].min()
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = sums["xy"] / np.sqrt(sums["xx"] * sums["yy"])
    rho = rho.where(spread > 0, 0.0)
    rho = rho.where((size >= MIN_TEST_RATINGS) & (sums["xx"] > 0), np.nan)
    return rho


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


def triplet_accuracy(matrix: np.ndarray, triplets: np.ndarray) -> float:
    """Share of (anchor, positive, negative) row triplets of unit vectors whose anchor is more
    similar to the positive than to the negative (NaN without triplets)."""
    if len(triplets) == 0:
        return float("nan")
    a, p, n = (matrix[triplets[:, i]] for i in range(3))
    return float(np.mean((a * p).sum(axis=1) > (a * n).sum(axis=1)))
