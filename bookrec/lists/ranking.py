"""Rank candidates for "will read and like", then apply the list's constraints.

Score (bookrec.config.ListConfig) = w_pop z(log popularity) + w_text z(text closeness)
+ w_corating z(co-rating feature) [+ w_rating z(predicted rating)] - w_dislike z(closeness to
disliked books) - dislike_author_penalty [author of a disliked book] [+ w_quality z(average
rating) when the reader likes nothing], z over the candidates; text closeness = mean cosine to
the `closest` nearest liked (or listed, unrated) books; the co-rating feature is ALS's own score
for the reader ("user", the default: solved from every book read and not disliked) or the same
closeness in the co-rating space ("closest").

A reader's books (reader_roles): liked = rated >= liked_rating, or >= their own mean when they
rated at least mean_liked_min_ratings books; a book rated <= disliked_rating is a dislike, never
liked; a listed book without a rating (NaN) counts as liked (the reader named it as a book like
the ones they want). Nothing liked and nothing listed (nothing matched, only dislikes): the
list is well-liked popular books (popularity + average rating), unlike the disliked ones.

Constraints, in order: nothing already read in any form (bookrec.lists.works.Works.already_read:
editions, containing collections, derivatives and companions); one edition per work (the
most-rated candidate); in a series the reader has read, only the next main entry (the first
unread whole-numbered one: never a #1.1 split or a #0.5 novella), and only if they liked the
series and disliked none of it ("next in series"); in another series, only its first main entry
among the candidates; at most max_per_author / max_per_series per list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bookrec.config import CoratingConfig, ListConfig
from bookrec.embedding.store import BookVectors
from bookrec.lists.works import Works

# the ridge of ALS's own user solve, so a reader's user vector is the one ALS would fit
CORATING_REG = CoratingConfig().regularization


@dataclass(frozen=True)
class Candidates:
    """The books a list may hold, in a fixed order, with what ranking needs of each."""

    book_ids: np.ndarray
    authors: list[str]
    popularity: np.ndarray  # log(1 + Goodreads ratings)
    text: np.ndarray  # unit text vectors, one row per candidate
    corating: np.ndarray  # unit co-rating vectors (zeros where a book has none)
    has_corating: np.ndarray
    # ALS's own item factors Y (unit vector x its length) and (Y'Y + reg I)^-1 over every rated
    # book: one solve turns a reader's books into ALS's user vector, as implicit's
    # recalculate_user does with all-ones confidences; a candidate's ALS score is Y_c . user
    corating_factors: np.ndarray | None = None
    corating_solver: np.ndarray | None = None
    avg_rating: np.ndarray | None = None  # Goodreads average (the "well-liked" of a baseline)

    @classmethod
    def build(
        cls,
        book_ids: np.ndarray,
        authors: list[str],
        num_ratings: np.ndarray,
        text: BookVectors,
        corating: BookVectors | None,
        works: Works | None,
        avg_rating: np.ndarray | None = None,
    ) -> Candidates:
        """Candidates restricted to one edition per work and to books with a text vector
        (avg_rating, one per book_id, feeds the "well-liked" term; None: not used)."""
        book_ids = np.asarray(book_ids, np.int64)
        keep = text.index_of(book_ids) >= 0
        if works is not None:
            best: dict[int, int] = {}
            for i in np.argsort(-np.asarray(num_ratings, np.float64), kind="stable"):
                if keep[i]:
                    best.setdefault(works.work(int(book_ids[i])), int(i))
            keep = np.zeros(len(book_ids), bool)
            keep[list(best.values())] = True
        idx = np.flatnonzero(keep)
        ids = book_ids[idx]
        text_rows = text.vectors[text.index_of(ids)]
        co = np.zeros((len(ids), corating.vectors.shape[1] if corating else 1), np.float32)
        factors = solver = None
        has = np.zeros(len(ids), bool)
        if corating is not None:
            rows = corating.index_of(ids)
            has = rows >= 0
            co[has] = corating.vectors[rows[has]]
            every = als_factors(corating)
            gram = every.T.astype(np.float64) @ every
            solver = np.linalg.inv(gram + CORATING_REG * np.eye(every.shape[1]))
            factors = np.zeros_like(co)
            factors[has] = every[rows[has]]
        return cls(
            book_ids=ids,
            authors=[authors[i] or "" for i in idx],
            popularity=np.log1p(np.asarray(num_ratings, np.float64)[idx]),
            text=np.ascontiguousarray(text_rows),
            corating=co,
            has_corating=has,
            corating_factors=factors,
            corating_solver=solver,
            avg_rating=None if avg_rating is None else np.asarray(avg_rating, np.float64)[idx],
        )


def als_factors(corating: BookVectors) -> np.ndarray:
    """ALS's item factors: the stored unit vectors times their stored lengths."""
    if corating.norms is None:
        return corating.vectors
    return corating.vectors * corating.norms[:, None]


def reader_roles(ratings, config: ListConfig) -> tuple[np.ndarray, np.ndarray]:
    """(liked, disliked) masks over a reader's books; ratings NaN = listed without a rating.

    Liked: rated >= liked_rating; with at least mean_liked_min_ratings ratings also >= the
    reader's own mean; a listed book without a rating. Disliked: rated <= disliked_rating,
    never liked. A 3-star book in a short history is neither.
    """
    ratings = np.asarray(ratings, np.float64)
    rated = ~np.isnan(ratings)
    disliked = rated & (ratings <= config.disliked_rating)
    liked = rated & (ratings >= config.liked_rating)
    if rated.sum() >= config.mean_liked_min_ratings:
        liked |= rated & (ratings >= ratings[rated].mean())
    liked = (liked | ~rated) & ~disliked
    return liked, disliked


def closeness(
    candidates: np.ndarray, liked: np.ndarray, closest: int
) -> tuple[np.ndarray, np.ndarray]:
    """(mean cosine to the `closest` nearest liked rows (0: all), the cosine matrix)."""
    if len(liked) == 0:
        return np.zeros(len(candidates)), np.zeros((len(candidates), 0))
    sims = candidates @ liked.T
    k = min(closest, sims.shape[1]) if closest > 0 else sims.shape[1]
    top = -np.partition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else sims
    return top.mean(axis=1), sims


def zscore(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values, dtype=np.float64)


@dataclass(frozen=True)
class Features:
    """One reader's z-scored features over the candidates, and the cosines behind them.

    liked_ids: the books the closeness (and the explanations) rest on: liked or listed unrated.
    dislike: z(closeness to the disliked books), zeros without any; author_penalty: 1 where a
    candidate's author wrote a disliked book; quality: z(average rating) when nothing is liked.
    """

    pop: np.ndarray
    text: np.ndarray
    corating: np.ndarray
    text_sims: np.ndarray  # candidates x liked books
    corating_sims: np.ndarray
    liked_ids: np.ndarray
    dislike: np.ndarray | None = None
    author_penalty: np.ndarray | None = None
    quality: np.ndarray | None = None

    def score(self, config: ListConfig, rating: np.ndarray | None = None) -> np.ndarray:
        score = config.w_pop * self.pop + config.w_text * self.text
        score = score + config.w_corating * self.corating
        if rating is not None and config.w_rating:
            score = score + config.w_rating * zscore(rating)
        if self.dislike is not None:
            score = score - config.w_dislike * self.dislike
        if self.author_penalty is not None:
            score = score - config.dislike_author_penalty * self.author_penalty
        if self.quality is not None:
            score = score + config.w_quality * self.quality
        return score


def reader_features(
    cands: Candidates,
    text: BookVectors,
    corating: BookVectors | None,
    history_ids: np.ndarray,
    ratings: np.ndarray,
    config: ListConfig,
    disliked_authors: set[str] | None = None,
) -> Features:
    """The reader's features: popularity, closeness to their liked books in both spaces, and
    closeness to their disliked ones (ratings NaN: listed without a rating).

    disliked_authors: the authors of the disliked books (None: those among the candidates).
    """
    history_ids = np.asarray(history_ids, np.int64)
    ratings = np.asarray(ratings, np.float64)
    liked, disliked = reader_roles(ratings, config)
    liked_ids = history_ids[liked]
    disliked_ids = history_ids[disliked]
    text_close, text_sims = _space_closeness(cands.text, text, liked_ids, config.closest)
    co_close = np.zeros(len(cands.book_ids))
    co_sims = np.zeros((len(cands.book_ids), len(liked_ids)), np.float32)
    if corating is not None:
        co_close, co_sims = _space_closeness(
            cands.corating, corating, liked_ids, config.closest_corating
        )
        # every book read and not disliked: reading a book is interest, disliking it is not
        read = corating.index_of(history_ids[~disliked])
        if config.corating_feature == "user":
            co_close = np.zeros(len(cands.book_ids))
            if (read >= 0).any():
                read_factors = als_factors(corating)[read[read >= 0]]
                user = cands.corating_solver @ read_factors.sum(axis=0, dtype=np.float64)
                co_close = cands.corating_factors @ user.astype(np.float32)
        # books nobody rated get the median, not the bottom: no evidence either way
        if cands.has_corating.any():
            co_close = np.where(
                cands.has_corating, co_close, np.median(co_close[cands.has_corating])
            )
    dislike = author_penalty = quality = None
    if len(disliked_ids):
        against, _ = _space_closeness(cands.text, text, disliked_ids, config.closest)
        if corating is not None:
            against = (
                against
                + _space_closeness(cands.corating, corating, disliked_ids, config.closest)[0]
            )
        dislike = zscore(against)
        if disliked_authors is None:
            disliked_authors = {
                cands.authors[i] for i in np.flatnonzero(np.isin(cands.book_ids, disliked_ids))
            }
        disliked_authors = {a for a in disliked_authors if a}
        if disliked_authors:
            author_penalty = np.fromiter(
                (a in disliked_authors for a in cands.authors), np.float64, len(cands.authors)
            )
    if not len(liked_ids) and cands.avg_rating is not None:
        quality = zscore(np.nan_to_num(cands.avg_rating, nan=np.nanmean(cands.avg_rating)))
    return Features(
        pop=zscore(cands.popularity),
        text=zscore(text_close),
        corating=zscore(co_close),
        text_sims=text_sims,
        corating_sims=co_sims,
        liked_ids=liked_ids,
        dislike=dislike,
        author_penalty=author_penalty,
        quality=quality,
    )


def _space_closeness(
    cand_vectors: np.ndarray, space: BookVectors, book_ids: np.ndarray, closest: int
) -> tuple[np.ndarray, np.ndarray]:
    """closeness() of the candidates to these books in one space, with one cosine column per
    book (zeros for a book without a vector there)."""
    rows = space.index_of(book_ids)
    close, sims = closeness(cand_vectors, space.vectors[rows[rows >= 0]], closest)
    if sims.shape[1] != len(book_ids):
        full = np.zeros((len(cand_vectors), len(book_ids)), np.float32)
        full[:, rows >= 0] = sims
        sims = full
    return close, sims


@dataclass(frozen=True)
class SeriesLayout:
    """Which candidates belong to a series, computed once per candidate set (not per reader).

    code: series number of each candidate (-1: none); names: series key of each code;
    order: the positions of main series members (whole-numbered positions, no box sets), by
    series, then position in it, then row; minor: members at a fractional position (#0.5
    novellas, #1.1 split parts) and box sets of a series that has main members among the
    candidates: never a series' entry point.
    """

    code: np.ndarray
    names: list[str]
    order: np.ndarray
    minor: np.ndarray

    @classmethod
    def build(cls, cands: Candidates, works: Works) -> SeriesLayout:
        names: dict[str, int] = {}
        code = np.full(len(cands.book_ids), -1, np.int64)
        position = np.zeros(len(cands.book_ids), np.float64)
        for i, b in enumerate(cands.book_ids.tolist()):
            series = works.series_of.get(b)
            if series is not None:
                code[i] = names.setdefault(series, len(names))
                position[i] = works.position_of[b]
        # a box set (#1-7) shares #1's position: it must not stand for the series either
        boxed = np.fromiter(
            (b in works.is_collection for b in cands.book_ids.tolist()), bool, len(cands.book_ids)
        )
        whole = (position == np.floor(position)) & ~boxed
        members = np.flatnonzero(code >= 0)
        with_main = np.unique(code[members[whole[members]]])
        minor = members[~whole[members] & np.isin(code[members], with_main)]
        members = members[~np.isin(members, minor)]
        order = members[np.lexsort((members, position[members], code[members]))]
        return cls(code=code, names=list(names), order=order, minor=minor)


def blocked_mask(
    cands: Candidates,
    works: Works | None,
    history_ids,
    ratings,
    config: ListConfig,
    layout: SeriesLayout | None = None,
) -> tuple[np.ndarray, set[int]]:
    """(candidates that may not appear, the positions labelled "next in series").

    Blocked: every edition, collection, derivative and companion of a work the reader has
    (rated or listed); every fractional series entry (#1.1, #0.5) and box set where the series
    has whole single entries; in every series, all but its first main entry not read yet, and
    that one too unless the reader liked the series and disliked none of it (then it is "next
    in series").
    ratings: NaN for a book listed without a rating (it counts as liked). `layout`
    (SeriesLayout.build) saves its per-call cost when the same candidates serve many readers.
    """
    history_ids = [int(b) for b in history_ids]
    ids = cands.book_ids
    if works is None:
        return np.isin(ids, np.asarray(history_ids, np.int64)), set()
    layout = layout or SeriesLayout.build(cands, works)
    blocked = np.isin(ids, np.fromiter(works.already_read(history_ids), np.int64))
    blocked[layout.minor] = True
    read_series: set[str] = set()
    liked_series: set[str] = set()
    disliked_series: set[str] = set()
    if history_ids:
        liked, disliked = reader_roles(ratings, config)
    else:
        liked = disliked = np.zeros(0, bool)
    for b, ok, bad in zip(history_ids, liked, disliked, strict=True):
        series = works.series_of.get(b)
        if series is not None:
            read_series.add(series)
            if ok:
                liked_series.add(series)
            if bad:
                disliked_series.add(series)
    liked_series -= disliked_series
    open_members = layout.order[~blocked[layout.order]]
    if len(open_members) == 0:
        return blocked, set()
    codes = layout.code[open_members]
    first = np.r_[True, codes[1:] != codes[:-1]]
    blocked[open_members[~first]] = True  # past a series' first open entry
    firsts = open_members[first]
    first_names = [layout.names[c] for c in codes[first].tolist()]
    read = np.fromiter((n in read_series for n in first_names), bool, len(first_names))
    liked_first = np.fromiter((n in liked_series for n in first_names), bool, len(first_names))
    blocked[firsts[read & ~liked_first]] = True  # a series the reader read but did not like
    return blocked, set(firsts[read & liked_first].tolist())


def pick(
    order: np.ndarray,
    cands: Candidates,
    works: Works | None,
    top_n: int,
    config: ListConfig,
) -> list[int]:
    """The first top_n candidate positions of `order` under the per-author / per-series caps,
    and none that is an edition, collection, derivative or companion of a book already picked
    ("The Lord of the Rings" omnibus after The Hobbit, #0 of its series)."""
    authors: dict[str, int] = {}
    series: dict[str, int] = {}
    covered: set[int] = set()
    chosen: list[int] = []
    for i in order.tolist():
        book = int(cands.book_ids[i])
        author = cands.authors[i]
        s = works.series_of.get(book) if works is not None else None
        if author and authors.get(author, 0) >= config.max_per_author:
            continue
        if s is not None and series.get(s, 0) >= config.max_per_series:
            continue
        if book in covered:
            continue
        if works is not None:
            related = works.already_read([book])
            # a collection picked later would cover a book picked earlier: test both ways
            if any(int(cands.book_ids[j]) in related for j in chosen):
                continue
            covered |= related
        chosen.append(i)
        if author:
            authors[author] = authors.get(author, 0) + 1
        if s is not None:
            series[s] = series.get(s, 0) + 1
        if len(chosen) == top_n:
            break
    return chosen


def rank(score: np.ndarray, blocked: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` best unblocked candidates, best first."""
    score = np.where(blocked, -np.inf, score)
    depth = min(depth, int((~blocked).sum()))
    if depth <= 0:
        return np.zeros(0, np.int64)
    top = np.argpartition(-score, depth - 1)[:depth]
    return top[np.argsort(-score[top], kind="stable")]
