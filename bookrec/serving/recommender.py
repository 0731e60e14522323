"""What to read next: a reader's books matched to the catalog, then one ranked list for them.

Every reader goes through one ranker (bookrec.lists.reader_list.ListRanker.recommend): the same
candidates, works rules, caps and explanations whatever they listed. The mode only names what
the list rests on, decided by what matched (bookrec.serving.matching):
- "personal": some matched books carry a rating. The list is ranked for "will read and like"
  (popularity + closeness in text and co-rating space to liked books - closeness to disliked
  ones; nothing already read in any edition, collection, derivative or companion; "next in
  series" only after a liked entry); the predicted rating shown beside each book is the
  blend's (bookrec.scoring.scorer.BlendScorer, settings from `evaluate`).
- "similar": books were listed without ratings (bare titles, "more like this" from one book):
  they count as liked; no rating is predicted. One book alone, or "more like this" on it, is
  ranked for books like it (ListRanker.like_this). Unrated books on a to-read or
  currently-reading shelf are only excluded (ReaderBook.wanted): the reader has not read them.
- "baseline": nothing matched: popular, well-rated books under the same rules and caps, and the
  reader is told so.
Without the works tables and co-rating vectors (flow `lists`), the same ranker runs on text
closeness and popularity alone, leaving out only the listed books.

Candidates are books with a Goodreads-wide average from at least
RecommendConfig.min_num_ratings ratings and a vector in the chosen space. A listed book is never
suggested: not the matched book, not another catalog entry with its title and author, not an
ambiguous candidate.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import ListConfig, RecommendConfig, ScorerConfig, check_top
from bookrec.embedding.vectors import BookVectors, load_book_vectors
from bookrec.errors import DataError
from bookrec.lists.candidates import Candidates
from bookrec.lists.corating import load_corating
from bookrec.lists.coreaders import CoReaders, co_readers
from bookrec.lists.ease import Ease, load_ease
from bookrec.lists.genres import BookGenres, load_genres
from bookrec.lists.learned import Rerankers
from bookrec.lists.popularity import counts_for, liked_counts
from bookrec.lists.reader_list import ListItem, ListRanker
from bookrec.lists.settings import load_list_settings, load_rerankers
from bookrec.lists.works import WORK_TABLES, Works, load_works
from bookrec.scoring.scorer import BlendScorer
from bookrec.scoring.settings import load_scorer_settings
from bookrec.serving.matching import (
    CatalogMatcher,
    Match,
    co_authors,
    load_catalog,
    main_editions,
    summarize,
    works_of_books,
)
from bookrec.serving.reader_input import ReaderBook
from bookrec.serving.reasons import books_counted, listed_ratings, read_books, reason_text
from bookrec.serving.results import Mode, Reason, Recommendation, Recommendations
from bookrec.serving.title_keys import catalog_keys
from bookrec.warehouse.connection import table_exists
from bookrec.warehouse.summary import holds_demo_catalog

log = logging.getLogger(__name__)
T = TypeVar("T")


def _on_own_cursor(read: Callable[[duckdb.DuckDBPyConnection], T], con) -> T:
    """read(a cursor of con): a DuckDB connection serves one query at a time, so a read on
    another thread takes a cursor of its own (the same database, closed after)."""
    cursor = con.cursor()
    try:
        return read(cursor)
    finally:
        cursor.close()


class Recommender:
    """The catalog, its vectors and the matcher, loaded once; `recommend` per reader.

    Args:
        catalog: bookrec.serving.matching.load_catalog's frame.
        vectors: one space's vectors (bookrec.embedding.vectors.load_book_vectors).
        scorer_config: the blend's settings (space, alpha, temperature, top_k).
        config: candidate threshold and explanation length.
        matcher: a CatalogMatcher over the same catalog (built when None).
        works: the works tables (bookrec.lists.works.load_works); None: only the listed books
            are left out.
        corating: the co-rating vectors (bookrec.lists.corating.load_corating); None: the list
            rests on text closeness and popularity.
        ease: EASE's weights (bookrec.lists.ease.load_ease), the list's co-reading feature;
            None: ALS's score from the co-rating vectors stands in.
        liked_by: book_id -> how many of the warehouse's readers liked it
            (bookrec.lists.popularity.liked_counts), summed over each work's editions: half of
            the list's popularity; None: Goodreads' rating counts alone.
        list_config: the list's weights and rules (the tuned ones: load_list_settings).
        genres: book_id -> its Goodreads genres, most voted first, for the reasons' "Like A:
            fantasy, magic" (None or a book without: the reason names the book alone).
        demo_catalog: the catalog is bookrec's synthetic demo (made-up books), which every
            answer says (Recommendations.demo_catalog).
        rerankers: the re-rankers of a reader's list, few-book and full-history
            (bookrec.lists.learned; the ones `evaluate` stored: load_rerankers); None: the
            linear order.
        co_readers: who read what among the warehouse's readers (bookrec.lists.coreaders,
            one of the re-ranker's inputs); None: not known.
    """

    def __init__(
        self,
        catalog: pd.DataFrame,
        vectors: BookVectors,
        scorer_config: ScorerConfig | None = None,
        config: RecommendConfig | None = None,
        matcher: CatalogMatcher | None = None,
        works: Works | None = None,
        corating: BookVectors | None = None,
        list_config: ListConfig | None = None,
        genres: Mapping[int, Sequence[str]] | None = None,
        ease: Ease | None = None,
        liked_by: pd.Series | None = None,
        demo_catalog: bool = False,
        rerankers: Rerankers | None = None,
        co_readers: CoReaders | None = None,
    ) -> None:
        self.config = config or RecommendConfig()
        self.demo_catalog = demo_catalog
        self.genres: Mapping[int, Sequence[str]] = genres or {}
        self.scorer_config = scorer_config or ScorerConfig(space=vectors.space)
        self.vectors = vectors
        catalog = catalog.sort_values("book_id").reset_index(drop=True)
        self.catalog = catalog
        self.matcher = matcher or CatalogMatcher(catalog)
        known = catalog[catalog["avg_rating"].notna()]
        book_means = pd.Series(
            known["avg_rating"].to_numpy(np.float64), index=known["book_id"].to_numpy(np.int64)
        )
        self.scorer = BlendScorer(vectors, book_means, self.scorer_config)
        # columns as lists first: iterating a pandas 3 string column yields ~10x slower
        self._titles = dict(
            zip(catalog["book_id"].tolist(), catalog["title"].tolist(), strict=True)
        )

        num = pd.to_numeric(catalog["num_ratings"], errors="coerce")
        rows = vectors.index_of(catalog["book_id"].to_numpy(np.int64))
        eligible = (
            catalog["avg_rating"].notna() & (num.fillna(-1) >= self.config.min_num_ratings)
        ).to_numpy() & (rows >= 0)
        cand = catalog[eligible]
        self.cand_ids = cand["book_id"].to_numpy(np.int64)
        self.cand_rows = rows[eligible]
        self.cand_means = cand["avg_rating"].to_numpy(np.float64)
        self.cand_num = num[eligible].fillna(0).to_numpy(np.int64)
        self.cand_titles = cand["title"].tolist()
        self.cand_authors = [a if isinstance(a, str) else None for a in cand["author"].tolist()]
        if len(self.cand_ids) == 0:
            most = int(num.max()) if num.notna().any() else 0
            raise DataError(
                f"no book has an average from at least {self.config.min_num_ratings} ratings "
                f"(the most rated has {most}); lower --min-num-ratings"
            )
        # readers here who liked each candidate's work (None: no ratings): the list's
        # popularity and the reasons
        self.cand_liked = counts_for(liked_by, self.cand_ids, works)
        self.ranker = self._list_ranker(works, corating, list_config, ease, rerankers, co_readers)
        # without them the list cannot tell another edition, a box set or a sequel from a book
        # of its own: every answer says so (a warehouse built without flows.lists)
        self.without_works = works is None or corating is None
        log.info(
            "recommender: %d candidates of %d books (space %s, >= %d ratings)",
            len(self.cand_ids),
            len(catalog),
            vectors.space,
            self.config.min_num_ratings,
        )

    def genres_of(self, book_id: int) -> Sequence[str]:
        """A book's Goodreads genres, most voted first (none when unknown)."""
        return self.genres.get(book_id, ())

    def _list_ranker(self, works, corating, list_config, ease, rerankers, co_readers) -> ListRanker:
        """The one "will read and like" ranker over the candidates (bookrec.lists)."""
        cands = Candidates.build(
            self.cand_ids,
            [a or "" for a in self.cand_authors],
            self.cand_num.astype(np.float64),
            self.vectors,
            corating,
            works,
            avg_rating=self.cand_means,
            ease=ease,
            liked_by=self.cand_liked,
            co_readers=co_readers,
            genres=BookGenres.of(self.genres) if self.genres else None,
        )
        self._cand_pos = {int(b): i for i, b in enumerate(self.cand_ids)}
        authors = dict(
            zip(
                self.catalog["book_id"].tolist(),
                [a if isinstance(a, str) else "" for a in self.catalog["author"].tolist()],
                strict=True,
            )
        )

        def predict(rated_ids: np.ndarray, ratings: np.ndarray) -> np.ndarray:
            return self.scorer.predict(rated_ids, ratings, cands.book_ids)

        return ListRanker(
            cands,
            self.vectors,
            corating,
            works,
            list_config,
            predict,
            authors,
            blend=self.scorer,
            rerankers=rerankers,
        )

    @classmethod
    def from_warehouse(
        cls,
        con: duckdb.DuckDBPyConnection,
        scorer_config: ScorerConfig | None = None,
        config: RecommendConfig | None = None,
        space: str | None = None,
    ) -> Recommender:
        """Load everything from the warehouse; scorer settings default to the tuned ones.

        Raises:
            WarehouseError: books or the space's vectors are missing (names the flow to run).
        """
        scorer_config = scorer_config or load_scorer_settings(con)
        if space is not None:
            scorer_config = dataclasses.replace(scorer_config, space=space)
        catalog = load_catalog(con)  # in book_id order, as __init__ and the keys take it
        # The title index is Python, the rest mostly DuckDB reading arrays (which lets go of
        # the interpreter lock): side by side, with EASE's 256 MB read on a cursor of its
        # own, they take about the longest of the three, not the sum.
        keys = catalog_keys(con, catalog)
        editions, work_ids, credits = main_editions(con), works_of_books(con), co_authors(con)
        with ThreadPoolExecutor(2, thread_name_prefix="load") as pool:
            # each in the caller's context: a flow's run, which its log lines name (Prefect
            # warned of lines from a thread outside it)
            matcher = pool.submit(
                contextvars.copy_context().run,
                CatalogMatcher,
                catalog,
                None,
                keys,
                editions,
                work_ids,
                credits,
            )
            ease = pool.submit(contextvars.copy_context().run, _on_own_cursor, load_ease, con)
            vectors = load_book_vectors(con, scorer_config.space)
            works = load_works(con) if all(table_exists(con, t) for t in WORK_TABLES) else None
            corating = load_corating(con)
            if works is None or corating is None:
                log.warning(
                    "no works/co-rating tables (run `python -m flows.lists`): "
                    "the list rests on text closeness and popularity alone"
                )
            genres = load_genres(con)
            list_config = load_list_settings(con)
            liked_by = liked_counts(con, list_config.liked_rating)
            readers = co_readers(con, works, list_config.liked_rating)
            return cls(
                catalog,
                vectors,
                scorer_config,
                config,
                matcher=matcher.result(),
                works=works,
                corating=corating,
                list_config=list_config,
                genres=genres,
                ease=ease.result(),
                liked_by=liked_by,
                demo_catalog=holds_demo_catalog(con),
                rerankers=load_rerankers(con),
                co_readers=readers,
            )

    # -- the one ranking path ---------------------------------------------------------------

    def _item(
        self,
        pos: int,
        rank: int,
        predicted: float | None,
        because: tuple[Reason, ...],
        next_in_series: bool,
        mode: Mode,
        follows: int | None = None,
    ) -> Recommendation:
        """The candidate at `pos` as a result, with its reason in the reader's words.

        Validated twice rather than model_copy'd or model_construct'ed: pydantic-core checks
        these typed values in ~3 us a model, model_construct's Python takes ~9 us."""
        fields = {
            "rank": rank,
            "book_id": int(self.cand_ids[pos]),
            "title": self.cand_titles[pos],
            "author": self.cand_authors[pos],
            "predicted_rating": None if predicted is None else float(predicted),
            "avg_rating": float(self.cand_means[pos]),
            "num_ratings": int(self.cand_num[pos]),
            "liked_here": None if self.cand_liked is None else int(self.cand_liked[pos]),
            "because": because,
            "next_in_series": "next in series" if next_in_series else None,
        }
        after = None if follows is None else self._titles.get(follows)
        works = self.ranker.works
        series = works.series_of.get(fields["book_id"]) if next_in_series and works else None
        text = reason_text(
            Recommendation(**fields), mode, self.genres_of, series_after=after, series_key=series
        )
        return Recommendation(**fields, reason_text=text)

    def rank_books(
        self,
        book_ids: Sequence[int],
        ratings: Sequence[float | None] | None = None,
        exclude: Sequence[int] = (),
        top_n: int = 10,
    ) -> list[Recommendation]:
        """The reader's list (ListRanker.recommend), each book with the blend's predicted
        rating when some books are rated; rank_books_block for a block of one reader.

        Args:
            book_ids: the reader's books (distinct catalog ids); empty: nothing matched.
            ratings: one per book, 1..5, NaN/None where unrated; None: none rated.
            exclude: books never to suggest, nor their editions, collections, adaptations or
                companions (the listed books and their works never are either).
            top_n: how many.

        Raises:
            DataError: a rating outside 1..5, or ratings and books of different lengths.
        """
        return self.rank_books_block([(book_ids, ratings, exclude)], top_n)[0]

    def rank_books_block(
        self,
        readers: Sequence[tuple[Sequence[int], Sequence[float | None] | None, Sequence[int]]],
        top_n: int = 10,
    ) -> list[list[Recommendation]]:
        """rank_books() for many readers, (book_ids, ratings, exclude) each, scored together
        (ListRanker.recommend_block): the lists rank_books gives each of them alone.

        Raises:
            DataError: as rank_books(), for the first reader at fault.
        """
        histories = []
        for book_ids, ratings, _ in readers:
            ids = np.asarray(book_ids, np.int64).reshape(-1)
            if ratings is None:
                ratings = [None] * len(ids)
            ratings = np.array([np.nan if r is None else r for r in ratings], np.float64)
            histories.append((ids, ratings))
        try:
            lists: list[list[ListItem]] = self.ranker.recommend_block(
                histories, top_n, [exclude for _, _, exclude in readers], self.config.because_count
            )
        except ValueError as exc:
            raise DataError(f"history: {exc}") from exc
        return [
            self._recommendations(ids, ratings, listed)
            for (ids, ratings), listed in zip(histories, lists, strict=True)
        ]

    def _recommendations(
        self, ids: np.ndarray, ratings: np.ndarray, listed: list[ListItem]
    ) -> list[Recommendation]:
        """The ranker's items as Recommendations: titles, reasons and the blend's prediction."""
        positions = np.array([self._cand_pos[i.book_id] for i in listed], dtype=np.int64)
        given = {
            b: (None if r != r else r)  # NaN: listed without a rating
            for b, r in zip(ids.tolist(), ratings.tolist(), strict=True)
        }
        mode = _mode(int((~np.isnan(ratings)).sum()), len(ids))
        # the books the list read (a collection's books in its place, an edition or series
        # entries beside a book that says little), as the ranker has them
        ids, ratings, *_ = self.ranker.books_read(ids, ratings)
        rated = ~np.isnan(ratings)
        predictions: np.ndarray | None = None
        if rated.any():
            predictions = self.cand_means[positions].copy()
            cfg = self.scorer_config
            if cfg.alpha != 0.0 and len(positions):
                # The predicted rating is shown for the listed books only: blend just their rows
                # (one product of top_n candidates, not of the whole catalog, per request).
                parts = self.scorer.parts(
                    self.vectors.vectors[self.cand_rows[positions]],  # no 16 MB copy per worker
                    self.cand_means[positions],
                    ids[rated],
                    ratings[rated],
                )
                predictions += cfg.alpha * BlendScorer.combine(parts, cfg.temperature, cfg.top_k)
        predicted = [None] * len(listed) if predictions is None else predictions.tolist()
        items = []
        authors = self.ranker.authors  # every catalog book's ("" without one)
        for n, (item, pos) in enumerate(zip(listed, positions.tolist(), strict=True)):
            because = tuple(
                Reason(
                    book_id=e.book_id,
                    title=self._titles.get(e.book_id, str(e.book_id)),
                    rating=given.get(e.book_id),
                    weight=float(e.similarity),
                    kind=e.kind,
                    # not a book of theirs: read in place of one by its author (books_read)
                    stands_in_by=None if e.book_id in given else authors.get(e.book_id) or None,
                )
                for e in item.evidence
            )
            items.append(
                self._item(
                    pos, n + 1, predicted[n], because, item.next_in_series, mode, item.follows
                )
            )
        return items

    def similar(
        self, book_id: int, exclude: Sequence[int] = (), top_n: int = 10
    ) -> list[Recommendation]:
        """More like this: the list of a reader who listed only this book, unrated, which the
        ranker ranks for books like it (ListRanker.like_this)."""
        return self.rank_books([book_id], None, exclude, top_n)

    def recommend_ids(
        self,
        book_ids: Sequence[int],
        ratings: Sequence[float | None] | None = None,
        top_n: int = 10,
    ) -> Recommendations:
        """recommend() for a reader whose books are catalog ids already (a warehouse reader:
        `recommend_all`); no matching, the same list."""
        return self.recommend_ids_block([(book_ids, ratings)], top_n)[0]

    def recommend_ids_block(
        self,
        readers: Sequence[tuple[Sequence[int], Sequence[float | None] | None]],
        top_n: int = 10,
    ) -> list[Recommendations]:
        """recommend_ids() for many readers, (book_ids, ratings) each, scored together: the
        answers recommend_ids gives each of them alone (`recommend_all`)."""
        requests = []
        for book_ids, ratings in readers:
            ids = [int(b) for b in book_ids]
            ratings = [None] * len(ids) if ratings is None else list(ratings)
            history = {b: r for b, r in zip(ids, ratings, strict=True)}
            # no matches to count: how many books the reader gave (reasons.status_text)
            requests.append(([], history, self.same_work_ids(ids), {"given": len(history)}))
        return self._answers(requests, top_n)

    def same_work_ids(self, book_ids: Sequence[int]) -> set[int]:
        """The catalog ids the matcher counts as these books again (other editions, titles,
        split volumes), as a listed book's Match.related_ids: never suggested either."""
        found: set[int] = set()
        for book in book_ids:
            found |= self.matcher.same_work_ids(int(book))
        return found

    # -- a reader's books --------------------------------------------------------------------

    def recommend(self, reader_books: Sequence[ReaderBook], top_n: int = 10) -> Recommendations:
        """Match the reader's books, pick the mode, and return the top_n books to read next.

        Raises:
            ConfigError: top_n < 1.
        """
        check_top(top_n, "top_n")
        matches = self.matcher.match(reader_books)
        return self.recommend_matches(matches, top_n)

    def recommend_matches(self, matches: Sequence[Match], top_n: int = 10) -> Recommendations:
        """recommend() for books already matched."""
        exclude = {i for m in matches for i in m.related_ids}
        exclude |= {m.book_id for m in matches if m.book_id is not None}
        # A to-read / currently-reading book is excluded above but is no part of the history.
        books = read_books(matches)
        conflicts = _conflicting_ratings(matches)
        answer = self._answer(matches, books, top_n, exclude, summarize(matches))
        if conflicts:
            log.info(conflicts)  # the reader's own input: said in the answer, not a warning
            answer = answer.model_copy(update={"message": f"{answer.message}. {conflicts}"})
        return answer

    def _answer(
        self,
        matches: Sequence[Match],
        books: dict[int, float | None],
        top_n: int,
        exclude: set[int],
        counts: dict[str, int],
    ) -> Recommendations:
        """The list for these books (book_id -> rating or None) and the message naming its mode."""
        return self._answers([(matches, books, exclude, counts)], top_n)[0]

    def _answers(
        self,
        requests: Sequence[tuple[Sequence[Match], dict[int, float | None], set[int], dict]],
        top_n: int,
    ) -> list[Recommendations]:
        """_answer() for many readers (matches, books, exclude, counts), ranked together."""
        readers = []
        for _, books, exclude, _ in requests:
            # Only books with a vector take part (all do once `embed` has run).
            ids = np.fromiter(books, np.int64, len(books))
            ids = ids[self.vectors.index_of(ids) >= 0]
            readers.append((ids, [books[int(b)] for b in ids], sorted(exclude)))
        lists = self.rank_books_block(readers, top_n)
        answers = []
        for (matches, books, _, counts), (ids, ratings, _), items in zip(
            requests, readers, lists, strict=True
        ):
            n_rated = sum(r is not None for r in ratings)
            counts["history"] = n_rated
            answers.append(self._answer_of(matches, books, counts, len(ids), n_rated, items))
        return answers

    def _answer_of(
        self,
        matches: Sequence[Match],
        books: dict[int, float | None],
        counts: dict[str, int],
        n_ids: int,
        n_rated: int,
        items: list[Recommendation],
    ) -> Recommendations:
        """A reader's list with the message naming its mode."""
        n_listed = len(matches) or len(books)
        n_matched = counts.get("matched", len(books))
        matched = f"{n_matched} of {books_counted(n_listed)} matched"
        if n_rated:
            mode: Mode = "personal"
            forms = "rated book forms" if n_rated == 1 else "rated books form"
            message = (
                f"{matched}; {n_rated} {forms} your history (blend alpha "
                f"{self.scorer_config.alpha:g}, {self.vectors.space} space)"
            )
        elif n_ids:
            mode = "similar"
            message = (
                f"{matched}, none with a rating: books like yours "
                "(add ratings for personal predictions)"
            )
        else:
            mode = "baseline"
            none = (
                "your book did not match the catalog"
                if n_listed == 1
                else f"none of your {n_listed} books matched the catalog"
            )
            if n_matched:  # matched, every one on a to-read or currently-reading shelf
                none = f"{matched}, all of them books you want to read, not ones you read"
            message = (
                f"{none}; here are popular, well-rated books (average of at least "
                f"{self.config.min_num_ratings} ratings), not personal recommendations"
            )
        if self.without_works:
            message += (
                "; the warehouse has no works tables (run `python -m flows.lists`), so other "
                "editions, box sets and sequels of your books are not told apart"
            )
        log.debug("recommend: %s mode, %s", mode, counts)  # per request: the server's hot path
        return Recommendations(
            mode=mode,
            message=message,
            matches=list(matches),
            items=items,
            space=self.vectors.space,
            scorer=self.scorer_config,
            history_size=n_rated,
            counts=counts,
            demo_catalog=self.demo_catalog,
        )


def recommend(
    con: duckdb.DuckDBPyConnection,
    reader_books: Sequence[ReaderBook],
    top_n: int = 10,
    scorer_config: ScorerConfig | None = None,
    config: RecommendConfig | None = None,
    space: str | None = None,
) -> Recommendations:
    """Books to read next for one reader, straight from the warehouse (loads everything once).

    Args:
        con: an open warehouse connection (read-only is enough).
        reader_books: the reader's books (bookrec.serving.reader_input).
        top_n: how many books to suggest.
        scorer_config: blend settings; None reads the tuned ones (defaults before `evaluate`).
        config: candidate threshold and explanation length.
        space: "raw" or "trained", overriding the settings' space.

    Raises:
        WarehouseError: a needed table is missing (names the flow to run).
        DataError: no books given.
    """
    if not reader_books:
        raise DataError("no books given; list at least one book you have read")
    recommender = Recommender.from_warehouse(con, scorer_config, config, space)
    return recommender.recommend(reader_books, top_n)


def _mode(n_rated: int, n_books: int) -> Mode:
    """What a list rests on: rated books, books listed without ratings, or nothing matched."""
    return "personal" if n_rated else "similar" if n_books else "baseline"


def _conflicting_ratings(matches: Sequence[Match]) -> str:
    """A note naming each book listed more than once with different ratings ('' when none):
    their mean is used, which the reader should know rather than find out."""
    ratings, _ = listed_ratings(matches)
    titles = {m.book_id: m.book.title for m in matches if m.book.rating is not None}
    parts = [
        f"{titles[b]} ({', '.join(f'{r:g}' for r in rs)}: {float(np.mean(rs)):g} used)"
        for b, rs in ratings.items()
        if len(set(rs)) > 1
    ]
    return "listed more than once with different ratings: " + "; ".join(parts) if parts else ""
