"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): a closed-form item-item peer.

B = argmin ||X - X B||^2 + reg ||B||^2 subject to diag(B) = 0, solved in closed form:
P = (X'X + reg I)^-1, B_ij = -P_ij / P_jj (i != j), B_jj = 0. A reader's scores are x B,
x their row of ones over the items. Fitted on the training ratings of the evaluation only.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)


def ease_weights(matrix: sp.spmatrix, reg: float) -> np.ndarray:
    """EASE's item-item weights B (items x items, float32) of a users x items matrix.

    Raises:
        ValueError: reg is not positive (X'X alone may be singular).
    """
    if reg <= 0:
        raise ValueError(f"EASE's regularization must be positive; got {reg!r}")
    x = sp.csr_matrix(matrix, dtype=np.float64)
    gram = (x.T @ x).toarray()
    gram[np.diag_indices_from(gram)] += reg
    p = np.linalg.inv(gram)
    del gram
    p /= -np.diag(p)[None, :]  # column j divided by -P_jj, in place: one items^2 buffer
    np.fill_diagonal(p, 0.0)
    return p.astype(np.float32)


class Ease:
    """EASE over a fixed set of items (sorted book ids); scores any history of book ids."""

    def __init__(self, book_ids: np.ndarray, weights: np.ndarray) -> None:
        self.book_ids = np.asarray(book_ids, np.int64)
        self.weights = weights

    @classmethod
    def fit(cls, matrix: sp.spmatrix, book_ids: np.ndarray, reg: float, min_readers: int) -> Ease:
        """EASE on the columns (books) read by at least min_readers readers: the closed form
        inverts an items x items matrix, so books nobody else read (no co-reading to learn
        from) are left out of it."""
        counts = np.asarray((sp.csr_matrix(matrix) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(counts >= min_readers)
        log.info(
            "EASE: %d of %d books (>= %d readers), reg %g", len(keep), len(counts), min_readers, reg
        )
        weights = ease_weights(sp.csc_matrix(matrix)[:, keep], reg)
        return cls(np.asarray(book_ids, np.int64)[keep], weights)

    def scores(self, history_ids, book_ids: np.ndarray) -> np.ndarray:
        """x B at book_ids (-inf for a book outside EASE's items), x = the history's ones."""
        history = self._rows(np.asarray(history_ids, np.int64))
        rows = self._rows(np.asarray(book_ids, np.int64))
        out = np.full(len(rows), -np.inf)
        known = rows >= 0
        h = history[history >= 0]
        out[known] = self.weights[np.ix_(h, rows[known])].sum(axis=0) if len(h) else 0.0
        return out

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        if len(self.book_ids) == 0:
            return np.full(len(ids), -1, np.int64)
        pos = np.clip(np.searchsorted(self.book_ids, ids), 0, len(self.book_ids) - 1)
        return np.where(self.book_ids[pos] == ids, pos, -1)
