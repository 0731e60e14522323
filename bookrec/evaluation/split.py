"""The evaluation split: hide a seeded share of each active user's ratings; tune on some users,
report on the others.

- Users with at least `min_ratings` ratings take part; for each, `round(hidden_share * n)`
  (at least 1) of their ratings, drawn with the seed, are hidden (the test rows).
- Every other rating, including all ratings of users who take no part, is training data.
- The taking-part users are split, with the same seed, into tuning users (alpha and
  temperature are chosen on their hidden ratings) and report users (the numbers quoted).

No (user_id, book_id) pair lies on both sides, and train + test rows are all the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bookrec.errors import DataError


@dataclass(frozen=True)
class Split:
    """train: DataFrame[user_id, book_id, rating]; test: the hidden rows, same columns.

    tune_users / report_users: sorted user ids whose hidden rows tune / report.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    tune_users: np.ndarray
    report_users: np.ndarray

    def test_of(self, users: np.ndarray) -> pd.DataFrame:
        """The hidden rows of the given users."""
        return self.test[self.test["user_id"].isin(users)].reset_index(drop=True)


def split_ratings(
    ratings: pd.DataFrame,
    min_ratings: int = 10,
    hidden_share: float = 0.2,
    tune_share: float = 0.5,
    seed: int = 0,
) -> Split:
    """Hide a seeded share of each active user's ratings and split those users in two.

    Args:
        ratings: DataFrame[user_id, book_id, rating], unique per (user_id, book_id).
        min_ratings: users with fewer ratings take no part (all their rows are training data).
        hidden_share: share of each taking-part user's ratings that is hidden, in (0, 1).
        tune_share: share of taking-part users whose hidden rows tune the settings.
        seed: the same seed on the same ratings gives the same split.

    Raises:
        DataError: fewer than 2 users have min_ratings ratings.
    """
    if not 0.0 < hidden_share < 1.0:
        raise ValueError(f"hidden_share must lie in (0, 1); got {hidden_share!r}")
    if not 0.0 < tune_share < 1.0:
        raise ValueError(f"tune_share must lie in (0, 1); got {tune_share!r}")
    # Sorted first so the draw depends only on the rows, not on the order they came in.
    frame = ratings[["user_id", "book_id", "rating"]].sort_values(["user_id", "book_id"])
    frame = frame.reset_index(drop=True)
    counts = frame.groupby("user_id")["book_id"].transform("size").to_numpy()
    active = counts >= min_ratings
    users = np.unique(frame.loc[active, "user_id"].to_numpy())
    if len(users) < 2:
        raise DataError(
            f"only {len(users)} users have at least {min_ratings} ratings; "
            "lower --min-ratings or load more ratings"
        )
    rng = np.random.default_rng(seed)
    # One random key per row; within each user the rows with the smallest keys are hidden.
    keys = rng.random(len(frame))
    rank = pd.Series(keys).groupby(frame["user_id"].to_numpy()).rank(method="first").to_numpy()
    n_hidden = np.maximum(1, np.round(hidden_share * counts)).astype(int)
    hidden = active & (rank <= n_hidden)
    shuffled = rng.permutation(users)
    n_tune = min(max(1, int(round(tune_share * len(users)))), len(users) - 1)
    return Split(
        train=frame.loc[~hidden].reset_index(drop=True),
        test=frame.loc[hidden].reset_index(drop=True),
        tune_users=np.sort(shuffled[:n_tune]),
        report_users=np.sort(shuffled[n_tune:]),
    )
