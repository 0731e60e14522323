"""Ids looked up in a sorted array by binary search (no hash table of the keys, no sort):
the row of a book among the vectors, EASE's books, those with genres or a series, of a work
among the co-readers' columns; the one lookup every such table uses."""

from __future__ import annotations

import numpy as np


def positions(sorted_ids: np.ndarray, ids) -> np.ndarray:
    """Each id's position in sorted_ids (int64, ascending), -1 where it is not there."""
    ids = np.asarray(ids, np.int64)
    if len(sorted_ids) == 0:
        return np.full(len(ids), -1, np.int64)
    at = np.clip(np.searchsorted(sorted_ids, ids), 0, len(sorted_ids) - 1)
    return np.where(sorted_ids[at] == ids, at, -1)


def in_sorted(sorted_ids: np.ndarray, ids) -> np.ndarray:
    """np.isin(ids, sorted_ids) by binary search: no sort or hash of the (large) keys."""
    return positions(sorted_ids, ids) >= 0
