"""What every part of ranking shares. The books a list may hold (Candidates), in one fixed
order, with what ranking needs of each: author, popularity (Candidates.popularity_z:
z(z(log Goodreads ratings) + z(log readers here who liked it)), bookrec.lists.popularity),
unit text and co-rating vectors, ALS's factors and the solve that turns a reader's books into
ALS's user vector, EASE's columns; and zscore, the scale every term of the list's score is
taken in.

A reader's books (reader_roles): liked = rated >= liked_rating, or >= their own mean when they
rated at least mean_liked_min_ratings books; a book rated <= disliked_rating is a dislike, never
liked; a listed book without a rating (NaN) counts as liked (the reader named it as a book like
the ones they want). Nothing liked and nothing listed (nothing matched, only dislikes): the
list is well-liked popular books (popularity + average rating), unlike the disliked ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bookrec.config import CoratingConfig, ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.coreaders import CoReaders
from bookrec.lists.ease import Ease
from bookrec.lists.genres import BookGenres, GenreEntries
from bookrec.lists.popularity import LIKED_MIN_STD
from bookrec.lists.works import Works

# Names the catalog gives where no author is known ("Anonymous" wrote the Bible and Lazarillo de
# Tormes): their books share no author to stand in or to name in a reason ("More by Anonymous").
# The score still reads them as one author's: readers of one anonymous classic read others
# (without it, seed 2's full histories lost 0.004 NDCG@10).
NOT_AN_AUTHOR = frozenset({"anonymous", "unknown", "various", "various authors"})


def names_an_author(name: str | None) -> bool:
    """Whether an author name names someone (not empty, not NOT_AN_AUTHOR)."""
    return bool(name) and name.strip().lower() not in NOT_AN_AUTHOR


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
    # who read what here (bookrec.lists.coreaders; None: not known) and each candidate's
    # work's column there (-1: nobody here read it)
    co_readers: CoReaders | None = None
    co_reader_cols: np.ndarray | None = None
    # every book's Goodreads genres (bookrec.lists.genres; None: not known) and each
    # candidate's row there (-1: none)
    genres: BookGenres | None = None
    genre_rows: np.ndarray | None = None

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
        co_readers: CoReaders | None = None,
        genres: BookGenres | None = None,
    ) -> Candidates:
        """Candidates restricted to books with a text vector, one per work (its main
        edition where it has co-reading here as the most-rated such book has, else that one)
        (avg_rating, one per book_id, feeds the
        "well-liked" term; None: not used; ease: the "ease" co-rating feature's weights,
        None: that feature falls back to ALS's; liked_by,
        one per book_id: how many of the warehouse's readers liked its work, in any edition
        (bookrec.lists.popularity.counts_for), None: popularity is Goodreads' alone;
        co_readers: who read what here, by work (None: not known); genres: every book's
        genres (None: not known))."""
        book_ids = np.asarray(book_ids, np.int64)
        keep = text.index_of(book_ids) >= 0
        if works is not None:
            best: dict[int, int] = {}
            kept, ids_list = keep.tolist(), book_ids.tolist()  # Python ints: ~5x faster here
            main = works.main_edition
            read_here = (
                (corating.index_of(book_ids) >= 0).tolist()
                if corating is not None
                else [False] * len(ids_list)
            )
            for i in np.argsort(-np.asarray(num_ratings, np.float64), kind="stable").tolist():
                if kept[i]:
                    work = works.work(ids_list[i])
                    at = best.get(work)
                    # the main edition takes its work's place from a more-rated one (Stephen
                    # Briggs' "The Truth: Stage Adaptation" does not stand for Pratchett's),
                    # unless only that one has co-reading here (the Penguin Readers record of
                    # "The Firm" would lose every co-reading input)
                    if at is None or (
                        main.get(work) == ids_list[i] and read_here[i] >= read_here[at]
                    ):
                        best[work] = i
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
            co_readers=co_readers,
            co_reader_cols=None if co_readers is None else co_readers.columns_of_books(works, ids),
            genres=genres,
            genre_rows=None if genres is None else genres.rows_of(ids),
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
    def genre_entries(self) -> GenreEntries | None:
        """Every candidate's genre entries (BookGenres.entries_of; None: genres not known): a
        list that weighs closeness in genres reads them for every candidate."""
        return None if self.genres is None else self.genres.entries_of(self.genre_rows)

    @cached_property
    def quality_z(self) -> np.ndarray:
        """z(average rating), a missing average taken as the mean (the "well-liked" term)."""
        return zscore(np.nan_to_num(self.avg_rating, nan=np.nanmean(self.avg_rating)))

    @cached_property
    def _author_codes(self) -> tuple[dict[str, int], np.ndarray]:
        codes: dict[str, int] = {}
        per_row = [codes.setdefault(a, len(codes)) for a in self.authors]
        return codes, np.asarray(per_row, np.int64)

    def author_mask(self, authors: Collection[str]) -> np.ndarray:
        """1.0 where a candidate's author is one of `authors`, else 0.0."""
        return self.by_author(dict.fromkeys(authors, 1.0))

    def by_author(self, values: Mapping[str, float]) -> np.ndarray:
        """Per candidate, its author's value (0.0 for an author without one)."""
        codes, per_row = self._author_codes
        table = np.zeros(len(codes), np.float64)  # a lookup per author code: no isin's sort
        for author, value in values.items():
            if author in codes:
                table[codes[author]] = value
        return table[per_row]

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
