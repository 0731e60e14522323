"""Per-user metrics: correlation, error and ranking quality of predicted vs true ratings."""

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
        pearson = spearman = float("nan")
        if len(truth) >= MIN_TEST_RATINGS and np.ptp(truth) > 0:
            if np.ptp(pred) > 0:
                pearson = float(stats.pearsonr(pred, truth)[0])
                spearman = float(stats.spearmanr(pred, truth)[0])
            else:
                # A method that gives every hidden book one score cannot rank them: it counts 0.
                pearson = spearman = 0.0
        rows.append(
            {
                "user_id": user_id,
                "pearson": pearson,
                "spearman": spearman,
                "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
                "mae": float(np.mean(np.abs(pred - truth))),
                "ndcg": ndcg_at_k(truth, pred, k),
                "n_test": len(truth),
            }
        )
    return pd.DataFrame(rows).set_index("user_id")


def mean_spearman(frame: pd.DataFrame) -> float:
    """Mean per-user Spearman over users with a defined correlation (the selection metric)."""
    values = per_user_metrics(frame)["spearman"].dropna()
    return float(values.mean()) if len(values) else float("nan")
