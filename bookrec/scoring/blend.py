"""The similarity blend: a user's rating of a book from their own rated history, no neural net.

For a user with rated history H (books j, ratings r_j) and a candidate book b with average m_b:

    s_bj  = cos(v_b, v_j)                           similarity in the chosen embedding space
    w_bj  = softmax_j(s_bj / temperature)           over H (or its top_k most similar books)
    p_b   = sum_j w_bj * r_j                        the user's similarity-weighted history
    r̂_b  = (1 - alpha) * m_b + alpha * p_b         blended with the book's average rating

alpha = 0 gives the book-average baseline exactly; alpha is the one learned scalar.

The same prediction reads r̂_b = m_b + alpha * sum_j w_bj * (r_j - m_b): the history says how
far above or below the book's average this user will land. The deviation variant (pass
`history_baseline`, one centre c_j per history book) measures the history against those centres
instead of against m_b:

    r̂_b  = m_b + alpha * sum_j w_bj * (r_j - c_j)

With c_j = the user's own mean rating (user-mean centering) it adds "this reader rates books
like b above their own habit" to b's average; with c_j = m_j (each history book's average) it
adds "this reader rated books like b above the crowd". Which one bookrec uses is chosen on
held-out users by bookrec.evaluation.protocol (see reports/evaluation.md).
"""

from __future__ import annotations

import numpy as np

from bookrec.errors import ConfigError


def softmax_weights(
    similarity: np.ndarray, temperature: float, top_k: int | None = None
) -> np.ndarray:
    """Row-wise softmax of similarity / temperature, optionally kept to each row's top_k.

    Args:
        similarity: (n_candidates, n_history) cosine similarities.
        temperature: > 0; small values concentrate weight on the most similar history books.
        top_k: keep only the k most similar history books per candidate (None keeps all).

    Returns:
        (n_candidates, n_history) non-negative weights whose rows sum to 1.
    """
    if temperature <= 0:
        raise ConfigError(f"temperature must be positive; got {temperature!r}")
    logits = similarity.astype(np.float64) / temperature
    if top_k is not None and top_k < logits.shape[1]:
        # Everything below each row's k-th largest similarity drops out of the softmax.
        kth = np.partition(logits, -top_k, axis=1)[:, -top_k][:, None]
        logits = np.where(logits >= kth, logits, -np.inf)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights


def blend_predict(
    similarity: np.ndarray,
    history_ratings: np.ndarray,
    candidate_means: np.ndarray,
    alpha: float,
    temperature: float,
    top_k: int | None = None,
    *,
    history_baseline: np.ndarray | None = None,
) -> np.ndarray:
    """Predicted ratings of candidates for one user (formula in the module docstring).

    Args:
        similarity: (n_candidates, n_history) cosine similarities candidate x history.
        history_ratings: (n_history,) the user's ratings, 1..5.
        candidate_means: (n_candidates,) each candidate's average rating.
        alpha: in [0, 1]; weight of the personal part.
        temperature: softmax temperature (> 0).
        top_k: optional number of nearest history books to use.
        history_baseline: (n_history,) centres c_j for the deviation variant; None keeps the
            plain blend.

    Returns:
        (n_candidates,) predictions on the 1..5 scale.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"alpha must lie in [0, 1]; got {alpha!r}")
    candidate_means = np.asarray(candidate_means, dtype=np.float64)
    if alpha == 0.0 or similarity.shape[1] == 0:
        return candidate_means.copy()
    weights = softmax_weights(similarity, temperature, top_k)
    history_ratings = np.asarray(history_ratings, dtype=np.float64)
    if history_baseline is None:
        personal = weights @ history_ratings
        return (1.0 - alpha) * candidate_means + alpha * personal
    deviation = weights @ (history_ratings - np.asarray(history_baseline, dtype=np.float64))
    return candidate_means + alpha * deviation
