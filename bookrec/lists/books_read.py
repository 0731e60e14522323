"""How a reader's list reads their books: each book the reader's own co-reading or text says
little of helped by books that say more (BookReader.read).

A collection of several works little read here is read as the works it holds, a book whose own
co-reading says little brings the edition of its work readers here rated, and, for a reader of
few books, a book known by its title alone brings its series' entries or its author's most-read
books; a book given without a rating in a series or work the reader disliked is left out of
the features. The rules (bookrec.lists.rules) still see the books given. One BookReader serves
a ListRanker and the variants it makes (ListRanker.with_config, like_this), its lookups built
once, on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import NamedTuple

import numpy as np

from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates, names_an_author
from bookrec.lists.works import Works

# Books that say more a title-only book without co-reading is read with (BookReader.read):
# entries of its series, else its author's most-read books.
STAND_INS = 2


class BooksRead(NamedTuple):
    """A reader's books as the list reads them (BookReader.read): ids and ratings for
    the features and the score; ruled_ids and ruled_ratings for the rules (the collections
    given too); stands_for: each book added for a book given (the works of a collection, the
    co-read edition of a book, the entries of a title-only book's series) -> that book."""

    ids: np.ndarray
    ratings: np.ndarray
    ruled_ids: np.ndarray
    ruled_ratings: np.ndarray
    stands_for: dict[int, int]


class BookReader:
    """A reader's books as the list reads them, over one ranker's candidates and vectors."""

    def __init__(
        self,
        cands: Candidates,
        text: BookVectors,
        corating: BookVectors | None,
        works: Works | None,
        author_of: Mapping[int, str],
        few_books: int,
        disliked_rating: float,
    ) -> None:
        """author_of: book_id -> author of any book a reader may list; few_books and
        disliked_rating: ListConfig's (a reader of at most few_books books gets stand-ins; a
        book rated <= disliked_rating makes the unrated books of its series or work doubted)."""
        self.cands = cands
        self.text = text
        self.corating = corating
        self.works = works
        self._author_of = author_of
        self.few_books = few_books
        self.disliked_rating = disliked_rating

    def serves(self, few_books: int, disliked_rating: float) -> bool:
        """Whether this reader reads books as a ranker of these settings would."""
        return (few_books, disliked_rating) == (self.few_books, self.disliked_rating)

    def read(self, ids: np.ndarray, ratings: np.ndarray) -> BooksRead:
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
        disliked = ratings <= self.disliked_rating  # NaN compares False
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
        kin = self._stand_ins(ids) if len(ids) <= self.few_books else {}
        if not any(b in replaceable or b in co_read or b in kin for b in ids.tolist()):
            return BooksRead(ids, ratings, ids, ratings, {})
        read: list[tuple[int, float]] = []  # added books the rules count as read too
        like: list[tuple[int, float]] = []  # added books the features alone take
        stands_for: dict[int, int] = {}
        replaced = np.zeros(len(ids), bool)
        given = {works.work(b) for b in ids.tolist()}
        listed = set(ids.tolist())
        few = self.few_books
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
            if not known[at] or not names_an_author(author) or book in works.is_collection:
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
        collection, which read() reads as its works instead. "More like this"
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
        """The collections read() reads as their works: those of several works whose own
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
