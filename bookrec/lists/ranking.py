"""Rank candidates for "will read and like", then apply the list's constraints.

Score (bookrec.config.ListConfig) = w_pop popularity + w_text z(text closeness)
+ w_corating z(co-rating feature) [+ w_rating z(predicted rating)] - w_dislike z(closeness to
disliked books) - dislike_author_penalty [author of a disliked book] [+ w_quality z(average
rating) when the reader likes nothing], z over the candidates, the four tuned weights those of
ListConfig.weights_for the number of books the reader gave (few-book ones up to few_books);
popularity = z(z(log Goodreads ratings) + z(log readers here who liked it)) (Candidates.
popularity_z, bookrec.lists.popularity);
text closeness = mean cosine to the `closest` nearest liked (or listed, unrated) books, counting
only texts that say more than title and author (BookVectors.described: a vector of a title alone
is near titles that share its words, not near the story): a candidate known by its title alone
has none (the median of the others), and a candidate by the author of a liked book is
measured against every liked book (a series' title-only entries stay near it); the co-rating
feature is EASE's score for the reader ("ease", the default for full histories: the sum of
EASE's item-item weights from every book read and not disliked, bookrec.lists.ease), ALS's own
score for them ("user", the default up to few_books books: their user vector solved from the
same books) or the same closeness as the text's in the co-rating space ("closest").

A reader's books (reader_roles): liked = rated >= liked_rating, or >= their own mean when they
rated at least mean_liked_min_ratings books; a book rated <= disliked_rating is a dislike, never
liked; a listed book without a rating (NaN) counts as liked (the reader named it as a book like
the ones they want). Nothing liked and nothing listed (nothing matched, only dislikes): the
list is well-liked popular books (popularity + average rating), unlike the disliked ones.

Constraints, in order: nothing already read in any form (bookrec.lists.works.Works.already_read:
editions, containing collections, derivatives and companions); one edition per work (the
most-rated candidate); in a series the reader has read, only the next main entry (the first
whole-numbered one not read after the earliest they have: #4 after #3, #2 after #1 and #3,
never #1 after #3, a #1.1 split or a #0.5 novella; and one that follows a book they have
directly: #4 after a #1-3 box set, never #3 after #1 where no #2 is a candidate), and only if
they liked the series and disliked none of it ("next in series"); in another series, only its
first main entry among the candidates, and only if that is where the series starts (#1, or its
earliest entry the works know: never #2 of a series whose #1 is no candidate); at most
max_per_author / max_per_series per list; a book the blend predicts the reader would rate
below min_predicted only after every other (bookrec.lists.reader_list).

Shortlist (ListConfig.shortlist, catalogs larger than it and its sample): what costs a product
of every history book with every candidate (text closeness, closeness to disliked books, the
blend's predicted rating) is computed for the reader's shortlist only: their best unblocked
candidates by the rest of the score, the text closeness stood in for by the cosine to their
liked books' mean vector, and a fixed uniform sample of candidates that stands for the others
in those features' z-scores (block_features, _shortlist).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from bookrec.config import CoratingConfig, ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.ease import Ease
from bookrec.lists.popularity import LIKED_MIN_STD
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
    # ALS's factors of every rated book (als_factors of the co-rating vectors), kept from
    # build so a reader's user solve does not redo the product over the whole space
    corating_every: np.ndarray | None = None
    # EASE's item-item weights (the "ease" co-rating feature) and each candidate's column
    # among EASE's books (-1: not one of them)
    ease: Ease | None = None
    ease_cols: np.ndarray | None = None
    # how many of the warehouse's readers liked each candidate's work (None: not known): the
    # other half of the popularity feature (bookrec.lists.popularity.counts_for)
    liked_by: np.ndarray | None = None
    # per candidate: its text says more than title and author (None: not known, every text
    # counts), BookVectors.described
    described: np.ndarray | None = None

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
        ease: Ease | None = None,
        liked_by: np.ndarray | None = None,
    ) -> Candidates:
        """Candidates restricted to one edition per work and to books with a text vector
        (avg_rating, one per book_id, feeds the "well-liked" term; None: not used; ease: the
        "ease" co-rating feature's weights, None: that feature falls back to ALS's; liked_by,
        one per book_id: how many of the warehouse's readers liked its work, in any edition
        (bookrec.lists.popularity.counts_for), None: popularity is Goodreads' alone)."""
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
            corating_every=None if corating is None else every,
            ease=ease,
            ease_cols=None if ease is None else ease.index_of(ids),
            liked_by=None if liked_by is None else np.asarray(liked_by, np.float64)[idx],
            described=None if text.described is None else text.described_of(ids),
        )

    # What every reader of these candidates shares, computed on first use.

    @cached_property
    def popularity_z(self) -> np.ndarray:
        """The popularity feature: z(log Goodreads ratings) + z(log readers here who liked
        it), z-scored again (bookrec.lists.popularity); Goodreads' alone without liked_by."""
        if self.liked_by is None:
            return zscore(self.popularity)
        liked = zscore(np.log1p(self.liked_by), min_std=LIKED_MIN_STD)
        return zscore(zscore(self.popularity) + liked)

    @cached_property
    def quality_z(self) -> np.ndarray:
        """z(average rating), a missing average taken as the mean (the "well-liked" term)."""
        return zscore(np.nan_to_num(self.avg_rating, nan=np.nanmean(self.avg_rating)))

    @cached_property
    def _author_codes(self) -> tuple[dict[str, int], np.ndarray]:
        codes: dict[str, int] = {}
        per_row = [codes.setdefault(a, len(codes)) for a in self.authors]
        return codes, np.asarray(per_row, np.int64)

    def author_mask(self, authors: set[str]) -> np.ndarray:
        """1.0 where a candidate's author is one of `authors`, else 0.0."""
        codes, per_row = self._author_codes
        wanted = [codes[a] for a in authors if a in codes]
        return np.isin(per_row, np.asarray(wanted, np.int64)).astype(np.float64)

    def als_factors_of(self, corating: BookVectors) -> np.ndarray:
        """ALS's factors of every book of `corating` (kept from build when it made them)."""
        if self.corating_every is not None and len(self.corating_every) == len(corating.vectors):
            return self.corating_every
        return als_factors(corating)


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


def zscore(
    values: np.ndarray, min_std: float = 0.0, weights: np.ndarray | None = None
) -> np.ndarray:
    """(values - mean) / std over the candidates, the std taken as at least min_std; zeros when
    the values do not vary. weights: how many candidates each value stands for (a shortlist's,
    Features.weights; None: one each)."""
    if weights is None:
        mean, std = values.mean(), float(values.std())
    else:
        mean = np.average(values, weights=weights)
        std = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
    std = max(std, min_std)
    return (values - mean) / std if std > 0 else np.zeros_like(values, dtype=np.float64)


# Up to this many nearest books, top_mean keeps a running top-k with elementwise max/min over
# the rows (2k - 1 vector operations a book, over every candidate at once); beyond it a
# partition along the books is cheaper.
LADDER_K = 8


def top_mean(rows: np.ndarray, k: int) -> np.ndarray:
    """Per candidate (column), the mean of its k largest cosines over the books (rows): the
    closeness to the k nearest books (k <= 0: all of them); zeros without any book. float64.

    rows: books x candidates, each book's cosines contiguous, as the block product lays them.
    """
    m, n = rows.shape
    if m == 0:
        return np.zeros(n)
    k = m if k <= 0 else min(k, m)
    if k == m:
        return rows.sum(axis=0, dtype=np.float64) / m
    if k > LADDER_K:
        return np.partition(rows, m - k, axis=0)[m - k :].sum(axis=0, dtype=np.float64) / k
    best = [np.full(n, -np.inf, rows.dtype) for _ in range(k)]  # best[0] >= best[1] >= ...
    spare = (np.empty(n, rows.dtype), np.empty(n, rows.dtype))
    for row in rows:
        carry = row
        for level, kept in enumerate(best):
            if level < k - 1:  # what this level gives up moves down a level
                passed = spare[level % 2]
                np.minimum(kept, carry, out=passed)
            np.maximum(kept, carry, out=kept)
            if level < k - 1:
                carry = passed
    total = best[0].astype(np.float64)
    for kept in best[1:]:
        total += kept
    return total / k


@dataclass(frozen=True)
class Features:
    """One reader's z-scored features over the candidates, and the cosines behind them.

    liked_ids: the books the closeness (and the explanations) rest on: liked or listed unrated.
    dislike: z(closeness to the disliked books), zeros without any; author_penalty: 1 where a
    candidate's author wrote a disliked book; quality: z(average rating) when nothing is liked.
    text_rows: the text cosines of every history book with a text vector (marked by
    history_usable, in history order) to the candidates, one row per book, for the blend's
    predicted rating (bookrec.lists.reader_list.ListRanker); corating_rows: the co-rating
    cosines of the liked and disliked books with a co-rating vector. text_liked /
    corating_liked: per liked book, its row there (-1: no vector), for the explanations.
    """

    pop: np.ndarray
    text: np.ndarray
    corating: np.ndarray
    liked_ids: np.ndarray
    text_rows: np.ndarray
    text_liked: np.ndarray
    corating_rows: np.ndarray
    corating_liked: np.ndarray
    history_usable: np.ndarray
    dislike: np.ndarray | None = None
    author_penalty: np.ndarray | None = None
    quality: np.ndarray | None = None
    # a shortlisted reader (ListConfig.shortlist): the sorted candidate positions every
    # per-candidate array above covers (the columns of text_rows and corating_rows too), and
    # how many candidates each
    # stands for in the z-scores (_shortlist); None: every candidate
    positions: np.ndarray | None = None
    weights: np.ndarray | None = None

    def columns_of(self, positions: Sequence[int]) -> np.ndarray:
        """The columns of these candidate positions in the per-candidate arrays."""
        positions = np.asarray(positions, np.int64)
        return positions if self.positions is None else np.searchsorted(self.positions, positions)

    def liked_cosines(self, kind: str, positions: Sequence[int]) -> np.ndarray:
        """(len(positions), liked books): the cosines of those candidates to each liked book in
        one space ("text" or "corating"), 0 where a liked book has no vector there."""
        rows, at = (
            (self.text_rows, self.text_liked)
            if kind == "text"
            else (self.corating_rows, self.corating_liked)
        )
        out = np.zeros((len(positions), len(at)), np.float32)
        has = at >= 0
        if has.any() and len(positions):
            columns = self.columns_of(positions)
            out[:, has] = rows[np.ix_(at[has], columns)].T
        return out

    def score(
        self, config: ListConfig, rating: np.ndarray | None = None, n_books: int | None = None
    ) -> np.ndarray:
        """The list's score of every candidate; n_books: how many books the reader gave, which
        picks the weights (ListConfig.weights_for; None: the full-history ones)."""
        n_books = n_books if n_books is not None else config.few_books + 1
        rating_z = None
        if rating is not None and config.weights_for(n_books).rating:
            rating_z = zscore(rating, weights=self.weights)
        return weighted_score(
            config,
            n_books,
            self.pop,
            self.text,
            self.corating,
            rating_z,
            self.dislike,
            self.author_penalty,
            self.quality,
        )


def weighted_score(
    config: ListConfig,
    n_books: int,
    pop: np.ndarray,
    text: np.ndarray | float,
    corating: np.ndarray,
    rating: np.ndarray | None = None,
    dislike: np.ndarray | None = None,
    author_penalty: np.ndarray | None = None,
    quality: np.ndarray | None = None,
) -> np.ndarray:
    """The list's score from its z-scored terms (None: a term the reader has not), weighted as
    ListConfig says for a reader who gave n_books books: the one formula of the full score
    (Features.score) and of a shortlist's cheap one (block_features)."""
    w = config.weights_for(n_books)
    score = w.pop * pop + w.text * text
    score = score + w.corating * corating
    if rating is not None and w.rating:
        score = score + w.rating * rating
    if dislike is not None:
        score = score - config.w_dislike * dislike
    if author_penalty is not None:
        score = score - config.dislike_author_penalty * author_penalty
    if quality is not None:
        score = score + config.w_quality * quality
    return score


def reader_features(
    cands: Candidates,
    text: BookVectors,
    corating: BookVectors | None,
    history_ids: np.ndarray,
    ratings: np.ndarray,
    config: ListConfig,
    authors: Mapping[int, str] | None = None,
) -> Features:
    """The reader's features: popularity, closeness to their liked books in both spaces, and
    closeness to their disliked ones (ratings NaN: listed without a rating); block_features
    for a block of one reader.

    authors: every book's author by book_id (None: the candidates' authors alone).
    """
    readers = [(history_ids, ratings)]
    return next(block_features(cands, text, corating, readers, config, authors))


# Cosines held at once by a block's products (history books x candidates, float32): 64 MiB.
BLOCK_CELLS = 1 << 24


@dataclass(frozen=True)
class Shortlisting:
    """What ranks a block's readers on shortlists (ListConfig.shortlist): how many candidates
    each reader's shortlist holds, the fixed uniform sample of candidate positions (sorted)
    that stands for the rest in their costly features' z-scores, and per reader the
    candidates their list may not hold (blocked_mask: never shortlisted)."""

    size: int
    sample: np.ndarray
    blocked: Sequence[np.ndarray]

    @staticmethod
    def sample_of(n_candidates: int, size: int) -> np.ndarray:
        """The same `size` candidate positions for every reader of these candidates (seeded)."""
        rng = np.random.default_rng(0)
        return np.sort(rng.choice(n_candidates, size=min(size, n_candidates), replace=False))


def block_features(
    cands: Candidates,
    text: BookVectors,
    corating: BookVectors | None,
    readers: Sequence[tuple[np.ndarray, np.ndarray]],
    config: ListConfig,
    authors: Mapping[int, str] | None = None,
    shortlisting: Shortlisting | None = None,
) -> Iterator[Features]:
    """Each reader's Features, in order, from one matrix product per space for the block.

    Every history book of every reader meets the candidates' text vectors in one product
    (float32; a reader's rows are their books with a vector, in history order; each row holds
    one book's cosines to every candidate, so the per-reader work below runs along contiguous
    rows), their liked and disliked books the co-rating vectors in another, and ALS's factors
    every reader's user vector in a third; the rest is per-reader selection of those rows. The
    caller sizes the block (BLOCK_CELLS cosines per product keeps it in memory).

    With `shortlisting`, each reader's text product, text closeness, closeness to disliked
    books (and the ranker's predicted rating) cover only their shortlist (_shortlist): their
    history books meet those candidates' text vectors, and those features are z-scored over
    the shortlist and the sample standing for the rest; popularity and the co-rating feature
    are computed over every candidate.

    readers: (book ids, ratings) each, ratings NaN where listed without a rating.
    authors: every book's author by book_id, for the authors of a reader's liked and disliked
    books (None: known for the candidates among them only).
    """
    readers = [(np.asarray(i, np.int64), np.asarray(r, np.float64)) for i, r in readers]
    n = len(cands.book_ids)
    roles = [reader_roles(r, config) for _, r in readers]
    text_rows = [text.index_of(ids) for ids, _ in readers]
    history_rows = [rows[rows >= 0] for rows in text_rows]
    co_rows = co_needed = co_sims = users = None
    if corating is not None:
        co_rows = [corating.index_of(ids) for ids, _ in readers]
        # the liked books (closeness, explanations) and disliked ones (the dislike term)
        co_needed = [
            (liked | disliked) & (rows >= 0)
            for (liked, disliked), rows in zip(roles, co_rows, strict=True)
        ]
        if shortlisting is None:
            co_sims = _block_product(
                cands.corating,
                corating.vectors,
                [rows[need] for rows, need in zip(co_rows, co_needed, strict=True)],
            )
        kinds = [_corating_kind(cands, config, len(ids)) for ids, _ in readers]
        users = [None] * len(readers)
        for kind, score in (("ease", _ease_users), ("user", _als_users)):
            at = [r for r, k in enumerate(kinds) if k == kind]
            if at:
                got = score(cands, corating, [readers[r] for r in at], [roles[r] for r in at])
                for r, user in zip(at, got, strict=True):
                    users[r] = user
    text_sims = None
    if shortlisting is None:
        text_sims = _block_product(cands.text, text.vectors, history_rows)
    else:
        centroid_cosines = _centroid_cosines(cands, text, text_rows, roles)
    text_at = co_at = 0
    no_rows = np.zeros((0, n), np.float32)
    for r, (ids, _) in enumerate(readers):
        liked, disliked = roles[r]
        liked_ids = ids[liked]
        disliked_ids = ids[disliked]
        usable = text_rows[r] >= 0
        co_close = np.zeros(n)
        co_own = no_rows
        co_liked = np.full(len(liked_ids), -1, np.int64)
        against_co = None
        if corating is not None:
            need = co_needed[r]
            co_liked = _rows_of(need, liked)
            if shortlisting is None:
                co_own = co_sims[co_at : co_at + int(need.sum())]
                co_at += len(co_own)
            elif kinds[r] == "closest":  # the feature itself needs every candidate's cosines
                co_own = _block_product(cands.corating, corating.vectors, [co_rows[r][need]])
            if kinds[r] == "closest":
                co_close = top_mean(co_own[liked[need]], config.closest_corating)
            else:
                co_close = np.zeros(n) if users[r] is None else users[r]
            # the candidates the feature has evidence on; the others (books nobody rated) get
            # the median, not the bottom: no evidence either way
            known = cands.ease_cols >= 0 if kinds[r] == "ease" else cands.has_corating
            if known.any():
                co_close = np.where(known, co_close, np.median(co_close[known]))
        quality = None
        author_penalty = _by_authors_of(cands, disliked_ids, authors)
        by_liked_author = _by_authors_of(cands, liked_ids, authors)
        described = cands.described
        if not len(liked_ids) and cands.avg_rating is not None:
            quality = cands.quality_z
        pop, corating_z = cands.popularity_z, zscore(co_close)
        positions = weights = None
        if shortlisting is None:
            own = text_sims[text_at : text_at + int(usable.sum())]
            text_at += len(own)
        else:
            # the score known before the text product, the text closeness stood in for by
            # the cosine to the liked books' mean vector: what the shortlist keeps the best of
            centroid = centroid_cosines[r]
            cheap = weighted_score(
                config,
                len(ids),
                pop,
                0.0 if centroid is None else zscore(centroid),
                corating_z,
                author_penalty=author_penalty,
                quality=quality,
            )
            positions, weights = _shortlist(cheap, shortlisting, shortlisting.blocked[r])
            own = _block_product(cands.text[positions], text.vectors, [history_rows[r]])
            pop, corating_z = pop[positions], corating_z[positions]
            if corating is not None:
                books = co_rows[r][co_needed[r]]
                co_own = (
                    co_own[:, positions]
                    if kinds[r] == "closest"
                    else _block_product(cands.corating[positions], corating.vectors, [books])
                )
            if author_penalty is not None:
                author_penalty = author_penalty[positions]
            if by_liked_author is not None:
                by_liked_author = by_liked_author[positions]
            if described is not None:
                described = described[positions]
            if quality is not None:
                quality = quality[positions]
        books_described = None  # per usable history book, its row's flag (looked up once)
        if described is not None and text.described is not None:
            books_described = text.described[history_rows[r]]
        text_close = _text_closeness(
            own, liked[usable], books_described, described, by_liked_author, config.closest, weights
        )
        if corating is not None and len(disliked_ids):
            against_co = top_mean(co_own[disliked[co_needed[r]]], config.closest)
        dislike = None
        if len(disliked_ids):
            against = _text_closeness(
                own,
                disliked[usable],
                books_described,
                described,
                author_penalty,
                config.closest,
                weights,
            )
            if against_co is not None:
                against = against + against_co
            dislike = zscore(against, weights=weights)
        yield Features(
            pop=pop,
            text=zscore(text_close, weights=weights),
            corating=corating_z,
            liked_ids=liked_ids,
            text_rows=own,
            text_liked=_rows_of(usable, liked),
            corating_rows=co_own,
            corating_liked=co_liked,
            history_usable=usable,
            dislike=dislike,
            author_penalty=author_penalty,
            quality=quality,
            positions=positions,
            weights=weights,
        )


def _by_authors_of(
    cands: Candidates, ids: np.ndarray, authors: Mapping[int, str] | None
) -> np.ndarray | None:
    """1.0 where a candidate is by an author of these books (authors: by book_id; None: the
    candidates' own), else 0.0; None where none of them has a known author."""
    if not len(ids):
        return None
    if authors is None:
        names = {cands.authors[i] for i in np.flatnonzero(np.isin(cands.book_ids, ids))}
    else:
        names = {authors.get(int(b)) for b in ids}
    names = {a for a in names if a}
    return cands.author_mask(names) if names else None


def _text_closeness(
    rows: np.ndarray,
    books: np.ndarray,
    books_described: np.ndarray | None,
    described: np.ndarray | None,
    by_their_author: np.ndarray | None,
    k: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per candidate (column of rows), the mean text cosine to its k nearest of the chosen
    books (rows[books]), over texts that say more than title and author.

    A vector of a title alone sits near titles that share its words ("The Body Finder" and
    Stephen King's "The Body"), so it counts only where the two books may share more than
    words: a candidate by an author of the chosen books is measured against all of them (a
    series' entries known by their titles alone stay near each other and near its described
    ones); any other candidate known by its title alone has no evidence either way (the
    median of the described ones). books_described (per row) / described (per candidate)
    None: every text counts. weights: how many candidates each column stands for (a
    shortlist's, Features.weights), so the median is the whole catalog's.
    """
    if described is None or books_described is None:
        return top_mean(rows[books], k)
    told = books & books_described
    close = top_mean(rows[told], k)
    if told.any() and described.any():
        middle = _median(close[described], None if weights is None else weights[described])
        close = np.where(described, close, middle)
    if by_their_author is not None:
        kin = np.flatnonzero(by_their_author > 0)
        if len(kin):
            close[kin] = top_mean(rows[np.ix_(np.flatnonzero(books), kin)], k)
    return close


def _median(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The median of values, each standing for weights[i] candidates (None: one each)."""
    if weights is None:
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    total = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(total, total[-1] / 2)])


def _centroid_cosines(
    cands: Candidates,
    text: BookVectors,
    text_rows: list[np.ndarray],
    roles: list[tuple[np.ndarray, np.ndarray]],
) -> list[np.ndarray | None]:
    """Per reader, every candidate's dot product with the mean text vector of their liked (or
    listed) books, one product for the block (None: no such book with a vector). All of
    them, titles alone too: it only picks the shortlist, and the shortlisted lists keep more
    of the whole catalog's books with it (97.1% against 96.3% of 150 shared-data readers'
    top 10 with the mean of the described ones and _text_closeness's rule)."""
    centroids, has = [], []
    for rows, (liked, _) in zip(text_rows, roles, strict=True):
        mine = rows[liked & (rows >= 0)]
        has.append(len(mine) > 0)
        if len(mine):
            centroids.append(text.vectors[mine].mean(axis=0))
    return _per_reader(centroids, has, cands.text)


def _shortlist(
    cheap: np.ndarray, shortlisting: Shortlisting, blocked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the sorted candidate positions a reader's costly features cover: the shortlisting.size
    unblocked ones best by the cheap score, and the sample; how many candidates each stands
    for in the z-scores).

    The z-scores stand in for those over every candidate by strata: a shortlisted candidate
    stands for itself, a sampled one outside the shortlist for its share of the candidates
    outside it (the sample is uniform, so its part outside the shortlist is uniform there).
    Knowing the shortlist, the high tail, exactly makes the mean and spread much closer than
    the sample alone gives them.
    """
    open_ = np.flatnonzero(~blocked)
    size = min(shortlisting.size, len(open_))
    best = open_[np.argpartition(-cheap[open_], size - 1)[:size]] if size else open_[:0]
    best.sort()
    positions = np.union1d(best, shortlisting.sample)
    shortlisted = _within(best, positions)
    outside = max(int((~shortlisted).sum()), 1)
    weights = np.where(shortlisted, 1.0, (len(cheap) - len(best)) / outside)
    return positions, weights


def _rows_of(present: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Per chosen history book, its row among the `present` ones (-1: not present)."""
    at = np.cumsum(present) - 1
    return np.where(present, at, -1)[chosen]


# Below this many history books a block's product is computed as candidates x books and laid
# back out as books x candidates: with few rows, `books @ candidates.T` streams the whole
# candidate matrix for little arithmetic (a 20-book request: 7.0 ms against 5.0 ms on one core,
# the real catalog's 10,517 x 384); with many, the direct product is faster (800 books: 77 ms
# against 109 ms). The cosines are the same bit for bit either way (each is the same ordered
# sum over the 384 dimensions; checked on the real vectors at 5 to 800 books, and
# tests/serving/test_recommend_block.py compares one reader with blocks of every size).
FEW_BOOKS = 64


def _block_product(
    cand_vectors: np.ndarray, vectors: np.ndarray, rows: list[np.ndarray]
) -> np.ndarray:
    """vectors[every reader's rows] @ cand_vectors.T: one product for the block, a row of
    cosines to every candidate per history book."""
    every = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    if len(every) == 0:
        return np.zeros((0, len(cand_vectors)), np.float32)
    books = vectors[every]
    if len(every) < FEW_BOOKS:
        return np.ascontiguousarray((cand_vectors @ books.T).T)
    return books @ cand_vectors.T


def _corating_kind(cands: Candidates, config: ListConfig, n_books: int) -> str:
    """The co-rating feature of a reader with n_books books (ListConfig.corating_feature_for):
    "ease" falls back to ALS's "user" where the candidates carry no EASE weights."""
    kind = config.corating_feature_for(n_books)
    return "user" if kind == "ease" and cands.ease is None else kind


def _ease_users(
    cands: Candidates,
    corating: BookVectors,
    readers: Sequence[tuple[np.ndarray, np.ndarray]],
    roles: list[tuple[np.ndarray, np.ndarray]],
) -> list[np.ndarray | None]:
    """EASE's score of every candidate for each reader (None: no book among EASE's), x B with
    x their books read and not disliked, in one sparse product over the block (a block of one
    sums the same rows in the same order); candidates outside EASE's books get 0 here."""
    ease, cols = cands.ease, cands.ease_cols
    picked = []
    for (ids, _), (_, disliked) in zip(readers, roles, strict=True):
        rows = ease.index_of(ids[~disliked])
        picked.append(np.unique(rows[rows >= 0]))
    lengths = np.array([len(p) for p in picked], np.int64)
    indicator = sp.csr_matrix(
        (
            np.ones(int(lengths.sum()), np.float32),
            np.concatenate(picked) if picked else np.zeros(0, np.int64),
            np.r_[0, np.cumsum(lengths)],
        ),
        shape=(len(picked), len(ease.book_ids)),
    )
    scores = np.asarray(indicator @ ease.weights)
    known = cols >= 0
    out: list[np.ndarray | None] = []
    for r, n_books in enumerate(lengths.tolist()):
        if not n_books:
            out.append(None)
            continue
        row = np.zeros(len(cols), np.float32)
        row[known] = scores[r, cols[known]]
        out.append(row)
    return out


def _als_users(
    cands: Candidates,
    corating: BookVectors,
    readers: Sequence[tuple[np.ndarray, np.ndarray]],
    roles: list[tuple[np.ndarray, np.ndarray]],
) -> list[np.ndarray | None]:
    """ALS's own score of every candidate for each reader (None: no book with a factor), their
    user vectors solved from every book read and not disliked (reading a book is interest,
    disliking it is not), scored in one product over the block."""
    factors = cands.als_factors_of(corating)
    users, has = [], []
    for (ids, _), (_, disliked) in zip(readers, roles, strict=True):
        rows = corating.index_of(ids)
        read = rows[~disliked]
        read = read[read >= 0]
        has.append(len(read) > 0)
        if len(read):
            user = cands.corating_solver @ factors[read].sum(axis=0, dtype=np.float64)
            users.append(user.astype(np.float32))
    return _per_reader(users, has, cands.corating_factors)


def _per_reader(
    vectors: list[np.ndarray], has: list[bool], candidates: np.ndarray
) -> list[np.ndarray | None]:
    """Each reader's vector (those with has) against every candidate's row of `candidates`, in
    one product for the block; None for a reader without one."""
    if not vectors:
        return [None] * len(has)
    products = np.stack(vectors) @ candidates.T
    out: list[np.ndarray | None] = []
    at = 0
    for ok in has:
        out.append(products[at] if ok else None)
        at += ok
    return out


@dataclass(frozen=True)
class SeriesLayout:
    """What the works rules need of the candidates, computed once per candidate set (not per
    reader), so a reader's blocked books are a few sorted-array look-ups.

    code: series code of each candidate (-1: none), an index into names (every series the
    works know); position: its position in that series (#2 -> 2.0); order: the positions of
    main series members (whole-numbered positions, no box sets), by series, then position in
    it, then row; minor: members at a fractional position (#0.5 novellas, #1.1 split parts)
    and box sets of a series that has main members among the candidates: never a series'
    entry point; start: per series (names), where a reader new to it may enter it: its
    earliest main entry the works know, candidate or not, or #1 when that is earlier (a #0
    prequel such as The Hobbit does not bar The Fellowship of the Ring).
    The rest indexes Works (bookrec.lists.works) for already_read() and the series rules:
    every book it knows (sorted) with its work, series code and position; the collections;
    the works that have editions; the candidates by book id and by work; and (candidate, work)
    pairs where the candidate is a collection containing, or a derivative of, that work.
    """

    code: np.ndarray
    names: list[str]
    position: np.ndarray
    order: np.ndarray
    minor: np.ndarray
    start: np.ndarray
    book_ids: np.ndarray
    book_work: np.ndarray
    book_series: np.ndarray
    book_position: np.ndarray
    book_reach: np.ndarray
    collections: np.ndarray
    contains: dict[int, frozenset[int]]
    edition_works: np.ndarray
    by_id: tuple[np.ndarray, np.ndarray]
    by_work: tuple[np.ndarray, np.ndarray]
    by_related_work: tuple[np.ndarray, np.ndarray]

    @classmethod
    def build(cls, cands: Candidates, works: Works) -> SeriesLayout:
        names: dict[str, int] = {}
        book_ids = np.array(sorted(set(works.work_of) | set(works.series_of)), np.int64)
        book_work = np.array([works.work(b) for b in book_ids.tolist()], np.int64)
        book_series = np.array(
            [
                names.setdefault(works.series_of[b], len(names)) if b in works.series_of else -1
                for b in book_ids.tolist()
            ],
            np.int64,
        )
        book_position = np.array(
            [works.position_of.get(b, np.nan) for b in book_ids.tolist()], np.float64
        )
        ids = cands.book_ids.tolist()
        code = np.full(len(ids), -1, np.int64)
        position = np.zeros(len(ids), np.float64)
        for i, b in enumerate(ids):
            series = works.series_of.get(b)
            if series is not None:
                code[i] = names[series]
                position[i] = works.position_of[b]
        # a box set (#1-7) shares #1's position: it must not stand for the series either; a
        # collection at one position ("Wool Omnibus (Silo, #1)": the parts of #1) is that entry
        ranged = works.last_position_of
        boxed = np.fromiter((b in ranged for b in ids), bool, len(ids))
        whole = (position == np.floor(position)) & ~boxed
        members = np.flatnonzero(code >= 0)
        with_main = np.unique(code[members[whole[members]]])
        minor = members[~whole[members] & np.isin(code[members], with_main)]
        members = members[~np.isin(members, minor)]
        order = members[np.lexsort((members, position[members], code[members]))]
        # where each series begins among every book the works know (box sets and fractional
        # entries aside): a series whose #1 is no candidate is not entered at #2
        known_main = (book_series >= 0) & (book_position == np.floor(book_position))
        known_main &= ~np.isin(book_ids, np.fromiter(ranged, np.int64, len(ranged)))
        start = np.full(len(names), np.inf)
        np.fmin.at(start, book_series[known_main], book_position[known_main])
        related = [
            (i, w)
            for i, b in enumerate(ids)
            for links in (works.contains, works.derived_from)
            for w in links.get(b, ())
        ]
        related_pos = np.array([i for i, _ in related], np.int64)
        related_work = np.array([w for _, w in related], np.int64)
        return cls(
            code=code,
            names=list(names),
            position=position,
            order=order,
            minor=minor,
            start=np.maximum(start, 1.0),
            book_ids=book_ids,
            book_work=book_work,
            book_series=book_series,
            book_position=book_position,
            # how far into its series a book takes the reader: a box set to its range's end
            book_reach=np.array(
                [
                    works.last_position_of.get(b, p)
                    for b, p in zip(book_ids.tolist(), book_position.tolist(), strict=True)
                ],
                np.float64,
            ),
            collections=np.array(sorted(works.contains), np.int64),
            contains=works.contains,
            edition_works=np.array(sorted(works.editions_of), np.int64),
            by_id=_sorted_index(cands.book_ids, np.arange(len(ids))),
            by_work=_sorted_index(
                np.array([works.work(b) for b in ids], np.int64), np.arange(len(ids))
            ),
            by_related_work=_sorted_index(related_work, related_pos),
        )

    def lookup(self, history: np.ndarray, values: np.ndarray, default: np.ndarray) -> np.ndarray:
        """values (aligned with book_ids) of each history book; `default` where unknown."""
        if len(self.book_ids) == 0:
            return default
        at = np.clip(np.searchsorted(self.book_ids, history), 0, len(self.book_ids) - 1)
        return np.where(self.book_ids[at] == history, values[at], default)

    def entry_before(self, history: np.ndarray, candidate: int) -> int | None:
        """The reader's book (of `history`) that the series entry at candidate position
        `candidate` follows: their furthest entry of its series before it (None: none)."""
        series = self.lookup(history, self.book_series, np.full(len(history), -1, np.int64))
        at = self.lookup(history, self.book_position, np.full(len(history), np.nan))
        mine = np.flatnonzero((series == self.code[candidate]) & (at < self.position[candidate]))
        if not len(mine):
            return None
        return int(history[mine[np.argmax(at[mine])]])

    def already_read(self, history: np.ndarray) -> np.ndarray:
        """Positions of the candidates Works.already_read(history) names: every edition, a
        containing collection or a derivative of a work read through these books (the books
        themselves included)."""
        read = self.lookup(history, self.book_work, history)
        collections = history[_within(self.collections, history)]
        contained = [w for c in collections.tolist() for w in self.contains[c]]
        read = np.concatenate([read, np.asarray(contained, np.int64)])
        # a work without editions stands for the book of that id (Works.already_read)
        lone = read[~_within(self.edition_works, read)]
        return np.concatenate(
            [
                _members(self.by_work, read),
                _members(self.by_related_work, read),
                _members(self.by_id, np.concatenate([history, lone])),
            ]
        )


def _sorted_index(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys sorted, the values in that order): look-ups by key with searchsorted."""
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


def _within(sorted_keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """np.isin(values, sorted_keys) by binary search: no sort or hash of the (large) keys."""
    if len(sorted_keys) == 0:
        return np.zeros(len(values), bool)
    at = np.clip(np.searchsorted(sorted_keys, values), 0, len(sorted_keys) - 1)
    return sorted_keys[at] == values


def _members(index: tuple[np.ndarray, np.ndarray], wanted: np.ndarray) -> np.ndarray:
    """The values of every key of `index` (_sorted_index) found in `wanted`."""
    keys, values = index
    wanted = np.unique(wanted)
    lo = np.searchsorted(keys, wanted, "left")
    counts = np.searchsorted(keys, wanted, "right") - lo
    hit = counts > 0
    lo, counts = lo[hit], counts[hit]
    if not len(lo):
        return np.zeros(0, np.int64)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return values[starts + np.arange(int(counts.sum()))]


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
    has whole single entries; in a series the reader has read, every entry before the earliest
    one they have (after #3, neither #1 nor #2); in every series, all but its first main entry
    left, and that one too unless the reader liked the series and disliked none of it (then it
    is "next in series"); in a series the reader has not read, that entry too when it comes
    after the series' start (SeriesLayout.start: "#2" whose #1 is no candidate).
    ratings: NaN for a book listed without a rating (it counts as liked). `layout`
    (SeriesLayout.build) saves its per-call cost when the same candidates serve many readers.
    """
    history = np.asarray(history_ids, np.int64).reshape(-1)
    ids = cands.book_ids
    if works is None:
        return np.isin(ids, history), set()
    layout = layout or SeriesLayout.build(cands, works)
    blocked = np.zeros(len(ids), bool)
    blocked[layout.already_read(history)] = True
    blocked[layout.minor] = True
    if len(history):
        liked, disliked = reader_roles(ratings, config)
    else:
        liked = disliked = np.zeros(0, bool)
    series = layout.lookup(history, layout.book_series, np.full(len(history), -1, np.int64))
    in_series = series >= 0
    read_series = np.unique(series[in_series])
    liked_series = np.setdiff1d(series[in_series & liked], series[in_series & disliked])
    at = layout.lookup(history, layout.book_position, np.full(len(history), np.nan))
    if len(read_series):
        # A reader who gives #3 of a series has read #1 and #2, or chose not to: the next
        # entry is never one before the earliest they give (a gap after it, #2 between a
        # given #1 and #3, may be next: measured, blocking gaps too cost a quarter of the
        # full histories' NDCG@10, where the hidden books are the gaps), nor another book
        # numbered as that earliest ("The House of Silk (Sherlock Holmes, #1)", Horowitz's,
        # was "next" after A Study in Scarlet, Doyle's #1).
        earliest = np.full(len(read_series), np.inf)
        np.fmin.at(earliest, np.searchsorted(read_series, series[in_series]), at[in_series])
        members = layout.order
        slot = np.clip(np.searchsorted(read_series, layout.code[members]), 0, len(read_series) - 1)
        before = (read_series[slot] == layout.code[members]) & (
            layout.position[members] <= earliest[slot]
        )
        blocked[members[before]] = True
    open_members = layout.order[~blocked[layout.order]]
    if len(open_members) == 0:
        return blocked, set()
    codes = layout.code[open_members]
    first = np.r_[True, codes[1:] != codes[:-1]]
    blocked[open_members[~first]] = True  # past a series' first open entry
    firsts = open_members[first]
    read = np.isin(codes[first], read_series)
    liked_first = np.isin(codes[first], liked_series)
    blocked[firsts[read & ~liked_first]] = True  # a series the reader read but did not like
    # a series the reader has not read is entered at its start only: not at "#2" where #1 is
    # no candidate (no text, too few ratings, another spelling of the series)
    past_start = layout.position[firsts] > layout.start[codes[first]]
    blocked[firsts[~read & past_start]] = True
    nexts = firsts[read & liked_first]
    if len(nexts):
        # "next in series" follows an entry the reader gave directly (#2 after #1, #4 after a
        # #1-3 box set): not #3 where the catalog holds no #2 under any spelling
        reach = layout.lookup(history, layout.book_reach, np.full(len(history), np.nan))
        skips = [
            c
            for c in nexts.tolist()
            if layout.position[c] > np.floor(_reach_before(series, at, reach, layout, c)) + 1
        ]
        blocked[skips] = True
        nexts = nexts[~np.isin(nexts, skips)]
    return blocked, set(nexts.tolist())


def _reach_before(
    series: np.ndarray, at: np.ndarray, reach: np.ndarray, layout: SeriesLayout, candidate: int
) -> float:
    """How far into the candidate's series the reader's books before it go (a box set to its
    range's end); the candidate's own position when none comes before it."""
    mine = (series == layout.code[candidate]) & (at < layout.position[candidate])
    return float(reach[mine].max()) if mine.any() else float(layout.position[candidate])


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
