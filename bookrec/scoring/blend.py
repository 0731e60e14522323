"""The similarity blend, written once: a user's rating of a book from their own rated history.

For a user with rated history H (books j, ratings r_j) and a candidate book b with average m_b:

    s_bj  = cos(v_b, v_j)                           similarity in the chosen embedding space
    w_bj  = softmax_j(s_bj / temperature)           over H (or its top_k most similar books)
    d_b   = sum_j w_bj * (r_j - c_bj)               the deviation at alpha = 1
    r̂_b  = m_b + alpha * d_b                       blended with the book's average rating

The centre c_bj is the centering:

- "plain":  c_bj = m_b, so r̂_b = (1 - alpha) * m_b + alpha * sum_j w_bj r_j: the user's
  similarity-weighted history blended with the book's average (alpha = 0 is the book average).
- "user":   c_bj = the user's own mean rating: "this reader rates books like b above their
  own habit" added to b's average.
- "book":   c_bj = m_j, each history book's average: "this reader rated books like b above the
  crowd".

alpha is the one learned scalar. Which centering bookrec uses is chosen on held-out users by
bookrec.evaluation.rating_evaluation (see reports/evaluation.md).

Every caller goes through these functions: the scorer (bookrec.scoring.scorer), the
recommender (bookrec.serving.recommender), evaluation (bookrec.evaluation.rating_evaluation and
bookrec.evaluation.heldout_blend) and projector training. The weights are float32 by default,
because the catalog path scores every book against the history (books x history matrices);
the held-out readers of training and the embedding report pass float64, as they always have.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from bookrec.errors import ConfigError

Centering = Literal["plain", "user", "book"]
CENTERINGS: tuple[Centering, ...] = ("plain", "user", "book")
# Chosen on held-out users of the real data (reports/evaluation.md): see
# bookrec.evaluation.rating_evaluation.
DEFAULT_CENTERING: Centering = "plain"


def softmax_weights(
    similarity: np.ndarray,
    temperature: float,
    top_k: int | None = None,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """Row-wise softmax of similarity / temperature, kept to each row's top_k (None: all).

    Args:
        similarity: (n_candidates, n_history) cosine similarities.
        temperature: > 0; small values concentrate weight on the most similar history books.
        top_k: keep only the k most similar history books per candidate (None keeps all).
        dtype: float32 (catalog-sized matrices, computed in place) or float64.

    Returns:
        (n_candidates, n_history) non-negative weights whose rows sum to 1.
    """
    if temperature <= 0:
        raise ConfigError(f"temperature must be positive; got {temperature!r}")
    logits = np.asarray(similarity, dtype=dtype) * dtype(1.0 / temperature)
    n_history = logits.shape[1]
    row_max = logits.max(axis=1, keepdims=True)
    drop = None
    if top_k is not None and top_k < n_history:
        # Everything below each row's k-th largest similarity drops out of the softmax.
        kth = np.partition(logits, n_history - top_k, axis=1)[:, n_history - top_k, None]
        drop = logits < kth
    logits -= row_max
    np.exp(logits, out=logits)
    if drop is not None:
        logits[drop] = 0.0
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def centred_targets(
    centering: Centering,
    history_ratings: np.ndarray,
    candidate_means: np.ndarray,
    *,
    user_mean: float | None = None,
    history_means: np.ndarray | None = None,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """r_j - c_bj for one user: (n_candidates, n_history) for "plain", else (n_history,).

    Args:
        centering: "plain", "user" or "book" (module docstring).
        history_ratings: (n_history,) the ratings of the history books that have a vector.
        candidate_means: (n_candidates,) m_b ("plain" only).
        user_mean: the user's mean rating ("user"); None takes the mean of history_ratings.
        history_means: (n_history,) m_j of the history books ("book" only).
        dtype: of the "plain" matrix (candidates x history, so float32 for the catalog); the
            one-row targets of "user" and "book" stay float64.
    """
    ratings = np.asarray(history_ratings, dtype=np.float64)
    if centering == "plain":
        means = np.asarray(candidate_means)
        return ratings.astype(dtype)[None, :] - means.astype(dtype)[:, None]
    if centering == "user":
        return ratings - (ratings.mean() if user_mean is None else user_mean)
    if centering == "book":
        if history_means is None:
            raise ConfigError("the book centering needs the history books' means")
        return ratings - np.asarray(history_means, dtype=np.float64)
    raise ConfigError(f"centering must be one of {CENTERINGS}; got {centering!r}")


def blend_deviation(
    similarity: np.ndarray,
    targets: np.ndarray,
    temperature: float,
    top_k: int | None = None,
    *,
    contributions: bool = False,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """d_b at alpha = 1 for each candidate: (n_candidates,); with `contributions`, the
    (n_candidates, n_history) terms w_bj * (r_j - c_bj) whose row sums are d_b (how many stars
    history book j moved the prediction of b, at alpha = 1).

    Args:
        similarity: (n_candidates, n_history) cosines.
        targets: centred_targets' r_j - c_bj.
        temperature, top_k: of softmax_weights.
        dtype: of the weights (softmax_weights).
    """
    weights = softmax_weights(similarity, temperature, top_k, dtype)
    if contributions:
        # In place: the catalog matrix is books x history, worth not copying.
        weights *= targets if targets.ndim == 2 else targets[None, :].astype(dtype)
        return weights
    if targets.ndim == 2:
        return np.einsum("ij,ij->i", weights, targets)
    return weights @ targets


def history_deviation(
    similarity_rows: np.ndarray,
    targets: np.ndarray,
    temperature: float,
    top_k: int | None = None,
) -> np.ndarray:
    """sum_j w_bj t_j for each candidate (float64), w the softmax_weights of each candidate
    over the history, for cosines laid out one row per history book (history x candidates,
    as the list's block product gives them) and one target t_j per history book: "plain"
    centering's deviation is this with t_j = r_j, minus m_b; "user" and "book" are this.

    The same numbers as blend_deviation (float32 weights, up to the order of the sums),
    computed along contiguous rows: every operation runs over all candidates at once, and the
    weighted sum is one matrix-vector product.
    """
    if temperature <= 0:
        raise ConfigError(f"temperature must be positive; got {temperature!r}")
    logits = np.multiply(similarity_rows, np.float32(1.0 / temperature), dtype=np.float32)
    n_history = logits.shape[0]
    keep = None
    if top_k is not None and top_k < n_history:
        # each candidate's k-th largest similarity; what lies below drops out of the softmax
        by_candidate = logits.T.copy()  # our own copy: partitioned in place, not copied again
        by_candidate.partition(n_history - top_k, axis=1)
        kth = by_candidate[:, n_history - top_k]
        keep = logits >= kth
    logits -= logits.max(axis=0)
    np.exp(logits, out=logits)
    if keep is not None:
        logits *= keep
    weighted = np.asarray(targets, np.float32) @ logits
    return weighted.astype(np.float64) / logits.sum(axis=0, dtype=np.float64)


def blend_predict(
    similarity: np.ndarray,
    history_ratings: np.ndarray,
    candidate_means: np.ndarray,
    alpha: float,
    temperature: float,
    top_k: int | None = None,
    *,
    centering: Centering = "plain",
    user_mean: float | None = None,
    history_means: np.ndarray | None = None,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """Predicted ratings m_b + alpha * d_b of candidates for one user (module docstring).

    Args:
        similarity: (n_candidates, n_history) cosine similarities candidate x history.
        history_ratings: (n_history,) the user's ratings, 1..5.
        candidate_means: (n_candidates,) each candidate's average rating.
        alpha: in [0, 1]; weight of the personal part.
        temperature: softmax temperature (> 0).
        top_k: optional number of nearest history books to use.
        centering, user_mean, history_means: of centred_targets.
        dtype: of the weights.

    Returns:
        (n_candidates,) float64 predictions: on the 1..5 scale under "plain" (a mean of
        ratings blended with m_b); "user" and "book" add a deviation to m_b, unclipped, so a
        prediction may leave the scale (ranking and Spearman read only the order).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"alpha must lie in [0, 1]; got {alpha!r}")
    candidate_means = np.asarray(candidate_means, dtype=np.float64)
    if alpha == 0.0 or similarity.shape[1] == 0:
        return candidate_means.copy()
    targets = centred_targets(
        centering,
        history_ratings,
        candidate_means,
        user_mean=user_mean,
        history_means=history_means,
        dtype=dtype,
    )
    deviation = blend_deviation(similarity, targets, temperature, top_k, dtype=dtype)
    return candidate_means + alpha * np.asarray(deviation, dtype=np.float64)
