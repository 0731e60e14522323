"""Finding a reader's books in the catalog: ids, normalized titles, then author-aware fuzzy titles.

Titles and authors are keyed by the warehouse's own DuckDB macros (sql/clean/00_macros.sql:
title_key, main_title_key, author_key, author_surname; sql/recommend/01_match_keys.sql;
bookrec.serving.title_keys), so a reader's "The Hunger Games (The Hunger Games, #1)" and the
catalog's "The Hunger Games" meet on the same key. Each listed book then goes through these
steps; the first that decides wins:

1. ids: the Goodreads export's Book Id equals a catalog goodreads_id, or one of its ISBNs a
   catalog isbn (score 100, method "goodreads_id" / "isbn").
2. exact: equal title_key. Catalog books whose author differs from the reader's are never
   taken ("King Rat" by China Miéville is not James Clavell's). One book with the same author,
   or a single book whose author is unknown on either side, is a match (score 100). Several
   books and no author given: the most read of them when it has most_read_margin times the
   Goodreads ratings of every other (score 100, method "most_read": a reader who types "The
   Hobbit" means Tolkien's, not the graphic novel's; the note names the others); otherwise
   ambiguous.
   No book so titled by the author given, but one by an author they may have spelled another
   way (author_spelled_alike: "Tolkein", "Conan Doyle"): that one (score 95, method
   "author_spelling"). Only books whose author is unknown, and the author given wrote one the
   reader's title names before its subtitle: theirs (step 4's same-author match, score 95:
   "Trust" by Cristiane Serruya is her "Trust: A New Beginning", not the rating files'
   authorless "Trust (Waverly Beach Cozy Mystery, #1)"), and so is one they wrote whose title
   is spelled nearly so (step 5 at fuzzy_title_sure: "The Colour of Magic" by Terry Pratchett
   is his "The Color of Magic"). Every later step takes such an
   author as unknown, not as another's ("harry potter 3|Rowlings"), and every match so found
   says how the author was read.
3. series name: the title is a series' name ("harry potter"), by a compatible author: the
   series' first book, the most read of its #1 editions (score 95, method "series_first");
   with an entry's number after the name ("harry potter 3", "dune book 2"), that entry
   (method "series_entry"); not a volume a book is titled as ("The Walking Dead, Vol. 1" is
   "... Vol. 01: Days Gone Bye", step 4, not the series' #1: _titled_volume).
4. main title: any of the reader's title forms (full, before the subtitle, without a trailing
   "(...)" note) equals one of the catalog book's. Same author: a match (score 95). Unknown
   author: a match when the forms differ by a trailing note and one book qualifies (score
   90), or when the title is typed as the catalog's before its subtitle ("Sapiens") and one
   book so titled has most_read_margin times the ratings of every other (score 90);
   otherwise ambiguous (a lone book so titled with no Goodreads count, known from the rating
   files only, is a match).
5. fuzzy, same author: rapidfuzz token_sort_ratio of the keys among the author's books,
   at least fuzzy_author_min and clear of the runner-up by fuzzy_margin: a match (its score).
6. fuzzy title only (ratio >= fuzzy_title_min over the whole catalog, >= fuzzy_title_sure when
   the reader named an author the catalog lacks; none when it has them: step 5 searched their
   books, and "Alice in Wonderland" by Lewis Carroll is no "Malice in Wonderland"): without
   an author on either side a near-identical title cannot be told from a sequel or a namesake,
   so these are
   shown as ambiguous candidates, except a reader who gave no author and a single clear
   winner >= fuzzy_title_sure with a known average rating (a typo).
The thresholds are bookrec.config.MatchConfig's. A book these steps leave unmatched goes
through them again with the title's leading article dropped, or with "the" and then "a" added
("lord of the rings", "game of thrones"), or as the catalog titles (up to three) it is but for
articles anywhere and for numbers in words or digits ("catcher in rye", "name of wind", "100
years of solitude": bookrec.serving.numbers); then as a series book named the way readers
name them, a sure match that wins over a fuzzy title's candidates (_by_series_reading: a series
or its first book before one of its books, "The Hunger Games: Catching Fire", score 95; a book
without its series' name in front, "Goblet of Fire" for "Harry Potter and the Goblet of Fire",
by the author given or else the clear favourite of such books read widely enough, score 90;
both method "series_title", with a note; a first book with another entry's number, "game of
thrones 2", method "series_entry"); and last as the words of one author's series names
("percy jackson": the first book of "Percy Jackson and the Olympians", method "series_first")
when nothing came near, then with its first word as initials ("lotr", "hp and the chamber of
secrets": _by_initials), and then, without an author, as a title and its author in one text
("Dune by Frank Herbert", "1984 - George Orwell"; around a dash the author may come first,
"Tolkien - The Hobbit", or a series, "Harry Potter - Goblet of Fire"); the first match wins,
else the first answer stands.
Everything else is not found; a "title" that is an author's name ("Stephen King"), or their
surname alone ("Tolkien", "Conan Doyle": the author so named with the most ratings), is not
found with a note naming their most read books.

Every match also carries `related_ids`: catalog books that are the same work by a compatible
author (same title key, another title in the same series slot, a split volume; see
CatalogMatcher.same_work), which recommend never suggests; a book that shares only the title
before the subtitle is one of them unless the works tables put it in another work ("Batman:
The Long Halloween" beside "Batman: Hush"). A book not found with a hint ("did you mean ...?")
carries the hinted book's: the reader most likely read it (one who meant another misses one
suggestion; "Count of Monte Christo" got "The Count of Monte Cristo" back as #2).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections import defaultdict
from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bookrec.config import MatchConfig
from bookrec.serving.authors import AuthorRelation, author_relation, author_spelled_alike
from bookrec.serving.reader_input import ReaderBook
from bookrec.serving.reasons import named
from bookrec.serving.results import Candidate, Match
from bookrec.serving.title_keys import (
    ARTICLES,
    TITLE_PART,
    Keys,
    article_forms,
    catalog_keys,
    content_words,
    key_maker,
    loose_key,
    match_keys,
    series_number,
    volume_numbers,
    with_titles,
)
from bookrec.warehouse.connection import require_columns, require_tables, run_sql, table_exists

log = logging.getLogger(__name__)

_CATALOG_COLUMNS = ("book_id", "title", "author", "avg_rating", "num_ratings")
_OPTIONAL_COLUMNS = ("goodreads_id", "isbn")  # absent from warehouses of an older bookrec


def load_catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every book with what matching and recommending need (ids, title, author, ratings)."""
    require_tables(con, ["books"])
    require_columns(con, "books", _CATALOG_COLUMNS)
    frame = run_sql(con, "recommend/02_catalog.sql").df()
    for column in _OPTIONAL_COLUMNS:
        if column not in frame:
            frame[column] = None
    # The file picks columns in the table's order; callers get one fixed order.
    return frame[[*_CATALOG_COLUMNS, *_OPTIONAL_COLUMNS]]


def main_editions(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """book_id -> the main edition of its work, for books known from the rating files only
    whose work has a described one (sql/recommend/05_main_editions.sql); empty before the
    works are built."""
    if not table_exists(con, "book_works"):
        return {}
    return dict(run_sql(con, "recommend/05_main_editions.sql").fetchall())


def works_of_books(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """book_id -> its work (sql/recommend/06_book_works.sql); empty before the works are
    built."""
    if not table_exists(con, "book_works"):
        return {}
    return dict(run_sql(con, "recommend/06_book_works.sql").fetchall())


def co_authors(con: duckdb.DuckDBPyConnection) -> dict[int, list[tuple[str, str]]]:
    """book_id -> (author_key, author_surname) of each name its records credit beyond the
    first (sql/recommend/07_co_authors.sql); empty before the works are built."""
    if not table_exists(con, "book_credits"):
        return {}
    found: dict[int, list[tuple[str, str]]] = {}
    for book, key, surname in run_sql(con, "recommend/07_co_authors.sql").fetchall():
        found.setdefault(int(book), []).append((key, surname))
    return found


def _isbn_key(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip().upper().lstrip("0")
    return text or None


class CatalogMatcher:
    """The catalog indexed once by its keys; `match` then looks up a reader's books.

    Args:
        catalog: load_catalog's frame (book_id, title, author, avg_rating, num_ratings and
            optionally goodreads_id, isbn).
        config: the matching thresholds (MatchConfig() when None).
        keys: match_keys of the catalog's rows, in its order (catalog_keys); None: made here.
        main_editions: book_id -> book_id, the edition a match to the first reads as
            (main_editions(): books known from the rating files only, by their work's main
            edition; the first stays among the match's related_ids).
        works: book_id -> work_id (works_of_books()): two books that share only a title
            before the subtitle are one work (same_work) unless these say otherwise.
    """

    def __init__(
        self,
        catalog: pd.DataFrame,
        config: MatchConfig | None = None,
        keys: pd.DataFrame | None = None,
        main_editions: dict[int, int] | None = None,
        works: dict[int, int] | None = None,
        co_authors: dict[int, list[tuple[str, str]]] | None = None,
    ) -> None:
        self.config = config or MatchConfig()
        catalog = catalog.reset_index(drop=True)
        keys = match_keys(catalog) if keys is None else keys.reset_index(drop=True)
        # A reader's title or author written as the catalog writes it (most are: picked from
        # suggestions, exported from Goodreads) takes the catalog's keys; only other spellings
        # go through the macros (KeyMaker.keys: each regex compiles per query, ~20 ms).
        # columns as lists first: iterating a pandas 3 string column yields ~10x slower
        key_rows = list(zip(*(keys[c].tolist() for c in keys.columns), strict=True))
        titles, authors = catalog["title"].tolist(), catalog["author"].tolist()
        self._title_keys_of = {t: k[:TITLE_PART] for t, k in zip(titles, key_rows, strict=True)}
        self._author_keys_of = {
            a: k[TITLE_PART:] for a, k in zip(authors, key_rows, strict=True) if isinstance(a, str)
        }
        self.book_ids = catalog["book_id"].to_numpy(np.int64)
        self.titles = titles
        self.authors = [a if isinstance(a, str) and a else None for a in authors]
        self.title_keys = keys["title_key"].tolist()
        self.main_keys = keys["main_title_key"].tolist()
        self.bare_keys = keys["bare_title_key"].tolist()
        self.forms = [
            {k for k in (t, m, b) if k}
            for t, m, b in zip(self.title_keys, self.main_keys, self.bare_keys, strict=True)
        ]
        self.series_keys = keys["series_key"].tolist()
        self.subtitle_keys = keys["subtitle_key"].tolist()
        self.author_keys = keys["author_key"].tolist()
        self.surnames = keys["author_surname"].tolist()
        # by row: the other names a book's records credit (co_authors), each as good as the first
        row_of_id = {int(b): r for r, b in enumerate(self.book_ids.tolist())}
        self._co_authors = {
            row_of_id[book]: names
            for book, names in (co_authors or {}).items()
            if book in row_of_id
        }
        self.has_average = catalog["avg_rating"].notna().to_numpy()
        popularity = pd.to_numeric(catalog["num_ratings"], errors="coerce").fillna(-1)
        # Plain floats and ints (None where unknown), as a Candidate shows them.
        average = pd.to_numeric(catalog["avg_rating"], errors="coerce")
        self.avg = [None if v != v else v for v in average.astype(np.float64).tolist()]  # NaN
        self.num = [None if v < 0 else int(v) for v in popularity.tolist()]
        # Preferred first among equals: a known average, more ratings, the smaller id.
        order = np.lexsort((self.book_ids, -popularity.to_numpy(), ~self.has_average))
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))

        self.exact_index: dict[str, list[int]] = defaultdict(list)
        self.form_index: dict[str, list[int]] = defaultdict(list)
        self.surname_index: dict[str, list[int]] = defaultdict(list)
        self.series_index: dict[str, list[int]] = defaultdict(list)
        self.subtitle_index: dict[str, list[int]] = defaultdict(list)
        for row, (title_key, forms, surname) in enumerate(
            zip(self.title_keys, self.forms, self.surnames, strict=True)
        ):
            if title_key:
                self.exact_index[title_key].append(row)
            for form in forms:
                self.form_index[form].append(row)
            if surname:
                self.surname_index[surname].append(row)
            if self.series_keys[row]:
                self.series_index[self.series_keys[row]].append(row)
            if self.subtitle_keys[row]:
                self.subtitle_index[self.subtitle_keys[row]].append(row)
        self._same_work_of: dict[int, frozenset[int]] = {}
        self._same_work_ids_of: dict[int, frozenset[int]] = {}
        works = works or {}
        self._work = [works.get(int(b)) for b in self.book_ids]
        row_of = self.row_of if main_editions else {}
        self._main_edition_row = {
            row_of[book]: row_of[main]
            for book, main in (main_editions or {}).items()
            if book in row_of and main in row_of
        }
        self.id_index: dict[int, int] = {}
        gids = pd.to_numeric(catalog["goodreads_id"], errors="coerce")
        known = gids.notna().to_numpy()
        for row, gid in zip(
            np.flatnonzero(known).tolist(), gids[known].astype(np.int64).tolist(), strict=True
        ):
            self.id_index.setdefault(gid, row)
        self.isbn_index: dict[str, int] = {}
        for row, isbn in enumerate(catalog["isbn"].tolist()):
            key = _isbn_key(isbn)
            if key:
                self.isbn_index.setdefault(key, row)
        self._fuzzy_choices = [k or "" for k in self.title_keys]
        # The keys sorted by length: a title can only reach a ratio cutoff against keys of
        # nearby length, so a fuzzy search scans that slice, not the catalog (_fuzzy_hits).
        lengths = np.array([len(k) for k in self._fuzzy_choices], dtype=np.int64)
        self._by_length = np.argsort(lengths, kind="stable")
        self._sorted_lengths = lengths[self._by_length]
        self._sorted_choices = [self._fuzzy_choices[i] for i in self._by_length]
        log.info("matcher indexed %d catalog books", len(self.book_ids))

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> CatalogMatcher:
        """Index the warehouse's books table."""
        catalog = load_catalog(con)
        return cls(
            catalog,
            keys=catalog_keys(con, catalog),
            main_editions=main_editions(con),
            works=works_of_books(con),
            co_authors=co_authors(con),
        )

    def match(self, books: Sequence[ReaderBook]) -> list[Match]:
        """One Match per listed book, in the order given (module docstring: the steps)."""
        if not books:
            return []
        matches = [
            self._match_one(book, row) for book, row in zip(books, self.keys(books), strict=True)
        ]
        return self._authors_named(matches)

    def keys(self, books: Sequence[ReaderBook]) -> list[Keys]:
        """The Keys of each book: the catalog's where it writes the title and author the same
        way, the macros' (one query for all the others) where not."""
        known = []
        for book in books:
            title = self._title_keys_of.get(book.title)
            author = (None, None) if book.author is None else self._author_keys_of.get(book.author)
            known.append(None if title is None or author is None else Keys(*title, *author))
        missing = [i for i, k in enumerate(known) if k is None]
        if missing:
            fresh = key_maker().keys(
                [books[i].title for i in missing], [books[i].author for i in missing]
            )
            for i, k in zip(missing, fresh, strict=True):
                known[i] = k
        return known

    # -- the steps -------------------------------------------------------------------------

    def _relation(self, keys, row: int) -> AuthorRelation:
        """author_relation of the reader's author and the row's; an author the reader may have
        spelled another way (author_spelled_alike: "Tolkein", "Rowlings") is no evidence
        either way: "unknown", so every step may still take the book."""
        relation = self._named_relation(keys, row)
        if relation == "different" and self._spelled_alike(keys, row):
            return "unknown"
        return relation

    def _named_relation(self, keys, row: int) -> AuthorRelation:
        """author_relation to the book's first author, or "same" to another it credits (Jay
        Kristoff's "Illuminae", credited to Amie Kaufman first)."""
        relation = author_relation(
            keys.author_key,
            keys.author_surname,
            self.author_keys[row],
            self.surnames[row],
            self.config.same_author_min,
        )
        if relation == "different":
            cutoff = self.config.same_author_min
            for key, surname in self._co_authors.get(row, ()):
                if author_relation(keys.author_key, keys.author_surname, key, surname, cutoff) == (
                    "same"
                ):
                    return "same"
        return relation

    def _spelled_alike(self, keys, row: int) -> bool:
        return author_spelled_alike(
            keys.author_key, keys.author_surname, self.author_keys[row], self.surnames[row]
        )

    def _best(self, rows) -> int:
        return min(rows, key=lambda r: self.rank[r])

    def _candidate(self, row: int, score: float) -> Candidate:
        return Candidate(
            book_id=int(self.book_ids[row]),
            title=self.titles[row],
            author=self.authors[row],
            score=round(float(score), 1),
            avg_rating=self.avg[row],
            num_ratings=self.num[row],
        )

    def same_work(self, row: int) -> frozenset[int]:
        """Catalog rows that are the book at `row` again: another edition or title of it
        ("Philosopher's Stone" for "Sorcerer's Stone": same series and number), a split volume
        ("A Storm of Swords: Blood and Gold"), the title as another's subtitle ("The Sandman
        Vol. 1: Preludes & Nocturnes"), always by a compatible author."""
        found = self._same_work_of.get(row)
        if found is None:  # the catalog never changes: each row is worked out once
            found = self._same_work_of[row] = self._same_work(row)
        return found

    def same_work_ids(self, book_id: int) -> frozenset[int]:
        """same_work() of a catalog book, as book ids (none for a book not in the catalog):
        what a listed book's Match.related_ids holds, never suggested either."""
        found = self._same_work_ids_of.get(book_id)
        if found is None:  # kept per book: a batch run meets a book in many readers' histories
            row = self.row_of.get(book_id)
            same = () if row is None else self.same_work(row)
            found = self._same_work_ids_of[book_id] = frozenset(int(self.book_ids[r]) for r in same)
        return found

    def _same_work(self, row: int) -> frozenset[int]:
        """same_work() worked out (author checks over every candidate row)."""
        forms = self.forms[row]
        rows = {r for f in forms for r in self.form_index.get(f, [])}
        # a book sharing only the title before the subtitle, which the works tables put in
        # another work, is another book ("Batman: Hush", "Batman: The Long Halloween")
        rows = {
            r for r in rows if self.title_keys[r] == self.title_keys[row] or self._one_work(row, r)
        }
        rows |= {r for f in forms for r in self.subtitle_index.get(f, [])}
        if self.subtitle_keys[row]:
            rows |= set(self.exact_index.get(self.subtitle_keys[row], []))
        if self.series_keys[row]:
            rows |= set(self.series_index.get(self.series_keys[row], []))
        ak, sn = self.author_keys[row], self.surnames[row]
        return frozenset(
            r
            for r in rows
            if author_relation(
                ak, sn, self.author_keys[r], self.surnames[r], self.config.same_author_min
            )
            != "different"
        ) | {row}

    def _one_work(self, row: int, other: int) -> bool:
        """Whether the works tables leave the two rows one work (or do not know either)."""
        a, b = self._work[row], self._work[other]
        return a is None or b is None or a == b

    def _matched(
        self, book, method: str, score: float, row: int, related, note: str | None = None
    ) -> Match:
        rows = set(related) | self.same_work(row)
        main = self._main_edition_row.get(row)
        if main is not None:  # a title known from the rating files only: its described edition
            rows |= self.same_work(main)
            row = main
        return Match(
            book=book,
            status="matched",
            method=method,
            score=float(score),
            book_id=int(self.book_ids[row]),
            title=self.titles[row],
            author=self.authors[row],
            note=note,
            related_ids=tuple(sorted(int(self.book_ids[r]) for r in rows)),
        )

    def _most_read(
        self, book, rows: list[int], method: str = "most_read", score: float = 100.0
    ) -> Match | None:
        """Of books sharing the title typed without an author, the one whose Goodreads
        ratings are most_read_margin times every other's, a lone one read by as many
        (None: no clear favourite); a lone one known only from the rating files (no Goodreads
        count: "Slaughterhouse-Five, or The Children's Crusade: A Duty-Dance with Death", as
        readers here named it) is the book so titled."""
        if len(rows) == 1 and self.num[rows[0]] is None:
            return self._matched(book, method, score, rows[0], rows)
        by_count = sorted(rows, key=lambda r: -(self.num[r] or 0))
        top = self.num[by_count[0]] or 0
        runner = (self.num[by_count[1]] or 0) if len(by_count) > 1 else 0
        if top == 0 or top < self.config.most_read_margin * max(runner, 1):
            return None
        if len(rows) == 1:
            return self._matched(book, method, score, by_count[0], rows)
        others = "; ".join(
            f"{self.titles[r]} by {self.authors[r] or 'an unknown author'}" for r in by_count[1:4]
        )
        note = f"the most read of {len(rows)} books so titled (also {others}): give the author"
        note += " for another"
        return self._matched(book, method, score, by_count[0], rows, note)

    def _ambiguous(self, book, method: str, scored: list[tuple[int, float]], related) -> Match:
        scored = sorted(scored, key=lambda rs: (-rs[1], self.rank[rs[0]]))
        scored = scored[: self.config.max_candidates]
        rows = {r for r, _ in scored} | set(related)
        return Match(
            book=book,
            status="ambiguous",
            method=method,
            score=float(scored[0][1]),
            candidates=tuple(self._candidate(r, s) for r, s in scored),
            related_ids=tuple(sorted(int(self.book_ids[r]) for r in rows)),
        )

    def _match_one(self, book: ReaderBook, keys) -> Match:
        """_match_keys with the title as typed, then, if that found nothing sure, with a
        leading article dropped or added ("lord of the rings" is "The Lord of the Rings",
        "The Dune" is "Dune") or as a catalog title but for articles and numbers
        (_loose_forms), then as a series book named the way readers name them
        (_by_series_reading), then, if nothing came near, as words of one author's series
        names (_by_series_words), with its first word as initials (_by_initials) and as a
        title and its author in one text (_title_by_author): the first sure match, else the
        first answer."""
        return self._spelling_noted(self._match_forms(book, keys), keys)

    def _match_forms(self, book: ReaderBook, keys) -> Match:
        found = self._match_keys(book, keys)
        if found.status == "matched":
            return found
        for other in [*article_forms(keys), *self._loose_forms(keys)]:
            # the catalog-wide fuzzy scan tolerates a few letters already: not again (a book
            # the catalog lacks took 1 ms, with two more scans 3 ms)
            again = self._match_keys(book, other, fuzzy_title=False)
            if again.status == "matched":
                return again
        in_series = self._by_series_reading(book, keys)
        if in_series is not None:  # sure, where fuzzy titles only came near
            return in_series
        if found.status == "not_found":  # an ambiguous answer names its candidates already
            return (
                self._by_series_words(book, keys)
                or self._by_initials(book, keys)
                or self._title_by_author(book)
                or self._with_hint(found, keys)
            )
        return found

    def _with_hint(self, found: Match, keys) -> Match:
        """A book not found, with the closest catalog title named as a hint where one comes
        near: among its author's books (MatchConfig.hint_author_min), else over the catalog
        (hint_title_min) where they gave no author. Only a hint: too far for a match ("Dnue"
        could be another book), but a reader who typed "Gone Gril" learns what to type, as the
        page's search shows it. A title ending in a number of stars after a comma or dash
        ("Dune, 5", a number bookrec keeps in the title: it may be a series entry's) says how
        to type a rating instead."""
        stars = _STARS_AFTER.match(found.book.title)
        if stars:
            number = stars["stars"]  # the page has a rating of its own, the CLI "Title|5"
            return _noted(found, f"if {number} is your rating, give it apart from the title")
        scored: list[tuple[int, float]] = []
        if keys.author_surname and keys.title_key:
            rows = self._their_rows(keys)
            # an author misspelt too ("The Hobitt" by "Tolkein"): their books by a surname
            # spelled alike
            rows = rows or self._spelled_alike_rows(keys)
            scored = [
                (r, max(self._fuzzy_score(keys, r), self._fuzzy_score(keys, r, fuzz.ratio)))
                for r in rows
            ]
            scored = [(r, s) for r, s in scored if s >= self.config.hint_author_min]
        elif keys.title_key and found.book.author is None:
            # with an author given, a title of someone else's is a guess, not a hint ("The
            # Croning" by Laird Barron came near "The Drowning")
            scored = self._fuzzy_hits(keys.title_key, self.config.hint_title_min, 20)
        if not scored:
            return found
        row = min(scored, key=lambda rs: (-rs[1], self.rank[rs[0]]))[0]
        by = f" by {self.authors[row]}" if self.authors[row] else ""
        # the book hinted at is likely the reader's: never suggested back to them, as an
        # ambiguous book's candidates ("Count of Monte Christo" came back as #2)
        related = {*found.related_ids, *(int(self.book_ids[r]) for r in self.same_work(row))}
        hinted = found.model_copy(update={"related_ids": tuple(sorted(related))})
        return _noted(hinted, f"did you mean “{self.titles[row]}”{by}?")

    def _spelled_alike_rows(self, keys) -> list[int]:
        """The books of the authors whose names the reader may have spelled so (surnames one
        edit apart: authors.author_spelled_alike), for a hint."""
        near = process.extract(
            keys.author_surname,
            self._surnames,
            scorer=OSA.distance,
            score_cutoff=1,
            limit=None,
        )
        return [
            r
            for surname, _, _ in near
            for r in self.surname_index[surname]
            if author_spelled_alike(
                keys.author_key, keys.author_surname, self.author_keys[r], surname
            )
        ]

    @functools.cached_property
    def _surnames(self) -> list[str]:
        """Every surname of the catalog's authors, built on first use."""
        return list(self.surname_index)

    def _by_initials(self, book: ReaderBook, keys) -> Match | None:
        """The title with its first word read as the initials of a series or a title of two
        words or more ("lotr", "asoiaf", "hp and the chamber of secrets", "hp 3"):
        the most read name so abbreviated, where it is read 10x more than any other, then
        matched as typed or with a leading article; a note says how it was read."""
        words = (keys.title_key or "").split()
        if not words:
            return None
        first, rest = words[0], words[1:]
        if not first.isalpha() or len(first) > 8:
            return None
        if len(first) < (MIN_INITIALS_BEFORE_MORE if rest else MIN_INITIALS_ALONE):
            return None
        name = self._initials.get(first)
        if name is None:
            return None
        title = " ".join([name, *rest])
        read = with_titles(keys, lambda _: title)
        for form in (read, *article_forms(read)):
            found = self._match_keys(book, form, fuzzy_title=False)
            if found.status == "matched":
                return _noted(found, f"“{book.title}” read as “{title}”")
        return None

    @functools.cached_property
    def _initials(self) -> dict[str, str]:
        """Initials -> the series name or title key of two words or more they abbreviate,
        with and without a leading article, where one such name is read 10x more than each
        other one (its most read book's Goodreads count); built on first use. A name with and
        without its leading article is one name ("hgttg": the series "hitchhikers guide to the
        galaxy" and the title "the hitchhikers guide to the galaxy" are one book's)."""
        reach: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
        names = [(key.rpartition(" #")[0], rows) for key, rows in self.series_index.items()]
        names += [(key, rows) for key, rows in self.exact_index.items()]
        for name, rows in names:
            words = name.split()
            if len(words) < 2 or not all(w[0].isalpha() for w in words):
                continue
            read = max((self.num[r] or 0 for r in rows), default=0)
            bare = words[1:] if words[0] in ARTICLES else words
            same = " ".join(bare)
            for kept in {tuple(words), tuple(bare)}:
                initials = "".join(w[0] for w in kept)
                known = reach[initials].get(same)
                if known is None or (read, name) > known:
                    reach[initials][same] = (read, name)
        out = {}
        for initials, forms in reach.items():
            best = sorted(forms.values(), key=lambda item: (-item[0], item[1]))
            if best[0][0] > 0 and (len(best) == 1 or best[0][0] >= 10 * best[1][0]):
                out[initials] = best[0][1]
        return out

    def _loose_forms(self, keys) -> list[Keys]:
        """The reader's keys with each catalog title that is theirs but for articles anywhere
        in it and for numbers in words or digits ("catcher in rye", "lord of rings": readers on
        a phone drop articles; "100 years of solitude", "the 4 agreements", "20000 leagues
        under the sea"), at most _LOOSE_TITLES of them; none where no title is so."""
        if not keys.title_key:
            return []
        titles = self._titles_by_loose_key.get(loose_key(keys.title_key), set())
        titles = sorted(titles - {keys.title_key})
        if len(titles) > _LOOSE_TITLES:
            return []
        return [keys._replace(title_key=title) for title in titles]

    @functools.cached_property
    def _titles_by_loose_key(self) -> dict[str, set[str]]:
        """A title key without its articles and with its numbers in digits (loose_key) ->
        the catalog title keys (and main titles, before a subtitle) it stands for, built on
        first use."""
        titles: dict[str, set[str]] = defaultdict(set)
        for key in {*self.title_keys, *self.main_keys} - {None}:
            titles[loose_key(key)].add(key)
        return dict(titles)

    def _spelling_noted(self, found: Match, keys) -> Match:
        """The match, with a note where the book's author is not the reader's as written but
        the reader's spelling of it ("Rowlings read as J.K. Rowling")."""
        if found.status != "matched" or not keys.author_key or found.book_id is None:
            return found
        row = self.row_of[found.book_id]
        if self._named_relation(keys, row) != "different":
            return found
        return _noted(found, f"{found.book.author} read as {self.authors[row]}")

    @functools.cached_property
    def row_of(self) -> dict[int, int]:
        """book_id -> its catalog row (the rows of every per-book list here), built on first
        use."""
        return {int(b): r for r, b in enumerate(self.book_ids)}

    def _authors_named(self, matches: list[Match]) -> list[Match]:
        """The matches, a "title" not found that is an author's name ("Stephen King") with a
        note naming their most read books here, the titles the reader may have meant (the
        names keyed in one query for all such books). A name that found a book only as the
        part of its title before a subtitle ("J.K. Rowling" -> "J. K. Rowling: The Wizard
        Behind Harry Potter", "Jane Austen: The World of Her Novels") is the author too, and a
        surname alone or with more of the name where it found nothing or more than one book
        ("Tolkien", "Conan Doyle": _name_ends). So is a name typed as both title and author
        ("J.K. Rowling|J.K. Rowling" found that biography and rated it), and a title not found
        that is a name where the author field holds one of that author's titles: the two
        swapped, read so ("Frank Herbert|Dune|5" is Dune at 5 stars, with a note; "Dickens|Peter
        Ackroyd" is a biography not here). A
        title with a comma is a name only as "Surname, Given names" ("Tolkien, J.R.R.";
        "Love, Hate & Other Filters" is no book of Zack Love's)."""
        lost = [
            i
            for i, m in enumerate(matches)
            if m.status == "not_found"
            or (m.score < 95.0 and (m.method == "main_title" or m.status == "ambiguous"))
        ]
        if not lost:
            return matches
        # each title and each author given keyed as authors' names, and each author given
        # as a title (the two swapped), in one query
        n = len(lost)
        titles = [matches[i].book.title for i in lost]
        authors = [matches[i].book.author for i in lost]
        keyed = key_maker().keys([None] * 2 * n + authors, titles + authors + [None] * n)
        as_author = dict(zip(lost, keyed[:n], strict=True))
        given = dict(zip(lost, keyed[n : 2 * n], strict=True))
        as_title = dict(zip(lost, keyed[2 * n :], strict=True))
        swapped = {
            i
            for i in lost
            if matches[i].book.author
            and _may_be_a_name(matches[i].book.title)
            and self._swapped(as_author[i], as_title[i])
        }
        for i in swapped:
            matches[i] = self._read_swapped(matches[i])
        lost = [
            i
            for i in lost
            if _may_be_a_name(matches[i].book.title)
            and (
                not matches[i].book.author
                or (as_author[i].author_key and as_author[i].author_key == given[i].author_key)
                or (i in swapped and matches[i].status == "not_found")
            )
        ]
        for i, key in ((i, as_author[i]) for i in lost):
            match = matches[i]
            rows = self._author_rows(key, by_name_end=match.status != "matched")
            if rows and (match.status != "ambiguous" or self._read_more_than(rows, match)):
                rows = sorted(rows, key=lambda r: self.rank[r])
                # editions and translations share a title: each named once
                titles = ", ".join(list(dict.fromkeys(named(self.titles[r]) for r in rows))[:3])
                author = self.authors[rows[0]]
                note = f"{author} is an author: give a title of theirs, e.g. {titles}"
                matches[i] = Match(book=matches[i].book, status="not_found", note=note)
        return matches

    def _read_swapped(self, found: Match) -> Match:
        """The book of a reader who typed its author where the title goes and the title where
        the author goes, matched the other way round (the rating theirs), with a note; as it
        was where that finds nothing sure."""
        book = found.book
        turned = dataclasses.replace(book, title=book.author, author=book.title)
        match = self._match_one(turned, self.keys([turned])[0])
        if match.status != "matched":
            return found
        note = f"read as “{turned.title}” by {turned.author}: title and author swapped"
        return _noted(match.model_copy(update={"book": book}), note)

    def _swapped(self, title_as_author, author_as_title) -> bool:
        """Whether a typed title names an author (whole, or by the end of their name:
        _name_ends) and the typed author one of their titles: "Frank Herbert|Dune"."""
        rows = self._author_rows(title_as_author)
        titled = self.exact_index.get(author_as_title.title_key or "", [])
        return bool(set(rows) & set(titled))

    def _author_rows(self, key, by_name_end: bool = True) -> list[int]:
        """The books of the author a typed name keys to: whole, else (by_name_end) by the end
        of their name (_name_ends: "Tolkien", "Conan Doyle")."""
        rows = self._rows_by_author.get(key.author_key or "", [])
        return rows or (self._name_ends(key) if by_name_end else [])

    def _read_more_than(self, rows: list[int], ambiguous: Match) -> bool:
        """Whether the author's most read book has more Goodreads ratings than each book an
        ambiguous match offers ("Tolkien" is J.R.R. Tolkien, not one of two books about him)."""
        most = max(self.num[r] or 0 for r in rows)
        return all(
            most > (self.num[self.row_of[c.book_id]] or 0)
            for c in ambiguous.candidates
            if c.book_id in self.row_of
        )

    def _name_ends(self, key) -> list[int]:
        """The books of the most read author whose name ends as this one: a surname alone, or
        with more of the name ("Tolkien" is J.R.R. Tolkien, "Conan Doyle" Arthur Conan Doyle;
        "Wells" H.G. Wells, the Wells of the most ratings over all their books)."""
        typed = key.author_key or ""
        rows = [
            r
            for r in self.surname_index.get(key.author_surname or "", [])
            if typed and self.author_keys[r].endswith(typed)
        ]
        if not rows:
            return []
        read: dict[str, int] = defaultdict(int)  # each author's ratings, all books together
        for r in rows:
            read[self.author_keys[r]] += self.num[r] or 0
        best = max(read, key=lambda author: (read[author], author))
        return [r for r in rows if self.author_keys[r] == best]

    @functools.cached_property
    def _rows_by_author(self) -> dict[str, list[int]]:
        """author_key -> the rows of that author's books, built on first use."""
        rows: dict[str, list[int]] = defaultdict(list)
        for row, key in enumerate(self.author_keys):
            if key:
                rows[key].append(row)
        return rows

    def _title_by_author(self, book: ReaderBook) -> Match | None:
        """A title without an author, typed as "Dune by Frank Herbert", "1984 - George
        Orwell" or "Dune, Frank Herbert": matched as that title by that author (a sure match
        only; a note says how it was read). The last " by " splits, so "Death by Chocolate
        by Joanne Fluke" is Fluke's "Death by Chocolate"; a catalog title holding " by "
        matched before this.
        Around a dash the author may come first too, where the book so found is theirs
        ("Tolkien - The Hobbit", as a file of one's books often names them, was not found;
        "J.R.R. Tolkien - The Hobbit" was "J.R.R. Tolkien: Author of the Century" by "The
        Hobbit"), or a series may come before one of its books ("Harry Potter - Goblet of
        Fire", read as "Harry Potter: Goblet of Fire", _by_series_reading). Where no " by "
        or dash splits it, the last comma does, as a dash but for a book of the author so
        read only: "Love, Hate & Other Filters" is no book "Love", and an author written
        "Herbert, Frank" after a dash or " by " stays whole. A book by the author so read
        wins, then a series' book, then what the first reading found."""
        if book.author is not None:
            return None
        split = _TITLE_BY_AUTHOR.match(book.title)
        comma = split is None
        if comma:
            split = _TITLE_COMMA_AUTHOR.match(book.title)
        if split is None:
            return None
        first, second = split["title"].strip(), split["author"].strip()
        dash = comma or split["separator"].lower() != "by"
        readings = [(first, second), (second, first)] if dash else [(first, second)]
        # the readings and, around a dash, "series: book", keyed in one query (a spelling the
        # catalog lacks runs the macros)
        texts = [*readings, (f"{first}: {second}", None)] if dash else readings
        keyed = key_maker().keys([t for t, _ in texts], [a for _, a in texts])
        found: list[tuple[int, Match]] = []
        for (title, author), keys in zip(readings, keyed[: len(readings)], strict=True):
            match = self._match_keys(book, keys)
            if match.status != "matched":
                continue
            by_them = self._relation(keys, self.row_of[match.book_id]) == "same"
            # the author first, or a comma: only a book of theirs
            if by_them or (title == first and not comma):
                found.append((0 if by_them else 2, _noted(match, f"read as “{title}” by {author}")))
        entry = self._by_series_reading(book, keyed[-1]) if dash else None
        if entry is not None:  # its note says how the title was read
            found.append((1, entry))
        return min(found, key=lambda f: f[0])[1] if found else None

    def _match_keys(self, book: ReaderBook, keys, fuzzy_title: bool = True) -> Match:
        """The steps of the module docstring for one set of keys (fuzzy_title: with the
        catalog-wide fuzzy title step, the costliest)."""
        exact_rows = self.exact_index.get(keys.title_key, []) if keys.title_key else []
        relations = {r: self._relation(keys, r) for r in exact_rows}
        exact = [r for r in exact_rows if relations[r] != "different"]

        found = self._by_ids(book, keys)
        if found is not None:
            return self._matched(book, found[0], 100.0, found[1], exact)

        if exact:
            same = [r for r in exact if relations[r] == "same"]
            if same:
                return self._matched(book, "exact", 100.0, self._best(same), exact)
            # the title exactly, by an author the reader spelled another way ("Tolkein")
            spelled = [r for r in exact if self._named_relation(keys, r) == "different"]
            if spelled:
                return self._matched(book, "author_spelling", 95.0, self._best(spelled), exact)
            # by nobody known, while the author given wrote a book so titled before its
            # subtitle: theirs (step 2 of the module docstring: "Trust" by Cristiane Serruya)
            theirs = [r for r in self._form_rows(keys) if self._relation(keys, r) == "same"]
            if theirs:
                return self._matched(book, "main_title", 95.0, self._best(theirs), theirs)
            if len(exact) == 1:
                # by nobody known, while the author given wrote a book spelled nearly so:
                # theirs ("The Colour of Magic" by Terry Pratchett is his "The Color of Magic",
                # not the rating files' authorless title)
                near = self._by_author_fuzzy(book, keys) if keys.author_key else None
                if (
                    near is not None
                    and near.status == "matched"
                    and near.score >= self.config.fuzzy_title_sure
                ):
                    return near
                if not (keys.author_key or keys.series_key) and self.num[exact[0]] is not None:
                    # with no author, a book titled so before its subtitle that is far more
                    # read: "Blink" is Gladwell's "Blink: The Power of Thinking Without
                    # Thinking" (570k ratings), not Ted Dekker's "Blink" (12k), with a note
                    # (not where the exact one is known only from the rating files, read here,
                    # nor where the reader typed its series note: "Bad Blood (Virgil Flowers, #4)")
                    rivals = [
                        r
                        for r in self.form_index.get(keys.title_key, [])
                        if r not in exact and not self._other_volume(keys, r)
                    ]
                    most = self._most_read(book, exact + rivals) if rivals else None
                    if most is not None and most.book_id != int(self.book_ids[exact[0]]):
                        return most
                return self._matched(book, "exact", 100.0, exact[0], exact)
            most_read = None if keys.author_key else self._most_read(book, exact)
            return most_read or self._ambiguous(book, "exact", [(r, 100.0) for r in exact], exact)

        result = self._by_series_name(book, keys)
        if result is None:
            result = self._by_forms(book, keys)
        if result is None:
            result = self._by_author_fuzzy(book, keys)
        if result is None and fuzzy_title:
            result = self._by_title_fuzzy(book, keys)
        if result is not None:
            return result
        others = [r for r in exact_rows if relations[r] == "different"]
        note = None
        if others:
            names = "; ".join(f"{self.titles[r]} by {self.authors[r]}" for r in others[:3])
            note = f"same title by another author in the catalog: {names}"
        return Match(book=book, status="not_found", note=note)

    def _by_ids(self, book: ReaderBook, keys) -> tuple[str, int] | None:
        hits = []
        if book.goodreads_id is not None and book.goodreads_id in self.id_index:
            hits.append(("goodreads_id", self.id_index[book.goodreads_id]))
        for isbn in book.isbns:
            key = _isbn_key(isbn)
            if key in self.isbn_index:
                hits.append(("isbn", self.isbn_index[key]))
        for method, row in hits:
            # An id is trusted unless the author plainly disagrees (a merge gone wrong).
            if self._relation(keys, row) != "different":
                return method, row
        return None

    def _by_series_name(self, book: ReaderBook, keys) -> Match | None:
        """A title that is a series' name ("harry potter", "the wheel of time"): its first
        book; with an entry's number after it ("harry potter 3", "dune book 2"), that entry
        (_series_entry). Before this, "harry potter" was ambiguous between "Harry Potter:
        Film Wizardry" and two other companions whose titles start so."""
        if not keys.title_key:
            return None
        if self._titled_volume(keys):
            return None
        name, number = series_number(keys.title_key)
        rows = self.series_index.get(f"{name} #{number}", [])
        return self._series_entry(book, keys, rows, number)

    def _titled_volume(self, keys) -> bool:
        """Whether the reader typed a volume that a catalog book is titled before its
        subtitle, as typed or but for articles, numbers and "vol" / "volume" (_loose_forms):
        that book, not a series' entry ("The Walking Dead, Volume 1" is "The Walking Dead, Vol.
        01: Days Gone Bye", not the series' #1, the novel "Rise of the Governor")."""
        if not volume_numbers(keys.title_key):
            return False
        return any(
            self.main_keys[r] == form.title_key
            for form in (keys, *self._loose_forms(keys))
            for r in self._form_rows(form)
        )

    def _by_series_reading(self, book: ReaderBook, keys) -> Match | None:
        """The title read as a series book named the way readers name them, as typed or with
        its leading article dropped or added, once no catalog title matched it as such (so
        "Trust No 1" is still "Trust No One", "The Prisoner's Dilemma" the book so titled): a
        series before one of its books ("The Hunger Games: Catching Fire"), a book without its
        series' name in front ("Goblet of Fire"), a first book with another entry's number
        ("Game of Thrones 2")."""
        for form in (keys, *article_forms(keys)):
            found = (
                self._by_series_and_entry(book, form)
                or self._by_title_after_series(book, form)
                or self._by_first_book_numbered(book, form)
            )
            if found is not None:
                return found
        return None

    def _series_named(self, keys, name: str) -> list[str]:
        """The series a typed name may stand for, in this order: a series so named (with its
        leading article dropped or added), then the series of the most read first entry so
        titled ("game of thrones": "a song of ice and fire"; "red rising": "red rising saga",
        where one entry's "Red Rising, #3" makes "red rising" a series name too)."""
        forms = [name, *(k.title_key for k in article_forms(keys._replace(title_key=name)))]
        named = [form for form in forms if form in self._series_names]
        firsts = [
            r
            for form in forms
            for r in self.form_index.get(form, [])
            # titled so as a whole: "Batman: League of Batmen" is no first entry called "batman"
            if form in (self.title_keys[r], self.bare_keys[r])
            and (self.series_keys[r] or "").endswith(" #1")
            and self._relation(keys, r) != "different"
        ]
        if firsts:
            named.append(self.series_keys[self._best(firsts)].rpartition(" #")[0])
        return list(dict.fromkeys(named))

    @functools.cached_property
    def _series_names(self) -> frozenset[str]:
        """Every series name of the catalog (series keys without their " #n"), built on first
        use."""
        return frozenset(key.rpartition(" #")[0] for key in self.series_index)

    def _by_first_book_numbered(self, book: ReaderBook, keys) -> Match | None:
        """A series' first book named with another entry's number ("game of thrones 2" is "A
        Clash of Kings", "red rising 2" "Golden Son", "eragon 2" "Eldest"; each was not found
        or ambiguous): that entry of its series (_series_named, _series_entry)."""
        typed = keys.title_key or ""
        name, number = series_number(typed)
        if name == typed:
            return None
        for series in self._series_named(keys, name):
            found = self._series_entry(
                book, keys, self.series_index.get(f"{series} #{number}", []), number
            )
            if found is not None:
                return found
        return None

    def _by_series_and_entry(self, book: ReaderBook, keys) -> Match | None:
        """A title typed as a series and one of its books, "The Hunger Games: Catching Fire"
        (was ambiguous between The Hunger Games and its film companion): the entry of that
        series (_series_named) so titled, by an author compatible with the reader's (score 95,
        method "series_title", with a note)."""
        if not (keys.main_title_key and keys.subtitle_key):
            return None
        wanted = {
            keys.subtitle_key,
            *(k.title_key for k in article_forms(keys._replace(title_key=keys.subtitle_key))),
        }
        for series in self._series_named(keys, keys.main_title_key):
            rows = [
                r
                for form in wanted
                for r in [*self.form_index.get(form, []), *self._titles_after_series.get(form, [])]
                if (self.series_keys[r] or "").rpartition(" #")[0] == series
                and self._relation(keys, r) != "different"
            ]
            if rows:
                row = self._best(rows)
                note = f"“{book.title}” read as “{self.titles[row]}”"
                return self._matched(book, "series_title", 95.0, row, rows, note)
        return None

    def _by_title_after_series(self, book: ReaderBook, keys) -> Match | None:
        """A series book typed without its series' name in front: "Goblet of Fire" or "The
        Prisoner of Azkaban" for "Harry Potter and the Prisoner of Azkaban", as readers name
        those books (both were not found, with the author too). The books titled "<their
        series' name> and the <typed>" (_titles_after_series) by an author compatible with
        the reader's: the reader's author's, else the clear favourite (_most_read) of those
        read widely enough that readers name them so (MatchConfig.series_title_min_ratings);
        a note says how the title was read."""
        rows = self._titles_after_series.get(keys.title_key or "", [])
        rows = [r for r in rows if self._relation(keys, r) != "different"]
        if not rows:
            return None
        same = [r for r in rows if self._relation(keys, r) == "same"]
        widely_read = [
            r for r in rows if (self.num[r] or 0) >= self.config.series_title_min_ratings
        ]
        found = (
            self._matched(book, "series_title", 90.0, self._best(same), same)
            if same
            else widely_read and self._most_read(book, widely_read, "series_title", 90.0)
        )
        if not found:
            return None
        return _noted(found, f"“{book.title}” read as “{found.title}”")

    @functools.cached_property
    def _titles_after_series(self) -> dict[str, list[int]]:
        """What a series book's title (or its title before a subtitle) says after "<its
        series' name> and the ", two words or more ("goblet of fire", "cursed child") -> the
        rows so titled; built on first use. Only "and the": "Foundation and Empire" is no
        book called "Empire"."""
        rows_of: dict[str, list[int]] = defaultdict(list)
        for row, series in enumerate(self.series_keys):
            name = series.rpartition(" #")[0] if series else ""
            if not name:
                continue
            lead = f"{name} and the "
            for title in {self.title_keys[row], self.main_keys[row]} - {None}:
                rest = title[len(lead) :] if title.startswith(lead) else ""
                if len(rest.split()) >= 2:
                    rows_of[rest].append(row)
        return dict(rows_of)

    def _by_series_words(self, book: ReaderBook, keys) -> Match | None:
        """The last try: a title whose words are in the names of one author's series only
        ("percy jackson": "Percy Jackson and the Olympians" and a crossover, both Rick
        Riordan's), their first book, or the entry its number names (_series_entry). Words in
        several authors' series names ("harry": Potter, Bosch, Hole) name none."""
        if not keys.title_key:
            return None
        words, number = series_number(keys.title_key)
        rows = [
            r
            for name in self._one_authors_series(words)
            for r in self.series_index.get(f"{name} #{number}", [])
        ]
        return self._series_entry(book, keys, rows, number)

    def _series_entry(self, book: ReaderBook, keys, rows: list[int], number: str) -> Match | None:
        """Of these entries (#number) by an author compatible with the reader's, the most read
        (score 95, method "series_first" for #1, else "series_entry"); None: no such entry."""
        rows = [r for r in rows if self._relation(keys, r) != "different"]
        if not rows:
            return None
        which, method = (
            ("its first book", "series_first")
            if number == "1"
            else (f"its book {number}", "series_entry")
        )
        note = f"“{book.title}” read as a series: {which}; type a title for another of it"
        return self._matched(book, method, 95.0, self._best(rows), [], note)

    def _one_authors_series(self, words: str) -> list[str]:
        """The names of every series that holds these words as at least half of its own name
        ("narnia" of "chronicles of narnia", not "gate" of "the death gate cycle"), where one
        author (of those known) wrote their first entries; none otherwise."""
        firsts, names_with = self._series_firsts
        names = set.intersection(*(names_with.get(w, set()) for w in words.split()))
        padded = f" {words} "
        names = [
            name
            for name in names
            if padded in f" {name} " and 2 * len(content_words(words)) >= len(content_words(name))
        ]
        authors = {self.author_keys[r] for name in names for r in firsts[name]} - {None, ""}
        return names if len(authors) == 1 else []

    @functools.cached_property
    def _series_firsts(self) -> tuple[dict[str, list[int]], dict[str, set[str]]]:
        """(series name -> the rows of its #1 entries, word -> the names holding it), built
        on first use."""
        firsts: dict[str, list[int]] = defaultdict(list)
        for key, rows in self.series_index.items():
            name, _, number = key.rpartition(" #")
            if number == "1":
                firsts[name].extend(rows)
        names_with: dict[str, set[str]] = defaultdict(set)
        for name in firsts:
            for word in name.split():
                names_with[word].add(name)
        return dict(firsts), dict(names_with)

    def _form_rows(self, keys) -> list[int]:
        """The rows any of the reader's title forms (full, before the subtitle, without a
        trailing note) names, by an author not plainly another's, and not plainly another
        volume."""
        reader_forms = {k for k in (keys.title_key, keys.main_title_key, keys.bare_title_key) if k}
        rows = sorted({r for f in reader_forms for r in self.form_index.get(f, [])})
        return [
            r
            for r in rows
            if self._relation(keys, r) != "different" and not self._other_volume(keys, r)
        ]

    def _by_forms(self, book: ReaderBook, keys) -> Match | None:
        rows = self._form_rows(keys)
        if not rows:
            return None
        same = [r for r in rows if self._relation(keys, r) == "same"]
        if same:
            return self._matched(book, "main_title", 95.0, self._best(same), same)
        # Author unknown: only a trailing "(...)" note may differ, never a subtitle.
        bare = {keys.title_key, keys.bare_title_key} - {None}
        noted = [
            r for r in rows if self.title_keys[r] in bare or self.bare_keys[r] == keys.title_key
        ]
        if len(noted) == 1:
            return self._matched(book, "main_title", 90.0, noted[0], noted)
        # The title before a subtitle, typed alone ("Sapiens" for "Sapiens: A Brief History
        # of Humankind", as readers name most non-fiction): the clear favourite so titled.
        before_subtitle = [r for r in rows if self.main_keys[r] == keys.title_key]
        if before_subtitle:
            found = self._most_read(book, before_subtitle, "main_title", 90.0)
            if found is not None:
                return found
        return self._ambiguous(book, "main_title", [(r, 90.0) for r in rows], [])

    def _other_volume(self, keys, row: int) -> bool:
        """Whether the row is plainly another volume of what the reader typed: both titles
        number a volume, and no number is shared ("... Volume 3" is not "... Volume II A",
        however close the words)."""
        typed = volume_numbers(keys.title_key)
        if not typed:
            return False
        theirs = volume_numbers(self.title_keys[row])
        return bool(theirs) and typed.isdisjoint(theirs)

    def _fuzzy_score(self, keys, row: int, scorer=fuzz.token_sort_ratio) -> float:
        """The best `scorer` ratio of the reader's title forms to the catalog row's (the hint
        also takes fuzz.ratio: a typo across words, "gone gril", sorts its words apart)."""
        reader = [k for k in (keys.title_key, keys.bare_title_key) if k]
        catalog = list(self.forms[row])
        if not reader or not catalog:
            return 0.0
        return max(scorer(a, b) for a in reader for b in catalog)

    def _by_author_fuzzy(self, book: ReaderBook, keys) -> Match | None:
        if not keys.author_surname or not keys.title_key:
            return None
        rows = self._their_rows(keys)
        scored = [(r, self._fuzzy_score(keys, r)) for r in rows if not self._other_volume(keys, r)]
        scored = [(r, s) for r, s in scored if s >= self.config.fuzzy_author_min]
        if not scored:
            return None
        scored.sort(key=lambda rs: (-rs[1], self.rank[rs[0]]))
        best_row, best = scored[0]
        rivals = [
            (r, s)
            for r, s in scored[1:]
            if best - s < self.config.fuzzy_margin
            and self.title_keys[r] != self.title_keys[best_row]
        ]
        if rivals:
            return self._ambiguous(book, "fuzzy_author", scored, [])
        return self._matched(book, "fuzzy_author", best, best_row, [])

    def _their_rows(self, keys) -> list[int]:
        """The catalog rows of the author the reader named (none without a surname)."""
        return [
            r
            for r in self.surname_index.get(keys.author_surname, [])
            if self._relation(keys, r) == "same"
        ]

    def _fuzzy_hits(self, key: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """(row, fuzz.ratio) of the catalog keys scoring at least `cutoff`, best first (ties
        in catalog order), at most `limit`: process.extract over the whole catalog, scanning
        only keys whose length can reach the cutoff. fuzz.ratio is 100 (1 - d / (a + b)) with
        an edit distance d >= |a - b|, so it needs |a - b| <= (1 - cutoff/100) (a + b)."""
        slack = 1.0 - cutoff / 100.0
        n = len(key)
        low = int(np.floor(n * (1.0 - slack) / (1.0 + slack))) - 1  # one wider: float safety
        high = int(np.ceil(n * (1.0 + slack) / max(1.0 - slack, 1e-9))) + 1
        start = int(np.searchsorted(self._sorted_lengths, low, side="left"))
        stop = int(np.searchsorted(self._sorted_lengths, high, side="right"))
        found = process.extract(
            key, self._sorted_choices[start:stop], scorer=fuzz.ratio, score_cutoff=cutoff,
            limit=None,
        )  # fmt: skip
        rows = [(int(self._by_length[start + i]), s) for _, s, i in found]
        rows.sort(key=lambda rs: (-rs[1], rs[0]))
        return rows[:limit]

    def _by_title_fuzzy(self, book: ReaderBook, keys) -> Match | None:
        if not keys.title_key:
            return None
        if self._their_rows(keys):
            # the catalog has the author named, whose books _by_author_fuzzy searched: a title
            # near a book of nobody known or of another author is another book ("Alice in
            # Wonderland" by Lewis Carroll was offered only "Malice in Wonderland"); not
            # found, a hint names the author's nearest title
            return None
        # A title alone is weaker evidence when the reader named an author the catalog lacks.
        cutoff = (
            self.config.fuzzy_title_min if book.author is None else self.config.fuzzy_title_sure
        )
        hits = self._fuzzy_hits(keys.title_key, cutoff, 4 * self.config.max_candidates)
        scored = [
            (i, s)
            for i, s in hits
            if self._relation(keys, i) != "different" and not self._other_volume(keys, i)
        ]
        if not scored:
            return None
        scored.sort(key=lambda rs: (-rs[1], self.rank[rs[0]]))
        best_row, best = scored[0]
        clear = all(best - s >= self.config.fuzzy_margin for _, s in scored[1:])
        if (
            book.author is None
            and best >= self.config.fuzzy_title_sure
            and clear
            and self.has_average[best_row]
        ):
            return self._matched(book, "fuzzy_title", best, best_row, [])
        return self._ambiguous(book, "fuzzy_title", scored, [])


# Initials typed alone ("lotr", "asoiaf") have at least 4 letters, before more of the title
# ("hp and the chamber of secrets", "hp 3") at least 2: a shorter word typed alone is more
# often a title of its own ("abc" read as "American Born Chinese" was a guess).
MIN_INITIALS_ALONE = 4
MIN_INITIALS_BEFORE_MORE = 2

# More catalog titles than this that are the reader's but for articles and numbers: too loose
# a title to pick from (each is tried as typed; the first that matches wins).
_LOOSE_TITLES = 3


# "Dune by Frank Herbert", "1984 - George Orwell": a title and its author in one text (greedy:
# the last separator splits)
_TITLE_BY_AUTHOR = re.compile(
    r"^(?P<title>.+)\s+(?P<separator>by|-|–|—)\s+(?P<author>\S.*)$", re.IGNORECASE
)
# ... and, where neither splits it, the last comma ("Dune, Frank Herbert")
_TITLE_COMMA_AUTHOR = re.compile(r"^(?P<title>.+),\s+(?P<author>\S.*)$")


# A title ending in a whole number of stars after a comma or a dash ("Dune, 5", "Dune - 5")
_STARS_AFTER = re.compile(r"^.+?\s*(?:[,;]\s*|\s[-–—]\s*)(?P<stars>[1-5])$")
# What may follow the comma of a name written "Surname, Given names": up to three capitalised
# words or initials ("Tolkien, J.R.R.", "Doyle, Arthur Conan")
_GIVEN_NAMES = re.compile(r"^[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2}$")


def _may_be_a_name(title: str) -> bool:
    """Whether a typed title may be an author's name: without a comma, or as "Surname, Given
    names" (the author keys read a comma so)."""
    _, comma, after = title.partition(",")
    return not comma or bool(_GIVEN_NAMES.match(after.strip()))


def _noted(match: Match, note: str) -> Match:
    """The match with one more note after its own."""
    return match.model_copy(update={"note": f"{match.note}; {note}" if match.note else note})


def summarize(matches: Sequence[Match]) -> dict[str, int]:
    """Counts by status and, for matches, by method; "not_found_to_read": the books not found
    that are on a to-read shelf (counted in "not_found" too), which change nothing: they could
    not have been suggested anyway."""
    counts: dict[str, int] = defaultdict(int)
    for m in matches:
        counts[m.status] += 1
        if m.status == "matched":
            counts[f"matched_{m.method}"] += 1
        elif m.status == "not_found" and m.book.wanted:
            counts["not_found_to_read"] += 1
    return dict(counts)


__all__ = [
    "Candidate",
    "CatalogMatcher",
    "Match",
    "load_catalog",
    "summarize",
]
