"""Scoring one reader against many books at once: the similarity blend as matrix products.

For history H (books j with ratings r_j) and candidates b, with unit vectors v and book
averages m (bookrec.scoring.blend gives the formula and its variants):

    S = V_candidates @ V_H.T                 cosine similarities, one matrix product
    W = softmax(S / temperature) per row     over the top_k most similar history books
    contributions[b, j] = alpha * W[b, j] * (r_j - c_bj)
    prediction[b]       = m_b + sum_j contributions[b, j]

with c_bj = m_b ("plain": the blend of bookrec.scoring.blend without a baseline), c_bj = the user's
mean
rating ("user") or c_bj = m_j ("book"). The contributions say how many stars each history book
moved a prediction, which is what "because you liked ..." quotes. A history book without a
vector takes no part; a candidate without a vector gets its average.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from bookrec.config import ScorerConfig
from bookrec.embedding.store import BookVectors
from bookrec.errors import ConfigError, DataError

Centering = Literal["plain", "user", "book"]
CENTERINGS: tuple[str, ...] = ("plain", "user", "book")
# Chosen on held-out users of the real data (reports/evaluation.md): see
# bookrec.evaluation.protocol.
DEFAULT_CENTERING: Centering = "plain"


def softmax_rows(similarity: np.ndarray, temperature: float, top_k: int | None) -> np.ndarray:
    """Float32 row softmax of similarity / temperature over each row's top_k (None: all).

    The same weights as bookrec.scoring.blend.softmax_weights, in float32 and in place, because the
    catalog matrix is large (books x history).
    """
    logits = np.asarray(similarity, dtype=np.float32) * np.float32(1.0 / temperature)
    n_history = logits.shape[1]
    row_max = logits.max(axis=1, keepdims=True)
    if top_k is not None and top_k < n_history:
        kth = np.partition(logits, n_history - top_k, axis=1)[:, n_history - top_k, None]
        drop = logits < kth
    else:
        drop = None
    logits -= row_max
    np.exp(logits, out=logits)
    if drop is not None:
        logits[drop] = 0.0
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


class BlendScorer:
    """The similarity blend over one embedding space, for one reader at a time.

    Args:
        vectors: the space's unit vectors (bookrec.embedding.store.load_book_vectors).
        book_means: each book's average rating m_b (Mapping or Series book_id -> mean); books
            missing from it get `default_mean`.
        config: space, alpha, temperature, top_k.
        centering: "plain", "user" or "book" (module docstring).
        default_mean: the average of a book with no known mean; None uses the mean of
            book_means.
    """

    def __init__(
        self,
        vectors: BookVectors,
        book_means: Mapping[int, float] | pd.Series,
        config: ScorerConfig | None = None,
        centering: Centering = DEFAULT_CENTERING,
        default_mean: float | None = None,
    ) -> None:
        if centering not in CENTERINGS:
            raise ConfigError(f"centering must be one of {CENTERINGS}; got {centering!r}")
        self.vectors = vectors
        self.config = config or ScorerConfig()
        self.centering = centering
        means = pd.Series(book_means, dtype=np.float64)
        means = means[means.notna()]
        if default_mean is None:
            default_mean = float(means.mean()) if len(means) else 3.5
        self.default_mean = float(default_mean)
        means.index = means.index.astype(np.int64)
        means = means.sort_index()
        self._mean_ids = means.index.to_numpy(np.int64)
        self._mean_values = means.to_numpy(np.float64)
        # Every vector's book mean, aligned with vectors.book_ids, for the catalog path.
        self.catalog_means = self.means_of(vectors.book_ids)

    def means_of(self, book_ids) -> np.ndarray:
        """m_b of each book id (default_mean where unknown)."""
        book_ids = np.asarray(book_ids, dtype=np.int64)
        if len(self._mean_ids) == 0:
            return np.full(len(book_ids), self.default_mean)
        pos = np.clip(np.searchsorted(self._mean_ids, book_ids), 0, len(self._mean_ids) - 1)
        hit = self._mean_ids[pos] == book_ids
        return np.where(hit, self._mean_values[pos], self.default_mean)

    def _history(self, history_book_ids, history_ratings) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(history_book_ids, dtype=np.int64)
        ratings = np.asarray(history_ratings, dtype=np.float64)
        if ids.shape != ratings.shape or ids.ndim != 1:
            raise DataError(f"{ids.size} history books but {ratings.size} ratings")
        if len(ratings) and (np.isnan(ratings).any() or ratings.min() < 1 or ratings.max() > 5):
            raise DataError("history ratings must lie in 1..5")
        return ids, ratings

    def parts(
        self,
        candidate_rows: np.ndarray | None,
        candidate_means: np.ndarray,
        history_ids: np.ndarray,
        ratings: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """What every setting of one reader's scoring shares: (similarity, targets, usable).

        similarity: (n_candidates, n_usable) cosines to the history books that have a vector;
        targets: r_j - c_bj, (n_candidates, n_usable) for "plain" else (n_usable,);
        usable: mask over the history. None when no history book has a vector.
        candidate_rows None means every row of the space (no copy of the whole matrix).
        """
        history_rows = self.vectors.index_of(history_ids)
        usable = history_rows >= 0
        matrix = self.vectors.vectors
        candidates = matrix if candidate_rows is None else matrix[candidate_rows]
        if not usable.any() or len(candidates) == 0:
            return None
        kept_ratings = ratings[usable]
        similarity = candidates @ matrix[history_rows[usable]].T
        if self.centering == "plain":
            targets = (
                kept_ratings.astype(np.float32)[None, :]
                - candidate_means.astype(np.float32)[:, None]
            )
        elif self.centering == "user":
            # The user's habit comes from all their ratings, with a vector or not.
            targets = kept_ratings - ratings.mean()
        else:
            targets = kept_ratings - self.means_of(history_ids[usable])
        return similarity, targets, usable

    @staticmethod
    def combine(
        parts: tuple[np.ndarray, np.ndarray, np.ndarray],
        temperature: float,
        top_k: int | None,
        contributions: bool = False,
    ) -> np.ndarray:
        """Deviation from the book mean at alpha = 1: (n_candidates,) or, with contributions,
        (n_candidates, n_usable) per history book."""
        similarity, targets, _ = parts
        weights = softmax_rows(similarity, temperature, top_k)
        if contributions:
            # In place: the catalog matrix is books x history, worth not copying.
            weights *= targets if targets.ndim == 2 else targets[None, :].astype(np.float32)
            return weights
        if targets.ndim == 2:
            return np.einsum("ij,ij->i", weights, targets)
        return weights @ targets

    def _deviations(
        self,
        candidate_rows: np.ndarray | None,
        candidate_means: np.ndarray,
        history_ids: np.ndarray,
        ratings: np.ndarray,
        contributions: bool,
    ) -> np.ndarray:
        """(n_candidates, n_history) float32 contributions, or (n_candidates,) their row sums."""
        n_cand = len(self.vectors.book_ids) if candidate_rows is None else len(candidate_rows)
        n_hist = len(history_ids)
        alpha = self.config.alpha
        shared = None
        if alpha != 0.0:
            shared = self.parts(candidate_rows, candidate_means, history_ids, ratings)
        if shared is None:
            return np.zeros((n_cand, n_hist), np.float32) if contributions else np.zeros(n_cand)
        part = self.combine(shared, self.config.temperature, self.config.top_k, contributions)
        if not contributions:
            return alpha * np.asarray(part, dtype=np.float64)
        part *= np.float32(alpha)
        if shared[2].all():
            return part
        full = np.zeros((n_cand, n_hist), np.float32)
        full[:, shared[2]] = part
        return full

    def predict(self, history_book_ids, history_ratings, candidate_book_ids) -> np.ndarray:
        """Predicted ratings of the candidate books for a reader with this rated history.

        Args:
            history_book_ids: (h,) books the reader rated.
            history_ratings: (h,) their ratings, 1..5.
            candidate_book_ids: (n,) books to score; those without a vector get their mean.

        Returns:
            (n,) predictions (float64).

        Raises:
            DataError: ratings off 1..5 or of another length than the books.
        """
        ids, ratings = self._history(history_book_ids, history_ratings)
        candidates = np.asarray(candidate_book_ids, dtype=np.int64)
        means = self.means_of(candidates)
        rows = self.vectors.index_of(candidates)
        known = rows >= 0
        predictions = means.copy()
        predictions[known] += self._deviations(
            rows[known], means[known], ids, ratings, contributions=False
        )
        return predictions

    def score_catalog(
        self, history_book_ids, history_ratings
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every book of the space scored for this reader.

        Returns:
            book_ids (n,), predictions (n,), and contributions (n, h) float32: how many stars
            history book j (in the order given) added to book i's prediction; predictions equal
            the book means plus the row sums. History books are scored too: callers drop them.
        """
        ids, ratings = self._history(history_book_ids, history_ratings)
        contributions = self._deviations(None, self.catalog_means, ids, ratings, contributions=True)
        predictions = self.catalog_means + contributions.sum(axis=1, dtype=np.float64)
        return self.vectors.book_ids, predictions, contributions
