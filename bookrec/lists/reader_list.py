"""One reader's list: the one ranking path of serving, evaluation and batch runs.

ListRanker(candidates, text, corating, works, config).recommend(book_ids, ratings, top_n) ->
[ListItem], best first, each with the similarities it rests on: the liked (or listed) books
closest in content (text cosine) and in who read them (co-rating cosine), and "next in series".
Every kind of reader goes through it: a rated history, books listed without ratings (NaN), a
mix, only dislikes, "more like this" (one unrated book), and nobody at all (no books: the
popular, well-rated list under the same rules and caps).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from bookrec.config import ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists import learned
from bookrec.lists.candidates import Candidates, reader_roles, zscore
from bookrec.lists.features import BLOCK_CELLS, Features, Shortlisting, block_features
from bookrec.lists.rules import SeriesLayout, blocked_mask, pick, rank, sequels_first
from bookrec.lists.works import Works

if TYPE_CHECKING:
    from bookrec.lists.learned import FewBookRanker
    from bookrec.scoring.scorer import BlendScorer

# A similarity below this explains nothing (cosines of unrelated books sit around 0.2-0.3).
MIN_TEXT = 0.45
MIN_CORATING = 0.3
# "co_read" evidence: at least this share of at least this many readers of the reader's book
# (a share of 3 readers says little)
MIN_CO_READ_SHARE = 0.4
MIN_CO_READERS = 10
# Books that say more a title-only book without co-reading is read with (books_read): entries
# of its series, else its author's most-read books.
STAND_INS = 2
# Names the catalog gives where no author is known: their books share no author to stand in.
NOT_AN_AUTHOR = frozenset({"anonymous", "unknown", "various", "various authors"})
# What a book predicted below ListConfig.min_predicted loses: more than any score spans (the
# features are z-scores times weights of a few units), so it only fills a list that runs short.
BELOW_PREDICTED = 1000.0


@dataclass(frozen=True)
class Evidence:
    """A liked book behind an item: which space, and the cosine there."""

    book_id: int
    # "text" (close in content), "corating" (liked by the same readers), "author" (by the
    # author of that book, and nothing else to say: similarity 1) or "co_read" (read by that
    # share of the readers here who read that book, and nothing else to say)
    kind: str
    similarity: float


@dataclass(frozen=True)
class ListItem:
    book_id: int
    position: int  # row in the ranker's candidates
    score: float
    next_in_series: bool
    evidence: tuple[Evidence, ...]
    follows: int | None = None  # next in series: the reader's book it comes after


class BooksRead(NamedTuple):
    """A reader's books as the list reads them (ListRanker.books_read): ids and ratings for
    the features and the score; ruled_ids and ruled_ratings for the rules (the collections
    given too); stands_for: each book added for a book given (the works of a collection, the
    co-read edition of a book, the entries of a title-only book's series) -> that book."""

    ids: np.ndarray
    ratings: np.ndarray
    ruled_ids: np.ndarray
    ruled_ratings: np.ndarray
    stands_for: dict[int, int]


class ListRanker:
    """Candidates and vectors loaded once; `recommend` per reader, `recommend_block` for many.

    recommend is recommend_block for a block of one reader: serving, evaluation and batch runs
    get the same list for the same books whatever the block around them.
    """

    def __init__(
        self,
        cands: Candidates,
        text: BookVectors,
        corating: BookVectors | None,
        works: Works | None,
        config: ListConfig | None = None,
        predict: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        authors: Mapping[int, str] | None = None,
        layout: SeriesLayout | None = None,
        blend: BlendScorer | None = None,
        few_ranker: FewBookRanker | None = None,
    ) -> None:
        """predict(rated_ids, ratings): the predicted rating of every candidate (in
        cands.book_ids order) from the rated books only, needed only when config.w_rating is not
        0. authors: book_id -> author of any book a reader may list (None: the candidates'), so
        the author of a disliked book that is no candidate is known too. layout: the candidates'
        SeriesLayout when the caller built it already. blend: the BlendScorer behind predict;
        over the same text vectors, its predicted ratings reuse the block's text product
        instead of a product per reader (the same numbers). few_ranker: the model that
        re-orders a few-book reader's best candidates (bookrec.lists.learned; None: the linear
        order)."""
        self.cands = cands
        self.few_ranker = few_ranker
        self.text = text
        self.corating = corating
        self.works = works
        self.config = config or ListConfig()
        self.predict = predict
        self.authors = authors
        # every author a list's reason may name: of the readers' books (authors) or, without
        # them, of the candidates
        self._author_of = authors
        if authors is None:
            self._author_of = dict(zip(cands.book_ids.tolist(), cands.authors, strict=True))
        self.layout = layout
        if self.layout is None and works is not None:
            self.layout = SeriesLayout.build(cands, works)
        self.blend = blend if blend is not None and blend.vectors is text else None
        self._cand_means = None if self.blend is None else self.blend.means_of(cands.book_ids)
        # the shortlist's uniform sample, when the catalog is larger than a shortlist and its
        # sample (None: every list ranks every candidate)
        n = len(cands.book_ids)
        cfg = self.config
        self._sample = None
        if cfg.shortlist and n > cfg.shortlist + cfg.shortlist_sample:
            self._sample = Shortlisting.sample_of(n, cfg.shortlist_sample)
        self._like_this: ListRanker | None = None  # like_this(), on first use

    def with_config(self, config: ListConfig) -> ListRanker:
        """The same candidates, vectors and rules ranked under another ListConfig."""
        return ListRanker(
            self.cands,
            self.text,
            self.corating,
            self.works,
            config,
            self.predict,
            self.authors,
            self.layout,
            self.blend,
            self.few_ranker,
        )

    def like_this(self) -> ListRanker:
        """The ranker of a "more like this" list (one seed book, unrated): popularity weighs
        ListConfig.like_this_pop of a few-book reader's, and the few-book re-ranker, which
        learned what readers read next rather than what is like a book, is left out; the
        seed's next series entry leads, as a rated like's does (ListConfig.sequels_first).
        The same candidates, rules and reasons; built once."""
        if self._like_this is None:
            cfg = self.config
            ranker = self.with_config(
                dataclasses.replace(cfg, few_w_pop=cfg.few_w_pop * cfg.like_this_pop)
            )
            ranker.few_ranker = None
            ranker._like_this = ranker  # its own like_this(), and how _list knows it
            self._like_this = ranker
        return self._like_this

    def features(self, book_ids, ratings) -> Features:
        """The reader's features over the candidates (ratings NaN: listed without a rating),
        their books read as the list reads them (books_read)."""
        ids, ratings, *_ = self.books_read(
            np.asarray(book_ids, np.int64), np.asarray(ratings, np.float64)
        )
        return next(self._block_features([(ids, ratings)]))

    def _block_features(
        self,
        readers: list[tuple[np.ndarray, np.ndarray]],
        blocked: list[np.ndarray] | None = None,
        top_n: int = 10,
    ) -> Iterator[Features]:
        """The readers' features; with their blocked masks, over their shortlists when the
        catalog calls for them (ListConfig.shortlist, at least as deep as a top_n list ranks),
        else over every candidate."""
        shortlisting = None
        size = self._shortlist_size(top_n)
        if blocked is not None and size is not None:
            shortlisting = Shortlisting(size, self._sample, blocked)
        return block_features(
            self.cands, self.text, self.corating, readers, self.config, self.authors, shortlisting
        )

    def _shortlist_size(self, top_n: int) -> int | None:
        """How many candidates a top_n list's shortlist holds (at least as many as the list
        ranks), or None where it and the sample would span the catalog: ranked whole."""
        if self._sample is None:
            return None
        size = max(self.config.shortlist, rank_depth(top_n))
        return size if size + len(self._sample) < len(self.cands.book_ids) else None

    def score(self, book_ids, ratings, feats: Features | None = None) -> np.ndarray:
        """The score of every candidate for this reader (before the rules), their books read as
        the list reads them (books_read); feats: features(book_ids, ratings), when known."""
        ids, ratings, *_ = self.books_read(
            np.asarray(book_ids, np.int64), np.asarray(ratings, np.float64)
        )
        feats = feats or next(self._block_features([(ids, ratings)]))
        return self._score(ids, ratings, feats)[0]

    def _score(self, book_ids, ratings, feats: Features) -> tuple[np.ndarray, np.ndarray | None]:
        """(the score before the rules, the blend's predicted rating of every candidate when
        the score needs it or, for a reader who rated a book, the min_predicted rule; else
        None); book_ids and ratings as books_read gave them, feats their features."""
        ids = np.asarray(book_ids, np.int64)
        ratings = np.asarray(ratings, np.float64)
        rating = None
        rated = not np.isnan(ratings).all()
        if self.config.weights_for(len(ids)).rating or (rated and self.config.min_predicted):
            rating = self.predicted_rating(ids, ratings, feats)
        return feats.score(self.config, rating, len(ids)), rating if rated else None

    def predicted_rating(
        self, ids: np.ndarray, ratings: np.ndarray, feats: Features
    ) -> np.ndarray | None:
        """The blend's predicted rating of every candidate (None without a blend), from the
        rated books; the one source of the score's predicted-rating term and of its tuning."""
        if self.blend is not None:
            return self._blended(ids, ratings, feats)
        if self.predict is not None:
            rated = ~np.isnan(ratings)
            predicted = self.predict(ids[rated], ratings[rated])
            return predicted if feats.positions is None else predicted[feats.positions]
        return None

    def _blended(self, ids: np.ndarray, ratings: np.ndarray, feats: Features) -> np.ndarray:
        """The blend's predicted rating of every candidate from the rated books (what
        BlendScorer.predict gives), from the text cosines the block computed."""
        blend = self.blend
        cfg = blend.config
        means = self._cand_means if feats.positions is None else self._cand_means[feats.positions]
        predicted = means.copy()
        rated = ~np.isnan(ratings)
        usable = feats.history_usable & rated
        if cfg.alpha != 0.0 and usable.any():
            rows = rated[feats.history_usable]
            sims = feats.text_rows if rows.all() else feats.text_rows[rows]
            deviation = blend.deviation_of_rows(
                sims, means, ids[rated], ratings[rated], usable[rated]
            )
            predicted += cfg.alpha * deviation
        return predicted

    def recommend(
        self,
        book_ids: Sequence[int],
        ratings: Sequence[float | None] | None = None,
        top_n: int = 10,
        exclude: Sequence[int] = (),
        because_count: int = 2,
    ) -> list[ListItem]:
        """The reader's top_n under every constraint (bookrec.lists.rules).

        Args:
            book_ids: the reader's books (distinct); empty for nobody in particular.
            ratings: one per book, 1..5, NaN or None where the book is listed without a
                rating; None: none rated ("more like this", a to-read shelf).
            top_n: how many.
            exclude: the reader's other books (a to-read shelf, the page's list behind "more
                like this"): never suggested, nor their editions, collections, adaptations or
                companions (besides everything the rules block).
            because_count: how many liked books one explanation names per space.

        Raises:
            ValueError: ratings and book_ids differ in length, or a rating lies outside 1..5.
        """
        return self.recommend_block([(book_ids, ratings)], top_n, [exclude], because_count)[0]

    def recommend_block(
        self,
        readers: Sequence[tuple[Sequence[int], Sequence[float | None] | None]],
        top_n: int = 10,
        excludes: Sequence[Sequence[int]] | None = None,
        because_count: int = 2,
    ) -> list[list[ListItem]]:
        """recommend() for many readers, scored together: one matrix product per space for a
        block of readers (bookrec.lists.features.block_features), then each reader's rules.

        Args:
            readers: (book_ids, ratings) of each reader, as recommend() takes them.
            excludes: per reader, as recommend()'s exclude (None: none).

        A reader who gives one book and no rating asks for books like it: their list is that
        book's "more like this" (like_this).

        Raises:
            ValueError: as recommend(), for the first reader at fault.
        """
        given = [_checked(ids, ratings) for ids, ratings in readers]
        excludes = [()] * len(given) if excludes is None else list(excludes)
        alone = [bool(len(ids) == 1 and np.isnan(ratings).all()) for ids, ratings in given]
        if any(alone) and self._like_this is not self:
            lists_of: dict[int, list[ListItem]] = {}
            for ranker, picked in ((self.like_this(), True), (self, False)):
                at = [i for i, lone in enumerate(alone) if lone == picked]
                if at:
                    got = ranker.recommend_block(
                        [given[i] for i in at], top_n, [excludes[i] for i in at], because_count
                    )
                    lists_of.update(zip(at, got, strict=True))
            return [lists_of[i] for i in range(len(given))]
        read = [self.books_read(ids, ratings) for ids, ratings in given]
        checked = [(r.ids, r.ratings) for r in read]
        lists: list[list[ListItem]] = []
        # a shortlisted reader's products span their shortlist, not every candidate
        size = self._shortlist_size(top_n)
        columns = len(self.cands.book_ids) if size is None else size + len(self._sample)
        for block in _blocks(checked, columns):
            rules = [
                self._rules(read[i].ruled_ids, read[i].ruled_ratings, excludes[i]) for i in block
            ]
            features = self._block_features(
                [checked[i] for i in block], [blocked for blocked, _ in rules], top_n
            )
            for i, feats, (blocked, next_up) in zip(block, features, rules, strict=True):
                ids, ratings = checked[i]
                listed = self._list(ids, ratings, feats, blocked, next_up, top_n, because_count)
                stands_for = read[i].stands_for
                lists.append(_as_given(listed, stands_for) if stands_for else listed)
        return lists

    def books_read(self, ids: np.ndarray, ratings: np.ndarray) -> BooksRead:
        """A reader's books as the list reads them (_books_added), less, for the features,
        the books given without a rating in a series or work they rated <= disliked_rating
        (_doubted): a reader who gave Twilight and New Moon 1 star and Eclipse no rating got
        vampire novels "Like Eclipse", each predicted 2.3-2.7 stars. Such a book is not
        liked; the rules still count it as read."""
        read = self._books_added(ids, ratings)
        doubted = self._doubted(read.ids, read.ratings)
        if doubted.any():
            read = read._replace(ids=read.ids[~doubted], ratings=read.ratings[~doubted])
        return read

    def _doubted(self, ids: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        """Per book, whether it is unrated and shares its series or its work with a book rated
        <= disliked_rating."""
        disliked = ratings <= self.config.disliked_rating  # NaN compares False
        works = self.works
        if works is None or not disliked.any() or not np.isnan(ratings).any():
            return np.zeros(len(ids), bool)
        kin = {key for b in ids[disliked].tolist() for key in _series_and_work(works, b)}
        return np.array(
            [
                bool(np.isnan(r)) and not kin.isdisjoint(_series_and_work(works, b))
                for b, r in zip(ids.tolist(), ratings.tolist(), strict=True)
            ],
            bool,
        )

    def _books_added(self, ids: np.ndarray, ratings: np.ndarray) -> BooksRead:
        """A reader's books as the list reads them, each book the reader's own co-reading or
        text says little of helped by books that say more, with its rating: a collection of
        several works (_replaceable) is replaced by the works it holds that the reader did not
        give (each in its most-read edition); a book whose own co-reading says little brings
        the edition of its work that readers here rated (_co_read_edition); and, for a reader
        of at most few_books books, a book known by its title alone with no co-reading brings
        books that say more (_stand_ins: its series' nearest entries, else its author's
        most-read books; for the features only, never read for the rules). The rules still
        see the books given. The editions and books added leave a reader of at most
        few_books books at most few_books books, so the weights of so few books still rank
        their list (ListConfig.weights_for).

        Nobody here rated "Harry Potter Boxset (Harry Potter, #1-7)" and its description is
        about an ebook bundle, so "more like this" on it led with "Franz Kafka's The Castle"
        (close in boilerplate); read as its seven books, it gets their list, and a box set of
        books 1-5 the list of the five given one by one (the reasons name the box set). A
        collection enough readers here rated keeps its own co-reading: replacing those too
        cost the held-out readers' lists 0.163 -> 0.159 NDCG@10 (seed 0; fewer-book lists
        0.225 -> 0.222), while replacing only the others gave 0.163 and 0.225.
        """
        works = self.works
        replaceable = self._replaceable
        co_read = self._co_read_edition
        kin = self._stand_ins(ids) if len(ids) <= self.config.few_books else {}
        if not any(b in replaceable or b in co_read or b in kin for b in ids.tolist()):
            return BooksRead(ids, ratings, ids, ratings, {})
        read: list[tuple[int, float]] = []  # added books the rules count as read too
        like: list[tuple[int, float]] = []  # added books the features alone take
        stands_for: dict[int, int] = {}
        replaced = np.zeros(len(ids), bool)
        given = {works.work(b) for b in ids.tolist()}
        listed = set(ids.tolist())
        few = self.config.few_books
        room = few - len(ids) if len(ids) <= few else len(ids)  # at most one edition a book
        for at, (book, stars) in enumerate(zip(ids.tolist(), ratings.tolist(), strict=True)):
            edition = co_read.get(book)
            if edition is not None and edition not in listed and room > 0:
                listed.add(edition)
                room -= 1
                # the book keeps its own text; the edition its readers here rated brings
                # their co-reading
                read.append((edition, stars))
                stands_for[edition] = book
            for entry, named_as_given in kin.get(book, ()):
                if works.work(entry) not in given and room > 0:
                    given.add(works.work(entry))
                    room -= 1
                    like.append((entry, stars))
                    if named_as_given:
                        stands_for[entry] = book
            if book not in replaceable:
                continue
            for work in sorted(works.contains[book]):
                main = works.main_edition.get(work)
                if main is None or work in given:
                    continue
                given.add(work)
                read.append((main, stars))
                stands_for[main] = book
                replaced[at] = True
        if not read and not like:
            return BooksRead(ids, ratings, ids, ratings, {})
        read_ids, read_ratings = _pairs(read)
        like_ids, like_ratings = _pairs(like)
        return BooksRead(
            np.r_[ids[~replaced], read_ids, like_ids],
            np.r_[ratings[~replaced], read_ratings, like_ratings],
            np.r_[ids, read_ids],
            np.r_[ratings, read_ratings],
            stands_for,
        )

    def _stand_ins(self, ids: np.ndarray) -> dict[int, list[tuple[int, bool]]]:
        """Per book of these known by its title alone with no co-reading, never a collection,
        the books that say more standing in for it, each with whether its reasons name the
        book given: its series' entries (_series_stand_ins; named as the book given), else its
        author's most-read candidates that say more (_author_stand_ins; named as themselves:
        "Readers who loved The Lightning Thief" is true of a list on "The Hidden Oracle",
        "Readers who loved The Hidden Oracle" would not be). "More like this" on "The Hidden
        Oracle (The Trials of Apollo, #1)", an entry of a series nothing here says more of,
        listed two Rick Riordan books and eight bestsellers; read with "The Lightning Thief"
        and "The Sea of Monsters", it holds books their readers loved ("Circe", "Inkheart")
        and books close to them. On seed 0's few-book readers: NDCG@10 within 0.0012 of the
        lists without (1 book 0.2141 -> 0.2132 rated, 3 and 5 books and "more like this"
        within 0.0007)."""
        works = self.works
        found: dict[int, list[tuple[int, bool]]] = {}
        if works is None or not len(ids):
            return found
        series = self._series_stand_ins
        little = ~(self.text.described_of(ids) | self._co_read(ids))
        for book in ids[little].tolist():
            if book in series:
                found[book] = [(entry, True) for entry in series[book]]
            elif book not in works.is_collection:
                own = works.work(book)
                others = self._author_stand_ins.get(self._author_of.get(book) or "", ())
                chosen = [b for b in others if works.work(b) != own][:STAND_INS]
                if chosen:
                    found[book] = [(b, False) for b in chosen]
        return found

    @cached_property
    def _author_stand_ins(self) -> dict[str, tuple[int, ...]]:
        """Author -> their STAND_INS + 1 most-read candidates whose text says more or whose
        readers here co-read them, one edition a work, no collection (one more than a book
        takes, in case it is one of them); none for "Anonymous" and the like (NOT_AN_AUTHOR)."""
        works, cands = self.works, self.cands
        if works is None:
            return {}
        known = self.text.described_of(cands.book_ids) | self._co_read(cands.book_ids)
        found: dict[str, list[int]] = {}
        seen: set[int] = set()
        for at in np.argsort(-cands.popularity, kind="stable").tolist():
            book, author = int(cands.book_ids[at]), cands.authors[at]
            if not known[at] or not author or book in works.is_collection:
                continue
            if author.lower() in NOT_AN_AUTHOR:  # "Anonymous" wrote the Bible and Lazarillo
                continue
            chosen = found.setdefault(author, [])
            if len(chosen) <= STAND_INS and works.work(book) not in seen:
                seen.add(works.work(book))
                chosen.append(book)
        return {author: tuple(books) for author, books in found.items()}

    @cached_property
    def _series_stand_ins(self) -> dict[int, tuple[int, ...]]:
        """Series entry known by its title alone and without co-reading -> up to
        STAND_INS other entries of its series by its author that say more (a described
        text or co-reading), nearest in the series first, one edition a work; never a
        collection, which books_read reads as its works instead. "More like this"
        on "Reckless (Thoughtless, #3)" had nothing to go on and listed ten bestsellers; its
        #1 and #2 are described ("romance, contemporary, music")."""
        works = self.works
        if works is None or not works.series_of:
            return {}
        books = np.fromiter((b for b in works.series_of if b not in works.is_collection), np.int64)
        known = self.text.described_of(books) | self._co_read(books)
        if known.all() or not known.any():
            return {}
        author = self._author_of.get
        entries: dict[tuple[str, str | None], list[int]] = {}
        for book in books[known].tolist():
            entries.setdefault((works.series_of[book], author(book)), []).append(book)
        found: dict[int, tuple[int, ...]] = {}
        for book in books[~known].tolist():
            near = entries.get((works.series_of[book], author(book)))
            if not near or not author(book):
                continue
            at = works.position_of.get(book, 0.0)
            chosen: list[int] = []
            seen = {works.work(book)}
            for entry in sorted(near, key=lambda e: (abs(works.position_of.get(e, 0.0) - at), e)):
                if works.work(entry) not in seen:
                    seen.add(works.work(entry))
                    chosen.append(entry)
                if len(chosen) == STAND_INS:
                    break
            if chosen:
                found[book] = tuple(chosen)
        return found

    @cached_property
    def _replaceable(self) -> frozenset[int]:
        """The collections books_read reads as their works: those of several works whose own
        co-reading says little, not among EASE's books (read by fewer than
        CoratingConfig.ease_min_readers here, or past its most-read cap), or, without EASE's
        weights, without a co-rating vector. A collection of one work ("The Complete Grimm's
        Fairy Tales", a complete or annotated edition) is that work in another edition, often
        the better described one: read as "Grimm's Fairy Tales", known here by its title
        alone, "more like this" on it had nothing to go on and listed ten bestsellers."""
        if self.works is None or not self.works.contains:
            return frozenset()
        books = np.fromiter(
            (b for b, held in self.works.contains.items() if len(held) >= 2), np.int64
        )
        return frozenset(books[~self._co_read(books)].tolist())

    @cached_property
    def _co_read_edition(self) -> dict[int, int]:
        """Book -> another edition of its work, for each book whose own co-reading says
        little (_co_read) where another edition's does: "Frankenstein: The 1818 Text", the
        edition Goodreads counts most ratings for and the catalog shows, was rated by nobody
        here, "Frankenstein" by 50 readers who liked it; read without their co-reading, "more
        like this" on it was seven books "Widely loved" and "Emma" for "classics". Of several
        co-read editions: the work's main edition if it is one, else the smallest id."""
        if self.works is None:
            return {}
        found: dict[int, int] = {}
        for work, editions in self.works.editions_of.items():
            if len(editions) < 2:
                continue
            ordered = np.array(sorted(editions), np.int64)
            read = self._co_read(ordered)
            if read.all() or not read.any():
                continue
            main = self.works.main_edition.get(work)
            chosen = main if main in ordered[read].tolist() else int(ordered[read][0])
            found.update(dict.fromkeys(ordered[~read].tolist(), chosen))
        return found

    def _co_read(self, books: np.ndarray) -> np.ndarray:
        """Per book: its readers here say enough to read it by (one of EASE's books; without
        EASE's weights, one with a co-rating vector)."""
        if self.cands.ease is not None:
            return self.cands.ease.index_of(books) >= 0
        if self.corating is not None:
            return self.corating.index_of(books) >= 0
        return np.zeros(len(books), bool)

    def _rules(
        self, ids: np.ndarray, ratings: np.ndarray, exclude: Sequence[int]
    ) -> tuple[np.ndarray, set[int]]:
        """(the candidates the reader's list may not hold, those labelled "next in series"):
        blocked_mask, and every edition, collection, adaptation or companion of `exclude`."""
        blocked, next_up = blocked_mask(
            self.cands, self.works, ids, ratings, self.config, self.layout
        )
        if len(exclude):
            # The excluded books are the reader's too (the page's list behind "more like this",
            # a to-read shelf): none of their editions, collections, adaptations or companions.
            excluded = np.asarray(list(exclude), np.int64)
            blocked |= np.isin(self.cands.book_ids, excluded)
            if self.layout is not None:
                # other editions of the reader's own books (a request's exclude) add nothing
                # to what their works already blocked: only other works are looked up
                work = self.layout.book_work
                other = ~np.isin(
                    self.layout.lookup(excluded, work, excluded),
                    self.layout.lookup(ids, work, ids),
                )
                if other.any():
                    blocked[self.layout.already_read(excluded[other])] = True
        return blocked, next_up

    def _after_a_rated_like(
        self, ids: np.ndarray, ratings: np.ndarray, next_up: set[int]
    ) -> set[int]:
        """The next-in-series positions that follow a book the reader rated and liked (one
        listed without a rating continues its series too, but does not lead the list)."""
        ratings = np.asarray(ratings, np.float64)
        liked, _ = reader_roles(ratings, self.config)
        rated_likes = set(np.asarray(ids)[liked & ~np.isnan(ratings)].tolist())
        return {p for p in next_up if self.layout.entry_before(ids, p) in rated_likes}

    def _list(
        self,
        ids: np.ndarray,
        ratings: np.ndarray,
        feats: Features,
        blocked: np.ndarray,
        next_up: set[int],
        top_n: int,
        because_count: int,
    ) -> list[ListItem]:
        """One reader's list from their features and rules (_rules): the score, the picks,
        the reasons."""
        cfg = self.config
        score, rating, pushed, blocked = self._linear(ids, ratings, feats, blocked)
        if learned.applies(cfg, self.few_ranker, len(ids)):
            top, rows = self._rerank_rows(ids, feats, score, rating, blocked, next_up)
            order = learned.reranked(
                self.few_ranker, rows, top, None if pushed is None else pushed[top]
            )[: rank_depth(top_n)]
        else:
            order = rank(score, blocked, rank_depth(top_n))
        if feats.positions is not None:
            order = feats.positions[order]
        lead = cfg.sequels_first_for(len(ids))
        if lead and next_up:
            if self._like_this is self:  # "more like this": its seed's next entry, unrated
                leading = next_up
            else:
                leading = self._after_a_rated_like(ids, ratings, next_up)
            order = sequels_first(order, leading, lead)
        chosen = pick(order, self.cands, self.works, top_n, cfg)
        told = None
        if self.cands.described is not None:
            told = np.outer(self.cands.described[chosen], self.text.described_of(feats.liked_ids))
        evidence = _evidence(
            feats, chosen, because_count, told, self.cands.book_ids[chosen] if chosen else None
        )
        if because_count > 0:
            evidence = self._by_their_author(ids, ratings, feats.liked_ids, chosen, evidence)
            evidence = self._read_by_their_readers(feats.liked_ids, chosen, evidence)
        columns = feats.columns_of(chosen).tolist()
        return [
            ListItem(
                book_id=int(self.cands.book_ids[pos]),
                position=int(pos),
                score=float(score[col]),
                next_in_series=pos in next_up,
                evidence=found,
                follows=self.layout.entry_before(ids, pos) if pos in next_up else None,
            )
            for pos, col, found in zip(chosen, columns, evidence, strict=True)
        ]

    def _linear(
        self, ids: np.ndarray, ratings: np.ndarray, feats: Features, blocked: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray]:
        """(the linear score over feats' columns, a book the reader is predicted not to like
        after every other; the predicted rating or None (_score); where it pushed a book down
        or None; blocked over feats' columns)."""
        cfg = self.config
        score, rating = self._score(ids, ratings, feats)
        pushed = None
        if rating is not None and cfg.min_predicted:
            pushed = rating < cfg.min_predicted
            score = np.where(pushed, score - BELOW_PREDICTED, score)
        if feats.positions is not None:  # scored on a shortlist
            blocked = blocked[feats.positions]
        return score, rating, pushed, blocked

    def rerank_inputs(self, book_ids, ratings) -> tuple[np.ndarray, np.ndarray]:
        """(candidate positions, the few-book re-ranker's inputs for them): the reader's
        few_rerank_depth best unblocked candidates by the linear score, best first, as a list
        of theirs re-orders them; what `evaluate` trains the re-ranker on
        (bookrec.evaluation.topn_modes.train_few_ranker)."""
        read = self.books_read(*_checked(book_ids, ratings))
        blocked, next_up = self._rules(read.ruled_ids, read.ruled_ratings, ())
        feats = next(self._block_features([(read.ids, read.ratings)], [blocked]))
        score, rating, _, blocked = self._linear(read.ids, read.ratings, feats, blocked)
        top, rows = self._rerank_rows(read.ids, feats, score, rating, blocked, next_up)
        return (top if feats.positions is None else feats.positions[top]), rows

    def _rerank_rows(
        self,
        ids: np.ndarray,
        feats: Features,
        score: np.ndarray,
        rating: np.ndarray | None,
        blocked: np.ndarray,
        next_up: set[int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(the columns of the reader's few_rerank_depth best unblocked candidates by the
        linear score, best first; the few-book re-ranker's inputs for them); next_up: the
        candidates the rules label "next in series" (_rules)."""
        top = learned.top_unblocked(score, blocked, self.config.few_rerank_depth)
        rating_z = None
        if rating is not None:
            rating_z = zscore(rating, weights=feats.weights)
        authors = {self._author_of.get(int(b)) for b in feats.liked_ids.tolist()}
        co_read = np.zeros(0, np.int64)
        if self.cands.co_readers is not None:
            co_read = self.cands.co_readers.columns_of_books(self.works, ids)
        reader = learned.ReaderContext(next_up, {a for a in authors if a}, co_read)
        return top, learned.feature_rows(
            self.cands, feats, len(ids), score, rating_z, top, reader, self.layout
        )

    def _by_their_author(
        self,
        ids: np.ndarray,
        ratings: np.ndarray,
        liked_ids: np.ndarray,
        chosen: list[int],
        evidence: list[tuple[Evidence, ...]],
    ) -> list[tuple[Evidence, ...]]:
        """An item with no evidence in either space that is by the author of a liked (or
        listed) book rests on that book, the reader's best rated of that author's: a same-author
        book known here by its title alone would otherwise read "Widely read" (a scan of 600
        real readers cut to 3 books: 35 of 4,670 items, such as John Grisham's "The Pelican
        Brief" for a reader of "The Firm")."""
        bare = {
            self.cands.authors[pos]
            for pos, found in zip(chosen, evidence, strict=True)
            if not found
        }
        bare.discard("")
        if not bare or not len(liked_ids):
            return evidence
        stars = dict(zip(ids.tolist(), np.nan_to_num(ratings, nan=0.0).tolist(), strict=True))
        best_of: dict[str, int] = {}
        for book in liked_ids.tolist():  # the first of the best rated, in the reader's order
            author = self._author_of.get(book)
            if author in bare and stars[book] > stars.get(best_of.get(author), -1.0):
                best_of[author] = book
        out = []
        for pos, found in zip(chosen, evidence, strict=True):
            book = best_of.get(self.cands.authors[pos])
            if not found and book is not None:
                found = (Evidence(book, "author", 1.0),)
            out.append(found)
        return out

    def _read_by_their_readers(
        self, liked_ids: np.ndarray, chosen: list[int], evidence: list[tuple[Evidence, ...]]
    ) -> list[tuple[Evidence, ...]]:
        """An item with no evidence yet that most readers here of a liked (or listed) book
        read too rests on that book, the one whose readers read it most: the widely read books
        a few-book reader's list puts forward come from there (the re-ranker's share of
        co-readers, bookrec.lists.coreaders), and "Widely loved" hid it ("79% of the readers
        here who read “The Hobbit” read it too")."""
        readers = self.cands.co_readers
        bare = [i for i, found in enumerate(evidence) if not found]
        if readers is None or not bare or not len(liked_ids):
            return evidence
        given = readers.columns_of_books(self.works, liked_ids)
        enough = np.zeros(len(given), bool)  # -1 (nobody here read it) stays out
        enough[given >= 0] = readers.readers_of[given[given >= 0]] >= MIN_CO_READERS
        given = np.where(enough, given, -1)
        items = self.cands.co_reader_cols[np.asarray(chosen, np.int64)[bare]]
        shares = readers.shares(given, items)  # liked books x bare items
        best = shares.argmax(axis=0)
        out = list(evidence)
        for i, j, share in zip(bare, best.tolist(), shares.max(axis=0).tolist(), strict=True):
            if share >= MIN_CO_READ_SHARE:
                out[i] = (Evidence(int(liked_ids[j]), "co_read", share),)
        return out


def _as_given(listed: list[ListItem], stands_for: dict[int, int]) -> list[ListItem]:
    """The items as the reader gave their books: evidence and "next in series" name the
    collection a book was added for (ListRanker.books_read), each once per space."""
    out = []
    for item in listed:
        seen: set[tuple[str, int]] = set()
        evidence = []
        for e in item.evidence:
            book = stands_for.get(e.book_id, e.book_id)
            if (e.kind, book) not in seen:
                seen.add((e.kind, book))
                evidence.append(dataclasses.replace(e, book_id=book))
        follows = (
            item.follows if item.follows is None else stands_for.get(item.follows, item.follows)
        )
        out.append(dataclasses.replace(item, evidence=tuple(evidence), follows=follows))
    return out


def rank_depth(top_n: int) -> int:
    """How many of the best candidates a top_n list is picked from (the caps and the works
    rules between picks skip some)."""
    return max(4 * top_n, 50)


def _evidence(
    feats: Features,
    chosen: list[int],
    count: int,
    told: np.ndarray | None = None,
    chosen_ids: np.ndarray | None = None,
) -> list[tuple[Evidence, ...]]:
    """Per chosen candidate, the `count` liked books closest to it in each space (co-rating
    first), those above the space's floor; in the text space only pairs whose texts both say
    more than title and author (told: chosen x liked books; None: every pair), since a title
    alone says nothing of story and style. Never the candidate itself (chosen_ids: their book
    ids), which a book read in for the features only (ListRanker.books_read) may be."""
    found: list[list[Evidence]] = [[] for _ in chosen]
    itself = None
    if chosen_ids is not None:
        itself = np.asarray(chosen_ids)[:, None] == feats.liked_ids[None, :]
    for kind, floor in (("corating", MIN_CORATING), ("text", MIN_TEXT)):
        if len(feats.liked_ids) == 0 or not chosen or count <= 0:
            continue
        rows = feats.liked_cosines(kind, chosen)
        if kind == "text" and told is not None:
            rows = np.where(told, rows, -np.inf)
        if itself is not None and itself.any():
            rows = np.where(itself, -np.inf, rows)
        best = np.argsort(-rows, axis=1, kind="stable")[:, :count]
        for i, (row, columns) in enumerate(zip(rows, best, strict=True)):
            for j in columns.tolist():
                if row[j] >= floor:
                    found[i].append(Evidence(int(feats.liked_ids[j]), kind, float(row[j])))
    return [tuple(f) for f in found]


def _series_and_work(works: Works, book: int) -> set[tuple[str, object]]:
    """The book's series and work, as keys no other kind of key can equal."""
    keys: set[tuple[str, object]] = {("work", works.work(book))}
    series = works.series_of.get(book)
    if series:
        keys.add(("series", series))
    return keys


def _pairs(pairs: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, ratings) arrays of (book_id, rating) pairs."""
    return np.array([b for b, _ in pairs], np.int64), np.array([r for _, r in pairs], np.float64)


def _checked(book_ids, ratings) -> tuple[np.ndarray, np.ndarray]:
    """A reader's (ids, ratings) as arrays, ratings NaN where unrated.

    Raises:
        ValueError: ratings and book_ids differ in length, or a rating lies outside 1..5.
    """
    ids = np.asarray(book_ids, np.int64).reshape(-1)
    if ratings is None:
        ratings = np.full(len(ids), np.nan)
    ratings = np.array([np.nan if r is None else r for r in ratings], np.float64)
    if len(ratings) != len(ids):
        raise ValueError(f"{len(ids)} books but {len(ratings)} ratings")
    rated = ratings[~np.isnan(ratings)]
    if len(rated) and (rated.min() < 1 or rated.max() > 5):
        raise ValueError("ratings must lie in 1..5 (NaN or None: not rated)")
    return ids, ratings


def _blocks(readers: list[tuple[np.ndarray, np.ndarray]], n_candidates: int) -> list[list[int]]:
    """Consecutive readers whose books, times the candidates (those a reader's products
    span), fit BLOCK_CELLS cosines."""
    blocks: list[list[int]] = []
    cells = 0
    for i, (ids, _) in enumerate(readers):
        size = n_candidates * max(len(ids), 1)
        if blocks and cells + size <= BLOCK_CELLS:
            blocks[-1].append(i)
            cells += size
        else:
            blocks.append([i])
            cells = size
    return blocks
