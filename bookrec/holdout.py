"""The splits, each written once: hiding a share of each user's ratings, and splitting users.

`hidden_mask` is the one rule that hides a share of each user's ratings; two splits use it:

`split_ratings`, the evaluation split (bookrec.evaluation.rating_evaluation): hide a seeded share of
each active user's ratings; tune on some users, report on the others.

- Users with at least `min_ratings` ratings take part; for each, `round(hidden_share * n)`
  (at least 1) of their ratings, drawn with the seed, are hidden (the test rows).
- Every other rating, including all ratings of users who take no part, is training data.
- The taking-part users are split, with the same seed, into tuning users (alpha and
  temperature are chosen on their hidden ratings) and report users (the numbers quoted).

No (user_id, book_id) pair lies on both sides, and train + test rows are all the rows.

`split_users`, the projector's reader split (bookrec.training.fit): readers with at least
`min_ratings` ratings can be held out as validation (model selection) or test (the embedding
report) readers; everyone else trains. `hide_ratings` then hides a share of the held-out
readers' ratings for the blend to predict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bookrec.config import ProjectorConfig
from bookrec.errors import DataError


def hidden_mask(user_ids: np.ndarray, keys: np.ndarray, hidden_share: float) -> np.ndarray:
    """Which rows to hide: within each user, the round(hidden_share * n) rows (at least 1) with
    the smallest random keys.

    Args:
        user_ids: one per row (rows sorted by user_id, book_id, so the draw depends only on
            the rows, not on the order they came in).
        keys: one random number per row.
        hidden_share: in (0, 1).
    """
    by_user = pd.Series(keys).groupby(user_ids)
    rank = by_user.rank(method="first").to_numpy()
    counts = by_user.transform("size").to_numpy()
    return rank <= np.maximum(1, np.round(hidden_share * counts)).astype(int)


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
    keys = rng.random(len(frame))
    hidden = active & hidden_mask(frame["user_id"].to_numpy(), keys, hidden_share)
    shuffled = rng.permutation(users)
    n_tune = min(max(1, int(round(tune_share * len(users)))), len(users) - 1)
    return Split(
        train=frame.loc[~hidden].reset_index(drop=True),
        test=frame.loc[hidden].reset_index(drop=True),
        tune_users=np.sort(shuffled[:n_tune]),
        report_users=np.sort(shuffled[n_tune:]),
    )


@dataclass(frozen=True)
class UserSplit:
    """Sorted user ids: train (triplets), validation (model selection), test (reports)."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_users(ratings: pd.DataFrame, config: ProjectorConfig) -> UserSplit:
    """Seeded split of readers; only those with >= min_ratings ratings can be held out.

    Raises:
        DataError: fewer than 3 readers have min_ratings ratings (nothing to validate on).
    """
    counts = ratings.groupby("user_id").size().sort_index()
    active = counts.index[counts >= config.min_ratings].to_numpy(np.int64)
    if len(active) < 3:
        raise DataError(
            f"only {len(active)} readers have at least {config.min_ratings} ratings; "
            "at least 3 are needed to train, validate and test (lower min_ratings)"
        )
    shuffled = np.random.default_rng(config.seed).permutation(active)
    n_val = max(1, int(round(config.validation_share * len(active))))
    n_test = max(1, int(round(config.test_share * len(active))))
    validation = np.sort(shuffled[:n_val])
    test = np.sort(shuffled[n_val : n_val + n_test])
    held = np.r_[validation, test]
    train = np.sort(counts.index.to_numpy(np.int64)[~counts.index.isin(held)])
    return UserSplit(train=train, validation=validation, test=test)


def hide_ratings(
    ratings: pd.DataFrame, users: np.ndarray, hidden_share: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, hidden) of the given users: a seeded share (at least 1) of each one's ratings
    is hidden (hidden_mask); history + hidden = all their ratings."""
    frame = ratings[ratings["user_id"].isin(users)].sort_values(["user_id", "book_id"])
    frame = frame.reset_index(drop=True)
    keys = np.random.default_rng([seed, 1]).random(len(frame))
    hidden = hidden_mask(frame["user_id"].to_numpy(), keys, hidden_share)
    return frame[~hidden].reset_index(drop=True), frame[hidden].reset_index(drop=True)
