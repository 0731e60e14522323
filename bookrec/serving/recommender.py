"""What to read next: a reader's books matched to the catalog, then the catalog scored for them.

Three modes, decided by what matched (bookrec.serving.matching):
- "personal": the matched books with a rating form the history. When the warehouse holds the
  works tables and co-rating vectors (flow `lists`), the list is ranked for "will read and
  like" by bookrec.lists (popularity + closeness in text and co-rating space to liked books,
  nothing already read in any edition, collection or derivative, "next in series"); the
  predicted rating shown beside each book stays the blend's. Without them, every candidate is
  scored by
  the similarity blend (bookrec.scoring.scorer.BlendScorer, settings from `evaluate` via
  bookrec.scoring.settings) and the best predictions win. "Because you liked ..." names the history
  books that added the most stars to a prediction.
- "similar": books were listed without ratings (bare titles, books without stars): candidates are
  ranked by closeness x average rating, closeness being the cosine to the nearest listed book.
  No rating is predicted. Unrated books on a to-read or currently-reading shelf are only
  excluded (ReaderBook.wanted): the reader has not read them.
- "baseline": nothing matched: the highest average ratings, and the reader is told so.

Candidates are books with a Goodreads-wide average from at least
RecommendConfig.min_num_ratings ratings and a vector in the chosen space. A listed book is never
suggested: not the matched book, not another catalog entry with its title and author, not an
ambiguous candidate. Ties are broken by more ratings, then the smaller book_id, so alpha = 0
gives exactly the baseline order.

The candidate matrix and the matcher's indexes are built once (Recommender); each call is one
matrix product of the candidates against the history (BlendScorer.combine does the rest, so the
predictions equal BlendScorer.predict's; a test checks it).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import ListConfig, RecommendConfig, ScorerConfig
from bookrec.embedding.store import BookVectors, load_book_vectors
from bookrec.errors import DataError
from bookrec.lists.corating import load_corating
from bookrec.lists.ranking import Candidates
from bookrec.lists.reader_list import ListItem, ListRanker
from bookrec.lists.settings import load_list_settings
from bookrec.lists.works import WORK_TABLES, Works, load_works
from bookrec.scoring.scorer import BlendParts, BlendScorer
from bookrec.scoring.settings import load_scorer_settings
from bookrec.serving.matching import CatalogMatcher, Match, load_catalog, summarize
from bookrec.serving.reader_input import ReaderBook
from bookrec.warehouse.connection import table_exists

log = logging.getLogger(__name__)

Mode = Literal["personal", "similar", "baseline"]


@dataclass(frozen=True)
class Reason:
    """One history book behind a recommendation."""

    book_id: int
    title: str
    rating: float | None
    weight: float  # stars added to the prediction (personal) or cosine similarity (similar)
    # what the weight measures: "blend" (stars), "text" (content cosine), "corating" (cosine of
    # the co-rating vectors: liked by the same readers)
    kind: str = "blend"


@dataclass(frozen=True)
class Recommendation:
    book_id: int
    title: str
    author: str | None
    predicted_rating: float | None
    avg_rating: float
    num_ratings: int
    because: tuple[Reason, ...] = ()
    next_in_series: str | None = None  # "next in series" when it follows a liked entry

    def because_text(self, mode: Mode) -> str:
        """'because you liked A (5★), B (4★)' or 'close to A, B' ('' when nothing stands out);
        for a ranked list, the similarity each reason rests on."""
        if not self.because:
            return ""
        if self.because[0].kind != "blend":
            parts = []
            for r in self.because:
                if r.kind == "corating":
                    parts.append(f"readers of {r.title} read it too (co-rating {r.weight:.2f})")
                else:
                    parts.append(f"close in content to {r.title} (text {r.weight:.2f})")
            return "; ".join(parts)
        if mode == "personal":
            return "because you liked " + ", ".join(
                f"{r.title} ({r.rating:g}★)" for r in self.because
            )
        return "close to " + ", ".join(r.title for r in self.because)


@dataclass
class Recommendations:
    """The answer for one reader: how their books matched, and what to read next."""

    mode: Mode
    message: str
    matches: list[Match]
    items: list[Recommendation]
    space: str
    scorer: ScorerConfig
    history_size: int
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-able form (`bookrec recommend --json`, the recommend flow's result)."""
        return {
            "mode": self.mode,
            "message": self.message,
            "space": self.space,
            "scorer": dataclasses.asdict(self.scorer),
            "history_size": self.history_size,
            "counts": self.counts,
            "matches": [m.to_dict() for m in self.matches],
            "recommendations": [
                {
                    "rank": i,
                    "book_id": r.book_id,
                    "title": r.title,
                    "author": r.author,
                    "predicted_rating": (
                        None if r.predicted_rating is None else round(r.predicted_rating, 3)
                    ),
                    "avg_rating": r.avg_rating,
                    "num_ratings": r.num_ratings,
                    "because": _because_dicts(r),
                    "because_text": r.because_text(self.mode),
                    "next_in_series": r.next_in_series,
                }
                for i, r in enumerate(self.items, start=1)
            ],
        }


def _because_dicts(item: Recommendation) -> list[dict]:
    return [
        {
            "book_id": r.book_id,
            "title": r.title,
            "rating": r.rating,
            "weight": round(r.weight, 4),
            "kind": r.kind,
        }
        for r in item.because
    ]


def _rows(parts: BlendParts, rows: np.ndarray) -> BlendParts:
    """The (similarity, targets, usable) parts of some candidate rows only."""
    similarity, targets, usable = parts
    return similarity[rows], targets[rows] if targets.ndim == 2 else targets, usable


class Recommender:
    """The catalog, its vectors and the matcher, loaded once; `recommend` per reader.

    Args:
        catalog: bookrec.serving.matching.load_catalog's frame.
        vectors: one space's vectors (bookrec.embedding.store.load_book_vectors).
        scorer_config: the blend's settings (space, alpha, temperature, top_k).
        config: candidate threshold and explanation length.
        matcher: a CatalogMatcher over the same catalog (built when None).
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
    ) -> None:
        self.config = config or RecommendConfig()
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
        self._titles = dict(zip(catalog["book_id"].astype(np.int64), catalog["title"], strict=True))

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
        self.cand_authors = [a if isinstance(a, str) else None for a in cand["author"]]
        # The candidate matrix, contiguous, so a call is one product with the history.
        self.cand_matrix = np.ascontiguousarray(vectors.vectors[self.cand_rows])
        if len(self.cand_ids) == 0:
            most = int(num.max()) if num.notna().any() else 0
            raise DataError(
                f"no book has an average from at least {self.config.min_num_ratings} ratings "
                f"(the most rated has {most}); lower --min-num-ratings"
            )
        self.ranker = self._list_ranker(works, corating, list_config)
        log.info(
            "recommender: %d candidates of %d books (space %s, >= %d ratings)",
            len(self.cand_ids),
            len(catalog),
            vectors.space,
            self.config.min_num_ratings,
        )

    def _list_ranker(self, works, corating, list_config) -> ListRanker | None:
        """The "will read and like" list over the same candidates, when works are known."""
        if works is None or corating is None or len(self.cand_ids) == 0:
            return None
        cands = Candidates.build(
            self.cand_ids,
            [a or "" for a in self.cand_authors],
            self.cand_num.astype(np.float64),
            self.vectors,
            corating,
            works,
        )
        self._cand_pos = {int(b): i for i, b in enumerate(self.cand_ids)}

        def predict(history_ids: np.ndarray, ratings: np.ndarray) -> np.ndarray:
            return self.scorer.predict(history_ids, ratings, cands.book_ids)

        return ListRanker(cands, self.vectors, corating, works, list_config, predict)

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
        catalog = load_catalog(con)
        vectors = load_book_vectors(con, scorer_config.space)
        works = load_works(con) if all(table_exists(con, t) for t in WORK_TABLES) else None
        corating = load_corating(con)
        if works is None or corating is None:
            log.info("no works/co-rating tables (run `python -m flows.lists`): blend ranking")
        return cls(
            catalog,
            vectors,
            scorer_config,
            config,
            works=works,
            corating=corating,
            list_config=load_list_settings(con),
        )

    # -- the three modes -------------------------------------------------------------------

    def _parts(self, history_ids: np.ndarray, ratings: np.ndarray) -> BlendParts | None:
        """BlendScorer.parts over the preloaded candidate matrix: (similarity, targets, usable).

        The one matrix product runs on the contiguous candidate matrix instead of gathering
        the candidates' rows on every call.
        """
        if len(self.cand_ids) == 0:
            return None
        return self.scorer.parts(self.cand_matrix, self.cand_means, history_ids, ratings)

    def _ranked(self, scores: np.ndarray, exclude: set[int], top_n: int) -> np.ndarray:
        """Candidate positions, best first: score, then more ratings, then smaller id."""
        order = np.lexsort((self.cand_ids, -self.cand_num, -scores))
        if exclude:
            keep = ~np.isin(self.cand_ids[order], np.fromiter(exclude, np.int64))
            order = order[keep]
        return order[:top_n]

    def _item(self, pos: int, predicted: float | None, because=()) -> Recommendation:
        return Recommendation(
            book_id=int(self.cand_ids[pos]),
            title=self.cand_titles[pos],
            author=self.cand_authors[pos],
            predicted_rating=None if predicted is None else float(predicted),
            avg_rating=float(self.cand_means[pos]),
            num_ratings=int(self.cand_num[pos]),
            because=tuple(because),
        )

    def baseline(self, exclude: Sequence[int] = (), top_n: int = 10) -> list[Recommendation]:
        """The highest average ratings among the candidates (nothing personal)."""
        order = self._ranked(self.cand_means, set(exclude), top_n)
        return [self._item(p, None) for p in order]

    def personal(
        self,
        history_ids: Sequence[int],
        ratings: Sequence[float],
        exclude: Sequence[int] = (),
        top_n: int = 10,
    ) -> list[Recommendation]:
        """Top candidates by the blend's predicted rating for this rated history.

        Args:
            history_ids: rated books (distinct).
            ratings: their ratings, 1..5.
            exclude: books never to suggest (the history is always excluded too).
            top_n: how many.
        """
        history_ids = np.asarray(history_ids, dtype=np.int64)
        ratings = np.asarray(ratings, dtype=np.float64)
        if len(history_ids) and (ratings.min() < 1 or ratings.max() > 5):
            raise DataError("history ratings must lie in 1..5")
        if self.ranker is not None and len(history_ids):
            return self._listed(history_ids, ratings, exclude, top_n)
        cfg = self.scorer_config
        parts = self._parts(history_ids, ratings)
        predictions = self.cand_means.copy()
        ranking = predictions
        if parts is not None and cfg.alpha != 0.0:
            # Only the neighbourhood can be suggested, so only its rows are scored.
            pool = (
                np.flatnonzero(self._near_liked(parts, ratings))
                if self.config.neighbourhood
                else np.arange(len(predictions))
            )
            predictions[pool] += cfg.alpha * BlendScorer.combine(
                _rows(parts, pool), cfg.temperature, cfg.top_k
            )
            ranking = np.full(len(predictions), -np.inf)
            ranking[pool] = predictions[pool]
        order = self._ranked(ranking, set(exclude) | set(history_ids.tolist()), top_n)
        contributions = np.zeros((len(order), len(history_ids)))
        if parts is not None and cfg.alpha != 0.0:
            contributions[:, parts[2]] = cfg.alpha * BlendScorer.combine(
                _rows(parts, order), cfg.temperature, cfg.top_k, contributions=True
            )
        items = []
        for pos, row in zip(order, contributions, strict=True):
            best = np.argsort(-row, kind="stable")[: self.config.because_count]
            because = [
                Reason(
                    book_id=int(history_ids[j]),
                    title=self._titles.get(int(history_ids[j]), str(history_ids[j])),
                    rating=float(ratings[j]),
                    weight=float(row[j]),
                )
                for j in best
                if row[j] > 0.005  # at least a hundredth of a star, rounded
            ]
            items.append(self._item(pos, predictions[pos], because))
        return items

    def _listed(self, history_ids, ratings, exclude, top_n: int) -> list[Recommendation]:
        """The ranked list (bookrec.lists), each book with the blend's predicted rating."""
        listed: list[ListItem] = self.ranker.rank(
            history_ids, ratings, top_n, exclude, self.config.because_count
        )
        positions = np.array([self._cand_pos[i.book_id] for i in listed], dtype=np.int64)
        predictions = self.cand_means[positions].copy()
        cfg = self.scorer_config
        if cfg.alpha != 0.0 and len(positions):
            # The predicted rating is shown for the listed books only: blend just their rows
            # (one product of top_n candidates, not of the whole catalog, per request).
            parts = self.scorer.parts(
                self.cand_matrix[positions], self.cand_means[positions], history_ids, ratings
            )
            predictions += cfg.alpha * BlendScorer.combine(parts, cfg.temperature, cfg.top_k)
        rated = dict(zip(history_ids.tolist(), ratings.tolist(), strict=True))
        items = []
        for item, pos, predicted in zip(listed, positions, predictions, strict=True):
            because = [
                Reason(
                    book_id=e.book_id,
                    title=self._titles.get(e.book_id, str(e.book_id)),
                    rating=rated.get(e.book_id),
                    weight=e.similarity,
                    kind=e.kind,
                )
                for e in item.evidence
            ]
            rec = self._item(int(pos), predicted, because)
            if item.next_in_series:
                rec = dataclasses.replace(rec, next_in_series="next in series")
            items.append(rec)
        return items

    def _near_liked(self, parts, ratings: np.ndarray) -> np.ndarray:
        """Candidates among the `neighbourhood` closest to a book the reader liked (rated at
        or above their own mean), as a boolean mask over the candidates."""
        similarity, _, usable = parts
        kept = ratings[usable]
        liked = kept >= kept.mean()
        closeness = similarity[:, liked].max(axis=1)
        size = self.config.neighbourhood
        if size >= len(closeness):
            return np.ones(len(closeness), dtype=bool)
        mask = np.zeros(len(closeness), dtype=bool)
        mask[np.argpartition(-closeness, size)[:size]] = True
        return mask

    def similar(
        self, book_ids: Sequence[int], exclude: Sequence[int] = (), top_n: int = 10
    ) -> list[Recommendation]:
        """Top candidates by closeness to the listed (unrated) books x average rating."""
        book_ids = np.asarray(book_ids, dtype=np.int64)
        rows = self.vectors.index_of(book_ids)
        book_ids, rows = book_ids[rows >= 0], rows[rows >= 0]
        similarity = self.cand_matrix @ self.vectors.vectors[rows].T
        closeness = np.clip(similarity.max(axis=1), 0.0, None)
        order = self._ranked(
            closeness * self.cand_means, set(exclude) | set(book_ids.tolist()), top_n
        )
        items = []
        for pos in order:
            nearest = np.argsort(-similarity[pos], kind="stable")[: self.config.because_count]
            because = [
                Reason(
                    book_id=int(book_ids[j]),
                    title=self._titles.get(int(book_ids[j]), str(book_ids[j])),
                    rating=None,
                    weight=float(similarity[pos, j]),
                )
                for j in nearest
            ]
            items.append(self._item(pos, None, because))
        return items

    # -- a reader's books --------------------------------------------------------------------

    def recommend(self, reader_books: Sequence[ReaderBook], top_n: int = 10) -> Recommendations:
        """Match the reader's books, pick the mode, and return the top_n books to read next.

        Raises:
            ValueError: top_n < 1.
        """
        if top_n < 1:
            raise ValueError(f"top_n must be at least 1; got {top_n!r}")
        matches = self.matcher.match(reader_books)
        return self.recommend_matches(matches, top_n)

    def recommend_matches(self, matches: Sequence[Match], top_n: int = 10) -> Recommendations:
        """recommend() for books already matched."""
        exclude = {i for m in matches for i in m.related_ids}
        exclude |= {m.book_id for m in matches if m.book_id is not None}
        rated: dict[int, list[float]] = {}
        unrated: list[int] = []
        for m in matches:
            # A to-read / currently-reading book is excluded above but is no part of the history.
            if m.status != "matched" or m.book.wanted:
                continue
            if m.book.rating is None:
                unrated.append(m.book_id)
            else:
                rated.setdefault(m.book_id, []).append(m.book.rating)
        conflicts = _conflicting_ratings(matches)
        # Only books with a vector take part in the history (all do once `embed` has run).
        has_vector = self.vectors.index_of(np.fromiter(rated, np.int64, len(rated))) >= 0
        history = {
            b: float(np.mean(r)) for (b, r), ok in zip(rated.items(), has_vector, strict=True) if ok
        }
        unrated = [b for b in unrated if self.vectors.index_of([b])[0] >= 0 and b not in history]
        counts = summarize(matches)
        counts["history"] = len(history)
        n_listed = len(matches)
        n_matched = counts.get("matched", 0)
        if history:
            mode: Mode = "personal"
            items = self.personal(list(history), list(history.values()), list(exclude), top_n)
            message = (
                f"{n_matched} of {n_listed} books matched; {len(history)} rated books form your "
                f"history (blend alpha {self.scorer_config.alpha:g}, {self.vectors.space} space)"
            )
        elif unrated:
            mode = "similar"
            items = self.similar(unrated, list(exclude), top_n)
            message = (
                f"{n_matched} of {n_listed} books matched, none with a rating: books close to "
                "yours, weighted by their average rating (add ratings for personal predictions)"
            )
        else:
            mode = "baseline"
            items = self.baseline(list(exclude), top_n)
            message = (
                f"none of your {n_listed} books matched the catalog: here are the highest-rated "
                f"books (average of at least {self.config.min_num_ratings} ratings), "
                "not personal recommendations"
            )
        if conflicts:
            log.warning(conflicts)
            message = f"{message}. {conflicts}"
        log.info("recommend: %s mode, %s", mode, counts)
        return Recommendations(
            mode=mode,
            message=message,
            matches=list(matches),
            items=items,
            space=self.vectors.space,
            scorer=self.scorer_config,
            history_size=len(history),
            counts=counts,
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


def _conflicting_ratings(matches: Sequence[Match]) -> str:
    """A note naming each book listed more than once with different ratings ('' when none):
    their mean is used, which the reader should know rather than find out."""
    ratings: dict[int, list[float]] = {}
    titles: dict[int, str] = {}
    for m in matches:
        if m.status == "matched" and m.book.rating is not None:
            ratings.setdefault(m.book_id, []).append(m.book.rating)
            titles[m.book_id] = m.book.title
    parts = [
        f"{titles[b]} ({', '.join(f'{r:g}' for r in rs)}: {float(np.mean(rs)):g} used)"
        for b, rs in ratings.items()
        if len(set(rs)) > 1
    ]
    return "listed more than once with different ratings: " + "; ".join(parts) if parts else ""
