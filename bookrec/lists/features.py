"""A reader's features over the candidates and the list's score; the constraints that
follow are bookrec.lists.rules, the whole list bookrec.lists.reader_list.ListRanker.

Score (bookrec.config.ListConfig) = w_pop popularity + w_text z(text closeness)
+ w_corating z(co-rating feature) [+ w_rating z(predicted rating)] - w_dislike z(closeness to
disliked books) - dislike_author_penalty [author of a disliked book] [+ w_quality z(average
rating) when the reader likes nothing] [+ w_genre z(genre closeness to the liked books):
bookrec.lists.genres], z over the candidates, the four tuned weights those of
ListConfig.weights_for the number of books the reader gave (few-book ones up to few_books);
popularity = z(z(log Goodreads ratings) + z(log readers here who liked it)) (Candidates.
popularity_z, bookrec.lists.popularity);
text closeness = mean cosine to the `closest` nearest liked (or listed, unrated) books (the
nearest alone, few_closest, for a reader of few books: each book their own neighbourhood),
counting only texts that say more than title and author (BookVectors.described: a vector of a
title alone is near titles that share its words, not near the story): a candidate known by its
title alone has none (the median of the others), and a candidate by the author of a liked book
is measured against every liked book (a series' title-only entries stay near it); the co-rating
feature is EASE's score for the reader ("ease", the default for full histories: the sum of
EASE's item-item weights from every book read and not disliked, bookrec.lists.ease), ALS's own
score for them ("user", the default up to few_books books: their user vector solved from the
same books) or the same closeness as the text's in the co-rating space ("closest").


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

import numpy as np
import scipy.sparse as sp

from bookrec.config import ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates, reader_roles, zscore

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
    corating_raw: the co-reading feature before its z-score (EASE's or ALS's score for the
    reader, or the mean co-rating cosine to the closest liked books; 0 where a candidate has no
    co-rating evidence), None without co-rating vectors: the z-score keeps the order within
    one reader, the raw score also says how sure it is (a re-ranker's input). text_rows: the
    text cosines of every history book with a text vector (marked by history_usable, in
    history order) to the candidates, one row per book, for the blend's predicted rating
    (bookrec.lists.reader_list.ListRanker); corating_rows: the co-rating cosines of the liked
    and disliked books with a co-rating vector, or None where a
    shortlisted reader's are computed for the candidates asked (liked_cosines, from
    corating_vectors: those books' co-rating vectors in the same order, and
    corating_candidates: every candidate's). text_liked / corating_liked: per liked book, its
    row there (-1: no vector), for the explanations.
    """

    pop: np.ndarray
    text: np.ndarray
    corating: np.ndarray
    liked_ids: np.ndarray
    text_rows: np.ndarray
    text_liked: np.ndarray
    corating_rows: np.ndarray | None
    corating_liked: np.ndarray
    history_usable: np.ndarray
    corating_vectors: np.ndarray | None = None
    corating_candidates: np.ndarray | None = None
    dislike: np.ndarray | None = None
    author_penalty: np.ndarray | None = None
    quality: np.ndarray | None = None
    corating_raw: np.ndarray | None = None
    # z(genre closeness to the liked books) where the score weighs it (ListConfig.genre_for)
    genre: np.ndarray | None = None
    # a shortlisted reader (ListConfig.shortlist): the sorted candidate positions every
    # per-candidate array above covers (the columns of text_rows and corating_rows too), and
    # how many candidates each
    # stands for in the z-scores (_shortlist); None: every candidate
    positions: np.ndarray | None = None
    weights: np.ndarray | None = None

    def columns_of(self, positions: Sequence[int]) -> np.ndarray:
        """The columns of these candidate positions in the per-candidate arrays.

        Raises:
            ValueError: a position outside the reader's shortlist (a column found by search
                would be another candidate's).
        """
        positions = np.asarray(positions, np.int64)
        if self.positions is None:
            return positions
        columns = np.searchsorted(self.positions, positions)
        if len(columns) and (
            columns.max() >= len(self.positions)
            or not np.array_equal(self.positions[columns], positions)
        ):
            raise ValueError("candidate positions outside the reader's shortlist")
        return columns

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
        if not has.any() or not len(positions):
            return out
        if rows is None:  # a few candidates' cosines, not the whole shortlist's
            picked = self.corating_candidates[np.asarray(positions, np.int64)]
            out[:, has] = picked @ self.corating_vectors[at[has]].T
        else:
            out[:, has] = rows[np.ix_(at[has], self.columns_of(positions))].T
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
            self.genre,
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
    genre: np.ndarray | None = None,
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
    w_genre = config.genre_for(n_books)
    if genre is not None and w_genre:
        score = score + w_genre * genre
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
    that stands for the rest in their costly features' z-scores, per reader the candidates
    their list may not hold (blocked_mask: never shortlisted) and those it must be able to
    hold whatever their cheap score (`kept`: the next entries of the reader's series, which
    lead a few-book list or come first among their author's books; None: none)."""

    size: int
    sample: np.ndarray
    blocked: Sequence[np.ndarray]
    kept: Sequence[np.ndarray] | None = None

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
        closest = config.closest_for(len(ids))
        liked_ids = ids[liked]
        disliked_ids = ids[disliked]
        usable = text_rows[r] >= 0
        co_close = np.zeros(n)
        co_own = no_rows
        co_liked = np.full(len(liked_ids), -1, np.int64)
        co_vectors = None  # set where the liked books' co-rating rows are left to liked_cosines
        against_co = None
        co_raw = None
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
            co_raw = co_close
            # the candidates the feature has evidence on; the others (books nobody rated) get
            # the median, not the bottom: no evidence either way
            known = cands.ease_cols >= 0 if kinds[r] == "ease" else cands.has_corating
            co_close = _median_where_unknown(co_close, known)
        quality = None
        author_penalty = _by_authors_of(cands, disliked_ids, authors)
        by_liked_author = _by_authors_of(cands, liked_ids, authors)
        described = cands.described
        if not len(liked_ids) and cands.avg_rating is not None:
            quality = cands.quality_z
        genre = _genre_z(cands, liked_ids, config.genre_for(len(ids)))
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
                genre=genre,
            )
            kept = None if shortlisting.kept is None else shortlisting.kept[r]
            positions, weights = _shortlist(cheap, shortlisting, shortlisting.blocked[r], kept)
            own = _block_product(cands.text[positions], text.vectors, [history_rows[r]])
            pop, corating_z = pop[positions], corating_z[positions]
            if co_raw is not None:
                co_raw = co_raw[positions]
            if corating is not None:
                books = co_rows[r][co_needed[r]]
                if kinds[r] == "closest":
                    co_own = co_own[:, positions]
                else:
                    # the liked books' cosines are read for a few candidates only (the
                    # explanations, the re-ranker's inputs: Features.liked_cosines computes
                    # those); only the disliked books' span the shortlist
                    co_vectors = corating.vectors[books]
                    co_own = _block_product(
                        cands.corating[positions],
                        corating.vectors,
                        [books[disliked[co_needed[r]]]],
                    )
            if author_penalty is not None:
                author_penalty = author_penalty[positions]
            if by_liked_author is not None:
                by_liked_author = by_liked_author[positions]
            if described is not None:
                described = described[positions]
            if quality is not None:
                quality = quality[positions]
            if genre is not None:
                genre = genre[positions]
        books_described = None  # per usable history book, its row's flag (looked up once)
        if described is not None and text.described is not None:
            books_described = text.described[history_rows[r]]
        text_close = _text_closeness(
            own, liked[usable], books_described, described, by_liked_author, closest, weights
        )
        if corating is not None and len(disliked_ids):
            against_co = top_mean(
                co_own if co_vectors is not None else co_own[disliked[co_needed[r]]], closest
            )
        dislike = None
        if len(disliked_ids):
            against = _text_closeness(
                own,
                disliked[usable],
                books_described,
                described,
                author_penalty,
                closest,
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
            corating_rows=None if co_vectors is not None else co_own,
            corating_liked=co_liked,
            corating_vectors=co_vectors,
            corating_candidates=None if co_vectors is None else cands.corating,
            history_usable=usable,
            dislike=dislike,
            author_penalty=author_penalty,
            quality=quality,
            corating_raw=co_raw,
            genre=genre,
            positions=positions,
            weights=weights,
        )


def _genre_z(cands: Candidates, liked_ids: np.ndarray, weight: float) -> np.ndarray | None:
    """z(genre closeness to the liked or listed books) over every candidate, where the score
    weighs it (weight: ListConfig.genre_for) and genres are known (bookrec.lists.genres); else
    None.
    A candidate whose genres are not known (a title from the rating files alone) has no
    evidence either way: the median of those known, not the bottom."""
    if not weight or cands.genres is None or not len(liked_ids):
        return None
    close = cands.genres.closeness(liked_ids, cands.genre_rows, cands.genre_entries)
    return zscore(_median_where_unknown(close, cands.genre_rows >= 0))


def _median_where_unknown(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """values, those not known (no evidence either way) at the median of those known."""
    return np.where(known, values, np.median(values[known])) if known.any() else values


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
    cheap: np.ndarray,
    shortlisting: Shortlisting,
    blocked: np.ndarray,
    kept: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(the sorted candidate positions a reader's costly features cover: the shortlisting.size
    unblocked ones best by the cheap score, the `kept` ones, and the sample; how many
    candidates each stands for in the z-scores).

    The z-scores stand in for those over every candidate by strata: a shortlisted candidate
    stands for itself, a sampled one outside the shortlist for its share of the candidates
    outside it (the sample is uniform, so its part outside the shortlist is uniform there).
    Knowing the shortlist, the high tail, exactly makes the mean and spread much closer than
    the sample alone gives them.
    """
    open_ = np.flatnonzero(~blocked)
    size = min(shortlisting.size, len(open_))
    best = open_[np.argpartition(-cheap[open_], size - 1)[:size]] if size else open_[:0]
    # the union as a mask over the candidates: np.union1d's hashing took ~0.2 ms a reader
    is_best = np.zeros(len(cheap), bool)
    is_best[best] = True
    if kept is not None:  # shortlisted whatever their cheap score
        is_best[kept] = True
    covered = is_best.copy()
    covered[shortlisting.sample] = True
    positions = np.flatnonzero(covered)
    shortlisted = is_best[positions]
    outside = max(int((~shortlisted).sum()), 1)
    weights = np.where(shortlisted, 1.0, (len(cheap) - int(is_best.sum())) / outside)
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
TRANSPOSED_BELOW_ROWS = 64


def _block_product(
    cand_vectors: np.ndarray, vectors: np.ndarray, rows: list[np.ndarray]
) -> np.ndarray:
    """vectors[every reader's rows] @ cand_vectors.T: one product for the block, a row of
    cosines to every candidate per history book."""
    every = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    if len(every) == 0:
        return np.zeros((0, len(cand_vectors)), np.float32)
    books = vectors[every]
    if len(every) < TRANSPOSED_BELOW_ROWS:
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
