"""What the web page and the JSON API do, without HTTP: load the warehouse, search, recommend.

The warehouse is opened read-only once, everything the Recommender and the search need is
loaded into memory, and the file is closed again (so a flow may rebuild it meanwhile). When it
cannot be loaded (missing, not built, locked by a writer) the service keeps the reason, which
names the flow to run, and tries again once the file has changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bookrec.config import RecommendConfig, WebConfig, check_top
from bookrec.errors import BookrecError, DataError
from bookrec.serving.reader_input import ReaderBook, parse_books_csv
from bookrec.serving.recommender import Recommender
from bookrec.serving.results import Match, Recommendations
from bookrec.serving.web.search import SearchIndex, Suggestion
from bookrec.warehouse.connection import connect

log = logging.getLogger(__name__)

BUILD_HINT = (
    "`make all` (or `python -m flows.full`) builds everything the page needs "
    "(prepare_data, embed, then lists)"
)


class NotReady(BookrecError):
    """The warehouse could not be loaded; the message says why and which flow to run."""


@dataclass(frozen=True)
class ListedBook:
    """One book of the reader's list as the page sends it: a catalog id, or a title to match."""

    book_id: int | None = None
    title: str | None = None
    author: str | None = None
    rating: float | None = None
    shelf: str | None = None  # "to-read" / "currently-reading": excluded, never history


@dataclass(frozen=True)
class Loaded:
    """What one read of the warehouse gives: the Recommender (with its matcher and each
    book's genres, for the reasons) and the search index."""

    recommender: Recommender
    search: SearchIndex

    def matcher_row(self, book_id: int | None) -> int | None:
        """The matcher's row of a catalog book_id (None when unknown)."""
        return None if book_id is None else self.recommender.matcher.row_of.get(book_id)


class ReaderService:
    """The loaded warehouse and the three things a reader does: search, recommend, import.

    Args:
        warehouse: the DuckDB file, opened read-only.
        config: limits of the page and the API.
        recommend_config: candidate threshold and explanation length.
        space: "raw" or "trained"; None: the space `evaluate` chose.
    """

    def __init__(
        self,
        warehouse: Path,
        config: WebConfig | None = None,
        recommend_config: RecommendConfig | None = None,
        space: str | None = None,
    ) -> None:
        self.warehouse = Path(warehouse)
        self.config = config or WebConfig()
        self.recommend_config = recommend_config
        self.space = space
        self._loaded: Loaded | None = None
        self._error = "not loaded yet"
        self._tried: tuple[bool, int] | None = None
        self._lock = threading.Lock()

    def _file_state(self) -> tuple[bool, int]:
        try:
            return True, self.warehouse.stat().st_mtime_ns
        except OSError:
            return False, 0

    def load(self) -> Loaded:
        """The loaded warehouse, loading it when not done yet and the file changed since.

        Raises:
            NotReady: the warehouse is missing, unbuilt or locked (the message names the fix).
        """
        if self._loaded is not None:
            return self._loaded
        with self._lock:
            state = self._file_state()
            if self._loaded is None and state != self._tried:
                self._tried = state
                try:
                    with connect(self.warehouse, read_only=True) as con:
                        recommender = Recommender.from_warehouse(
                            con, config=self.recommend_config, space=self.space
                        )
                    # The matcher indexes the same sorted catalog, so rows agree (matcher_row).
                    search = SearchIndex(recommender.catalog)
                    self._loaded = Loaded(recommender, search)
                    log.info("serving %s: %d books", self.warehouse, len(recommender.catalog))
                except BookrecError as exc:
                    self._error = str(exc)
                    log.warning("warehouse not ready: %s", exc)
            if self._loaded is None:
                raise NotReady(f"{self._error}. {BUILD_HINT}")
            return self._loaded

    # -- what a reader does ------------------------------------------------------------------

    def search(self, query: str, limit: int | None = None) -> list[Suggestion]:
        """Catalog books for the text typed so far (none below min_query_chars)."""
        loaded = self.load()
        if len(query.strip()) < self.config.min_query_chars:
            return []
        return loaded.search.search(query, limit or self.config.suggestions)

    def _check_count(self, n: int, what: str) -> None:
        if n > self.config.max_books:
            raise DataError(
                f"{n} books in one {what}; at most {self.config.max_books} are taken at once"
            )

    def match(self, books: Sequence[ListedBook]) -> list[Match]:
        """Books picked from the suggestions keep their id; the others are matched by title."""
        loaded = self.load()
        matcher = loaded.recommender.matcher
        matches: dict[int, Match] = {}
        typed: list[tuple[int, ReaderBook]] = []
        for i, book in enumerate(books, start=1):
            if book.rating is not None and not 1 <= book.rating <= 5:
                raise DataError(f"book {i}: rating {book.rating:g} is outside 1 to 5 stars")
            row = loaded.matcher_row(book.book_id)
            title = book.title or (matcher.titles[row] if row is not None else None)
            reader_book = ReaderBook(
                title=title or f"book_id {book.book_id}",
                author=book.author,
                rating=book.rating,
                origin=f"book {i}",
                shelf=book.shelf,
            )
            if row is not None:
                matches[i] = _picked(loaded, reader_book, row)
            elif book.title:
                typed.append((i, reader_book))
            else:
                note = f"book_id {book.book_id} is not in the catalog"
                matches[i] = Match(book=reader_book, status="not_found", note=note)
        for (i, _), match in zip(typed, matcher.match([b for _, b in typed]), strict=True):
            matches[i] = match
        return [matches[i] for i in sorted(matches)]

    def recommend(self, books: Sequence[ListedBook], top_n: int = 10) -> Recommendations:
        """What to read next for the reader's list (the Recommender decides the mode).

        Raises:
            DataError: no books or more than max_books; ConfigError: top_n off 1..max_top_n.
        """
        if not books:
            raise DataError("no books given; add at least one book you have read")
        self._check_count(len(books), "request")
        self._check_top_n(top_n)
        matches = self.match(books)
        return self.load().recommender.recommend_matches(matches, top_n)

    def _check_top_n(self, top_n: int) -> None:
        check_top(top_n, "top_n", most=self.config.max_top_n)

    def similar(
        self, book_id: int, exclude: Sequence[int] = (), top_n: int = 10
    ) -> tuple[Suggestion, Recommendations]:
        """The book, and its "more like this" list: the list of a reader who listed only this
        book, without a rating (the one ranker, its rules and caps; Recommender.similar).

        Raises:
            DataError: an unknown book_id or too many excluded books; ConfigError: a bad top_n.
        """
        loaded = self.load()
        self._check_count(len(exclude), "request")
        self._check_top_n(top_n)
        row = loaded.matcher_row(book_id)
        if row is None:
            raise DataError(
                f"book_id {book_id} is not in the catalog (rebuilt since the book was added?); "
                "remove the book and add it again"
            )
        # Never the book again: not its other editions either.
        skip = [*exclude, *loaded.recommender.matcher.same_work_ids(book_id)]
        recommender = loaded.recommender
        book = loaded.search.suggestion(row)
        return book, Recommendations(
            mode="similar",
            message=f"books like {book.title}",
            matches=[],
            items=recommender.similar(book_id, exclude=skip, top_n=top_n),
            space=recommender.vectors.space,
            scorer=recommender.scorer_config,
            history_size=0,
            demo_catalog=recommender.demo_catalog,
        )

    def import_goodreads(self, data: bytes, name: str) -> list[Match]:
        """The books of an uploaded Goodreads export (or plain CSV of title, author, rating),
        matched to the catalog.

        Raises:
            DataError: an empty, binary or malformed file, or more than max_books books.
        """
        self.load()
        if len(data) > self.config.max_upload_bytes:
            raise DataError(
                f"{name}: {len(data)} bytes; uploads are limited to "
                f"{self.config.max_upload_bytes // (1024 * 1024)} MB"
            )
        books = parse_books_csv(data, name)
        if not books:
            raise DataError(f"{name}: the export lists no books")
        self._check_count(len(books), "upload")
        return self.load().recommender.matcher.match(books)


def _picked(loaded: Loaded, book: ReaderBook, row: int) -> Match:
    """A Match for a book the reader picked from the suggestions (its id is certain)."""
    matcher = loaded.recommender.matcher
    related = sorted(matcher.same_work_ids(int(matcher.book_ids[row])))
    return Match(
        book=book,
        status="matched",
        method="picked",
        score=100.0,
        book_id=int(matcher.book_ids[row]),
        title=matcher.titles[row],
        author=matcher.authors[row],
        related_ids=tuple(related),
    )
