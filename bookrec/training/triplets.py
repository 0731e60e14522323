"""Triplets (anchor, positive, negative) of book rows drawn from readers' ratings.

- Per reader: anchor and positive are two books the reader rated above their own mean rating,
  the negative one they rated below it. Readers rate on their own scale, so "liked" is
  relative to each reader.
- Across readers ("liked together"): anchor and positive were both liked by at least
  `min_co_likes` training readers; the negative is a book that a reader who liked the anchor
  disliked. These triplets carry what many readers agree on, not one reader's taste.
- Harder negatives: of several candidate negatives, the one closest to the anchor in the
  current projected space (a disliked book that the space still places near a liked one).

Every draw comes from a numpy Generator the caller seeds, so the same seed gives the same
triplets. Books are row numbers of the vector matrix the projector trains on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from bookrec.errors import DataError


@dataclass(frozen=True)
class Ragged:
    """Variable-length groups in one flat array: group g is values[starts[g]:starts[g]+sizes[g]]."""

    values: np.ndarray
    starts: np.ndarray
    sizes: np.ndarray

    def draw(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly drawn member of each listed group (groups must be non-empty)."""
        offsets = np.floor(rng.random(len(groups)) * self.sizes[groups]).astype(np.int64)
        return self.values[self.starts[groups] + offsets]


def _ragged(groups: np.ndarray, values: np.ndarray, n_groups: int) -> Ragged:
    order = np.argsort(groups, kind="stable")
    sizes = np.bincount(groups, minlength=n_groups).astype(np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    return Ragged(values[order].astype(np.int64), starts, sizes)


@dataclass(frozen=True)
class TripletSource:
    """What triplets are drawn from (built once by `build_source`).

    liked / disliked: per eligible reader, the book rows above / below their mean.
    weights: each eligible reader's share of per-reader triplets (by number of ratings).
    co_pairs: (m, 2) book rows liked together by >= min_co_likes readers, both orientations,
      kept only where the anchor (first column) has a negative to draw.
    anchor_negatives: per book row, books disliked by readers who liked it.
    """

    liked: Ragged
    disliked: Ragged
    weights: np.ndarray
    n_ratings: int
    co_pairs: np.ndarray
    anchor_negatives: Ragged

    @property
    def n_users(self) -> int:
        return len(self.weights)


def liked_disliked(ratings: pd.DataFrame) -> pd.DataFrame:
    """ratings with a `label`: 1 above the reader's mean, -1 below, 0 at it."""
    mean = ratings.groupby("user_id")["rating"].transform("mean")
    label = np.sign(ratings["rating"].to_numpy(np.float64) - mean.to_numpy())
    return ratings.assign(label=label.astype(np.int8))


def build_source(
    ratings: pd.DataFrame, rows: np.ndarray, n_books: int, min_co_likes: int = 2
) -> TripletSource:
    """Index the training readers' likes and dislikes for sampling.

    Args:
        ratings: DataFrame[user_id, book_id, rating] of the training readers.
        rows: the vector-matrix row of each rating's book (-1: no vector; the rating is dropped).
        n_books: rows in the vector matrix.
        min_co_likes: readers needed for a "liked together" pair.

    Raises:
        DataError: no reader has two liked books and one disliked book with vectors.
    """
    frame = liked_disliked(ratings.assign(row=np.asarray(rows, dtype=np.int64)))
    frame = frame[frame["row"] >= 0]
    user_codes, _ = pd.factorize(frame["user_id"], sort=True)
    frame = frame.assign(code=user_codes)
    liked = frame[frame["label"] > 0]
    disliked = frame[frame["label"] < 0]
    n_users = int(user_codes.max()) + 1 if len(frame) else 0
    n_liked = np.bincount(liked["code"], minlength=n_users)
    n_disliked = np.bincount(disliked["code"], minlength=n_users)
    eligible = np.flatnonzero((n_liked >= 2) & (n_disliked >= 1))
    if len(eligible) == 0:
        raise DataError(
            f"too few ratings to form triplets: no reader among {n_users} has two books rated "
            "above their mean and one below; load more ratings (or embed the rated books)"
        )
    remap = np.full(n_users, -1, dtype=np.int64)
    remap[eligible] = np.arange(len(eligible))
    liked = liked[remap[liked["code"]] >= 0]
    disliked = disliked[remap[disliked["code"]] >= 0]
    n_eligible = len(eligible)
    liked_groups = _ragged(remap[liked["code"]], liked["row"].to_numpy(), n_eligible)
    disliked_groups = _ragged(remap[disliked["code"]], disliked["row"].to_numpy(), n_eligible)
    counts = (n_liked + n_disliked)[eligible].astype(np.float64)

    # Co-occurrence over all readers: likes x likes and likes x dislikes, books x books.
    shape = (n_users, n_books)
    like_matrix = sparse.csr_matrix(
        (np.ones(len(liked)), (liked["code"].to_numpy(), liked["row"].to_numpy())), shape=shape
    )
    dislike_matrix = sparse.csr_matrix(
        (np.ones(len(disliked)), (disliked["code"].to_numpy(), disliked["row"].to_numpy())),
        shape=shape,
    )
    together = (like_matrix.T @ like_matrix).tocoo()
    keep = (together.data >= min_co_likes) & (together.row != together.col)
    co_pairs = np.column_stack([together.row[keep], together.col[keep]]).astype(np.int64)
    against = (like_matrix.T @ dislike_matrix).tocsr()
    against.sort_indices()
    anchor_negatives = Ragged(
        against.indices.astype(np.int64),
        against.indptr[:-1].astype(np.int64),
        np.diff(against.indptr).astype(np.int64),
    )
    if len(co_pairs):
        co_pairs = co_pairs[anchor_negatives.sizes[co_pairs[:, 0]] > 0]
        # Sorted so the pairs (and so the draws) do not depend on sparse-matrix internals.
        co_pairs = co_pairs[np.lexsort((co_pairs[:, 1], co_pairs[:, 0]))]
    return TripletSource(
        liked=liked_groups,
        disliked=disliked_groups,
        weights=counts / counts.sum(),
        n_ratings=int(counts.sum()),
        co_pairs=co_pairs,
        anchor_negatives=anchor_negatives,
    )


Similarity = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _hardest(
    anchors: np.ndarray, candidates: np.ndarray, similarity: Similarity | None
) -> np.ndarray:
    """Per row, the candidate most similar to the anchor (candidates: (n, k) book rows)."""
    if similarity is None or candidates.shape[1] == 1:
        return candidates[:, 0]
    return candidates[np.arange(len(anchors)), similarity(anchors, candidates).argmax(axis=1)]


def sample_triplets(
    source: TripletSource,
    n_triplets: int,
    rng: np.random.Generator,
    cross_user_share: float = 0.0,
    negative_candidates: int = 1,
    similarity: Similarity | None = None,
) -> np.ndarray:
    """Draw (n, 3) rows (anchor, positive, negative).

    Args:
        source: from build_source.
        n_triplets: how many to draw.
        rng: the seeded generator.
        cross_user_share: share drawn from "liked together" pairs (none when there are none).
        negative_candidates: negatives drawn per triplet; the hardest one is kept (needs
            `similarity`; 1 = a random negative).
        similarity: f(anchors (n,), candidates (n, k)) -> (n, k) similarities in the current
            projected space, for hard negatives.
    """
    n_cross = int(round(n_triplets * cross_user_share)) if len(source.co_pairs) else 0
    n_user = n_triplets - n_cross
    k = max(1, negative_candidates if similarity is not None else 1)

    users = rng.choice(source.n_users, size=n_user, p=source.weights)
    sizes = source.liked.sizes[users]
    first = np.floor(rng.random(n_user) * sizes).astype(np.int64)
    # The positive is another liked book of the same reader: shift by 1..size-1.
    second = (first + 1 + np.floor(rng.random(n_user) * (sizes - 1)).astype(np.int64)) % sizes
    starts = source.liked.starts[users]
    anchors = source.liked.values[starts + first]
    positives = source.liked.values[starts + second]
    candidates = np.column_stack([source.disliked.draw(users, rng) for _ in range(k)])
    negatives = _hardest(anchors, candidates, similarity)
    per_user = np.column_stack([anchors, positives, negatives])
    if n_cross == 0:
        return per_user

    pairs = source.co_pairs[rng.integers(0, len(source.co_pairs), size=n_cross)]
    candidates = np.column_stack([source.anchor_negatives.draw(pairs[:, 0], rng) for _ in range(k)])
    negatives = _hardest(pairs[:, 0], candidates, similarity)
    cross = np.column_stack([pairs[:, 0], pairs[:, 1], negatives])
    # A negative that is the positive itself (liked by some, disliked by others) teaches nothing.
    cross = cross[cross[:, 2] != cross[:, 1]]
    return np.concatenate([per_user, cross])
