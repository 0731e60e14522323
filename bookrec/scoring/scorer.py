"""Scoring one reader against many books at once: the blend of bookrec.scoring.blend as matrix
products.

For history H (books j with ratings r_j) and candidates b, with unit vectors v and book
averages m (bookrec.scoring.blend gives the formula and its centerings):

    S = V_candidates @ V_H.T                 cosine similarities, one matrix product
    contributions[b, j] = alpha * w_bj * (r_j - c_bj)      (bookrec.scoring.blend)
    prediction[b]       = m_b + sum_j contributions[b, j]

The contributions say how many stars each history book moved a prediction, which is what
"because you liked ..." quotes. A history book without a vector takes no part (the user's mean
of the "user" centering still counts all their ratings); a candidate without a vector gets its
average. This module gathers the inputs (vectors, book means, histories); the arithmetic is
bookrec.scoring.blend's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bookrec.config import ScorerConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.errors import ConfigError, DataError
from bookrec.scoring.blend import (
    CENTERINGS,
    DEFAULT_CENTERING,
    Centering,
    blend_deviation,
    centred_targets,
    history_deviation,
)
from bookrec.sorted_ids import positions

# What every setting of one reader's scoring shares: (similarity, targets, usable history mask).
BlendParts = tuple[np.ndarray, np.ndarray, np.ndarray]


class BlendScorer:
    """The similarity blend over one embedding space, for one reader at a time.

    Args:
        vectors: the space's unit vectors (bookrec.embedding.vectors.load_book_vectors).
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
        at = positions(self._mean_ids, book_ids)
        if not len(self._mean_ids):
            return np.full(len(at), self.default_mean)
        return np.where(at >= 0, self._mean_values[at], self.default_mean)

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
        candidate_vectors: np.ndarray,
        candidate_means: np.ndarray,
        history_ids: np.ndarray,
        ratings: np.ndarray,
    ) -> BlendParts | None:
        """What every setting of one reader's scoring shares: (similarity, targets, usable).

        similarity: (n_candidates, n_usable) cosines to the history books that have a vector;
        targets: bookrec.scoring.blend.centred_targets of those books;
        usable: mask over the history. None when no history book has a vector.

        Args:
            candidate_vectors: the candidates' rows of the space (the whole matrix for the
                catalog: no copy of it).
        """
        history_rows = self.vectors.index_of(history_ids)
        usable = history_rows >= 0
        if not usable.any() or len(candidate_vectors) == 0:
            return None
        similarity = candidate_vectors @ self.vectors.vectors[history_rows[usable]].T
        return self.parts_of(similarity, candidate_means, history_ids, ratings, usable)

    def parts_of(
        self,
        similarity: np.ndarray,
        candidate_means: np.ndarray,
        history_ids: np.ndarray,
        ratings: np.ndarray,
        usable: np.ndarray,
    ) -> BlendParts:
        """parts() from cosines the caller computed already (a block of readers shares one
        product): similarity (n_candidates, usable.sum()) to the history books `usable` marks."""
        history_means = None
        if self.centering == "book":
            history_means = self.means_of(history_ids[usable])
        targets = centred_targets(
            self.centering,
            ratings[usable],
            candidate_means,
            # The user's habit comes from all their ratings, with a vector or not.
            user_mean=float(ratings.mean()),
            history_means=history_means,
        )
        return similarity, targets, usable

    def deviation_of_rows(
        self,
        similarity_rows: np.ndarray,
        candidate_means: np.ndarray,
        history_ids: np.ndarray,
        ratings: np.ndarray,
        usable: np.ndarray,
    ) -> np.ndarray:
        """combine(parts_of(...)) at alpha = 1 for cosines laid out one row per usable history
        book (history x candidates: the list's block product), without the candidates x
        history targets of the "plain" centering (bookrec.scoring.blend.history_deviation)."""
        config = self.config
        if self.centering == "plain":
            targets = ratings[usable]  # m_b comes off after the sum, one row per candidate
        else:
            # the user's habit comes from all their ratings, with a vector or not
            targets = centred_targets(
                self.centering,
                ratings[usable],
                candidate_means,
                user_mean=float(ratings.mean()),
                history_means=(
                    self.means_of(history_ids[usable]) if self.centering == "book" else None
                ),
            )
        deviation = history_deviation(similarity_rows, targets, config.temperature, config.top_k)
        if self.centering == "plain":
            deviation -= np.asarray(candidate_means, np.float64)
        return deviation

    @staticmethod
    def combine(
        parts: BlendParts,
        temperature: float,
        top_k: int | None,
        contributions: bool = False,
    ) -> np.ndarray:
        """Deviation from the book mean at alpha = 1: (n_candidates,) or, with contributions,
        (n_candidates, n_usable) per history book (bookrec.scoring.blend.blend_deviation)."""
        similarity, targets, _ = parts
        return blend_deviation(similarity, targets, temperature, top_k, contributions=contributions)

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
            matrix = self.vectors.vectors
            candidates = matrix if candidate_rows is None else matrix[candidate_rows]
            shared = self.parts(candidates, candidate_means, history_ids, ratings)
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
