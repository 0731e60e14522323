"""Top-N evaluation: the lists themselves, on the same hidden split as rating prediction.

For each report reader (bookrec.holdout: same seed, same users), every method ranks
the candidates (books with a Goodreads average from >= RecommendConfig.min_num_ratings ratings)
minus the reader's training books. Relevant = the works of their hidden books rated 4-5, but
for the works read through their training books (relevant_works: their editions, a
collection's contents, the main series entries before the earliest one they have); an item is
a hit when its work is relevant (each work counts once), so another edition of a liked hidden
book counts for every method alike, and another edition of a training book, or #1 of a series
whose #3 they have, for none. bookrec's list weights are tuned on
the tuning readers' NDCG@10 and reported on the others.

Metrics: NDCG@10, recall@10/@50, hit rate@10, MRR (first 50), catalog coverage (share of
candidates in any top 10), novelty (mean popularity rank of top-10 items, 1 = most rated),
intra-list diversity (1 - mean pairwise text cosine in a top 10), already-read rate (share of
top-10 items that are an edition, collection or derivative of a training book), hygiene (the
same, or of another item of the list: bookrec.evaluation.hygiene) and after_dislike (share of
top-10 items continuing a series past a book rated <= 2).
Each method's row is one typed TopNScores (bookrec.evaluation.topn_metrics): the reports write
its model_dump(mode="json") (keys "ndcg@10", ...) and the benches read its fields.

Besides full histories, the lists readers meet on the page (few books, unrated, "more like
this") are measured by bookrec.evaluation.topn_modes. Every bookrec list measured comes from
bookrec.evaluation.bookrec_list, the one adapter to the served ranker.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import (
    CoratingConfig,
    EvalConfig,
    ListConfig,
    ListWeights,
    RecommendConfig,
    ScorerConfig,
    TopNConfig,
)
from bookrec.embedding.vectors import BookVectors, load_book_vectors, newest_projection_version
from bookrec.evaluation.bookrec_list import bookrec_list
from bookrec.evaluation.hygiene import after_dislike_flags, hygiene_flags
from bookrec.evaluation.rating_evaluation import without_projector_readers
from bookrec.evaluation.topn_metrics import (
    TopNScores,
    hit_at,
    intra_list_diversity,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)
from bookrec.holdout import split_ratings
from bookrec.lists.candidates import Candidates, zscore
from bookrec.lists.corating import corating_vectors, fit_als, interaction_matrix
from bookrec.lists.coreaders import co_readers_of
from bookrec.lists.ease import Ease, fit_ease, fit_ease_matrix
from bookrec.lists.features import reader_features
from bookrec.lists.genres import BookGenres
from bookrec.lists.learned import Rerankers, TreeRanker, train_tree_ranker
from bookrec.lists.popularity import counts_for, liked_counts_of
from bookrec.lists.reader_list import ListRanker
from bookrec.lists.rules import SeriesLayout, blocked_mask, pick, rank
from bookrec.lists.settings import FEW_WEIGHTS, WEIGHTS
from bookrec.lists.works import Works, load_works
from bookrec.scoring.scorer import BlendScorer
from bookrec.scoring.settings import load_scorer_settings
from bookrec.warehouse.summary import data_label
from bookrec.warehouse.tables import load_books, load_ratings

log = logging.getLogger(__name__)

DEPTH = 50  # items kept per list: recall@50 and MRR look this deep
# diagnostic rows (not methods a reader gets): the cost of the list's rules, measured both ways
DIAG_WITHOUT_RULES = "diag_bookrec_score_without_rules"
DIAG_ALS_UNDER_RULES = "diag_implicit_als_under_the_rules"
DIAG_EASE_UNDER_RULES = "diag_ease_under_the_rules"
METRICS = (
    "ndcg@10",
    "recall@10",
    "recall@50",
    "hit@10",
    "mrr",
    "coverage",
    "novelty_rank",
    "diversity",
    "already_read",
    "hygiene",
    "after_dislike",
)


@dataclass
class TopNResult:
    seed: int
    counts: dict[str, float]
    methods: dict[str, TopNScores]
    chosen: ListConfig
    tune_ndcg: float = float("nan")
    few_tune_ndcg: float = float("nan")  # of the few-book weights (topn_modes.tune_few_books)
    grid: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the lists readers meet on the page (bookrec.evaluation.topn_modes): mode -> method -> row
    modes: dict[str, dict[str, TopNScores]] = field(default_factory=dict)
    # the re-rankers trained on the tuning readers, few-book and full-history (None: too few
    # to learn from, or ListConfig's depth for them 0), stored beside the weights
    rerankers: Rerankers = field(default_factory=Rerankers)
    data: str = ""  # what the warehouse was built from (bookrec.warehouse.summary.data_label)

    def as_dict(self) -> dict:
        return {
            "data": self.data,
            "seed": self.seed,
            "counts": self.counts,
            "chosen": {
                k: getattr(self.chosen, k)
                for k in (
                    *WEIGHTS,
                    *FEW_WEIGHTS,
                    "w_genre",
                    "few_w_genre",
                    "like_this_genre",
                    "few_books",
                    "closest",
                    "few_closest",
                )
            },
            "tune_ndcg": self.tune_ndcg,
            "few_tune_ndcg": self.few_tune_ndcg,
            "methods": [
                {"method": n, **row.model_dump(mode="json")} for n, row in self.methods.items()
            ],
            "modes": {
                mode: [{"method": n, **row.model_dump(mode="json")} for n, row in rows.items()]
                for mode, rows in self.modes.items()
            },
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Case:
    """One list to measure: the books a method is given (ratings NaN where unrated) and the
    works that count as hits. key: the reader, or the seed book of "more like this"."""

    key: int
    history: np.ndarray
    ratings: np.ndarray
    relevant: frozenset[int]


def relevant_works(works: Works, history, liked) -> frozenset[int]:
    """The works of the liked hidden books but for those read through the history's books:
    their works, a collection's contents, and the main series entries before the earliest
    entry the history holds (a reader with #3 has read #1; the random split hid it). Another
    edition of a book the reader has, or #1 to a reader of #3, is no hit, whichever method
    lists it (every mode's relevant set)."""
    earliest = works.earliest_entries(history)
    return frozenset(
        works.work(int(b)) for b in liked if not works.comes_before(int(b), earliest)
    ) - works.read_works(history)


@dataclass
class SplitInputs:
    """Everything the methods share for one split (and one set of training ratings)."""

    cands: Candidates
    text: BookVectors
    corating: BookVectors | None
    works: Works
    train: pd.DataFrame
    histories: dict[int, tuple[np.ndarray, np.ndarray]]
    relevant: dict[int, set[int]]
    pop_rank: dict[int, int]
    layout: SeriesLayout | None = None  # the candidates' series, built once for every reader
    scorer: BlendScorer | None = None  # the blend, for the predicted-rating feature
    authors: dict[int, str] | None = None  # every book's author (a disliked book's is pushed down)
    candidate_books: pd.DataFrame | None = None  # book_id, author, num_ratings of the candidates
    rerankers: Rerankers = field(default_factory=Rerankers)  # re-order lists (once trained)
    genres: BookGenres | None = None  # every book's genres (a re-ranker's input)

    def ranker(self, config: ListConfig) -> ListRanker:
        """The one ranker `bookrec recommend` serves with, over this split's candidates."""
        predict = None
        if self.scorer is not None:

            def predict(ids: np.ndarray, ratings: np.ndarray) -> np.ndarray:
                return self.scorer.predict(ids, ratings, self.cands.book_ids)

        return ListRanker(
            self.cands,
            self.text,
            self.corating,
            self.works,
            config,
            predict,
            self.authors,
            self.layout,
            blend=self.scorer,  # as the served ranker: the blend from the block's text product
            rerankers=self.rerankers,
        )

    def predicted_for(self, ids: np.ndarray, ratings: np.ndarray) -> np.ndarray | None:
        """The blend's predicted rating of every candidate from a reader's rated books (None
        without the blend)."""
        if self.scorer is None:
            return None
        rated = ~np.isnan(ratings)
        return self.scorer.predict(ids[rated], ratings[rated], self.cands.book_ids)

    def refit(self, train: pd.DataFrame, corating_config: CoratingConfig) -> SplitInputs:
        """The same setup with the co-rating vectors fitted on other training ratings (the
        candidates, their order and the text are unchanged)."""
        corating = corating_vectors(train, corating_config)
        ease = fit_ease(train, corating_config)
        cands = _candidates(
            self.candidate_books, self.text, corating, self.works, ease, train, self.genres
        )
        return dataclasses.replace(self, cands=cands, corating=corating, train=train)

    def cases(self, users) -> list[Case]:
        """The full-history case of each reader: their training books, their hidden likes."""
        return [Case(u, *self.histories[u], frozenset(self.relevant[u])) for u in users]


def _candidates(
    chosen: pd.DataFrame,
    text,
    corating,
    works,
    ease: Ease,
    train: pd.DataFrame,
    genres: BookGenres | None,
) -> Candidates:
    """The candidates as `recommend` builds them, every model fitted on `train`, the training
    ratings (their readers' likes are the popularity's second half, as the warehouse's are
    when serving)."""
    liked_rating = ListConfig().liked_rating
    liked = liked_counts_of(train, liked_rating)
    return Candidates.build(
        chosen["book_id"].to_numpy(np.int64),
        [a if isinstance(a, str) else "" for a in chosen["author"]],
        chosen["num_ratings"].to_numpy(np.float64),
        text,
        corating,
        works,
        avg_rating=chosen["avg_rating"].to_numpy(np.float64),
        ease=ease,
        liked_by=counts_for(liked, chosen["book_id"].to_numpy(np.int64), works),
        co_readers=co_readers_of(train, works, liked_rating),
        genres=genres,
    )


def _setup(
    con,
    split,
    recommend: RecommendConfig,
    corating_config: CoratingConfig,
    settings: ScorerConfig | None = None,
) -> SplitInputs:
    books = load_books(con)
    works = load_works(con)
    text = load_book_vectors(con, "raw")
    # the blend as `recommend` runs it (the saved settings, their space) unless given its own
    settings = settings or load_scorer_settings(con)
    known = books[books["avg_rating"].notna()]
    scorer = BlendScorer(
        text if settings.space == "raw" else load_book_vectors(con, settings.space),
        pd.Series(known["avg_rating"].to_numpy(np.float64), index=known["book_id"].to_numpy()),
        settings,
    )
    num = pd.to_numeric(books["num_ratings"], errors="coerce").fillna(0)
    eligible = books["avg_rating"].notna() & (num >= recommend.min_num_ratings)
    chosen = pd.DataFrame(
        {
            "book_id": books.loc[eligible, "book_id"].to_numpy(np.int64),
            "author": books.loc[eligible, "author"].to_numpy(),
            "num_ratings": num[eligible].to_numpy(np.float64),
            "avg_rating": books.loc[eligible, "avg_rating"].to_numpy(np.float64),
        }
    )
    # the co-rating vectors and EASE as flow `lists` fits them, on the training ratings only
    corating = corating_vectors(split.train, corating_config)
    ease = fit_ease(split.train, corating_config)
    genres = BookGenres.of(dict(zip(books["book_id"].tolist(), books["genres"], strict=True)))
    cands = _candidates(chosen, text, corating, works, ease, split.train, genres)
    order = np.argsort(-cands.popularity, kind="stable")
    pop_rank = {int(cands.book_ids[i]): r + 1 for r, i in enumerate(order)}
    histories = {
        int(u): (g["book_id"].to_numpy(np.int64), g["rating"].to_numpy(np.float64))
        for u, g in split.train.groupby("user_id")
    }
    liked = split.test[split.test["rating"] >= 4]
    relevant: dict[int, set[int]] = {}
    for u, g in liked.groupby("user_id"):
        history = histories[int(u)][0] if int(u) in histories else np.zeros(0, np.int64)
        wanted = relevant_works(works, history, g["book_id"])
        if wanted:
            relevant[int(u)] = set(wanted)
    layout = SeriesLayout.build(cands, works)
    authors = dict(
        zip(
            books["book_id"].astype(np.int64).tolist(),
            [a if isinstance(a, str) else "" for a in books["author"]],
            strict=True,
        )
    )
    return SplitInputs(
        cands,
        text,
        corating,
        works,
        split.train,
        histories,
        relevant,
        pop_rank,
        layout,
        scorer,
        authors,
        chosen,
        genres=genres,
    )


def list_metrics(setup: SplitInputs, case: Case, items: list[int]) -> dict[str, float]:
    """Metrics of one list (book ids, best first) for one case."""
    works = setup.works
    relevant = case.relevant
    seen: set[int] = set()
    hits = []
    for b in items:
        w = works.work(b)
        hits.append(w in relevant and w not in seen)
        seen.add(w)
    hits = np.asarray(hits, bool)
    history = case.history
    read = works.already_read(history) - set(history.tolist())
    top = items[:10]
    rows = setup.text.index_of(np.asarray(top, np.int64))
    return {
        "ndcg@10": ndcg_at(hits, len(relevant), 10),
        "recall@10": recall_at(hits, len(relevant), 10),
        "recall@50": recall_at(hits, len(relevant), 50),
        "hit@10": hit_at(hits, 10),
        "mrr": reciprocal_rank(hits),
        "novelty_rank": float(np.mean([setup.pop_rank.get(b, len(setup.pop_rank)) for b in top]))
        if top
        else float("nan"),
        "diversity": intra_list_diversity(setup.text.vectors[rows[rows >= 0]]),
        "already_read": float(np.mean([b in read for b in top])) if top else 0.0,
        "hygiene": float(hygiene_flags(works, history, top).mean()) if top else 0.0,
        "after_dislike": float(after_dislike_flags(works, history, case.ratings, top).mean())
        if top
        else 0.0,
    }


Lists = Callable[[Case], list[int]]


def evaluate_cases(setup: SplitInputs, cases: list[Case], lists: Lists) -> TopNScores:
    """Every metric's mean over the cases, coverage over their top 10s, and the cases counted."""
    rows = []
    shown: set[int] = set()
    for case in cases:
        items = lists(case)[:DEPTH]
        shown |= set(items[:10])
        rows.append(list_metrics(setup, case, items))
    frame = pd.DataFrame(rows, columns=[m for m in METRICS if m != "coverage"])
    summary = {m: float(frame[m].mean()) if len(frame) else float("nan") for m in frame.columns}
    summary["coverage"] = len(shown) / len(setup.cands.book_ids)
    summary["users"] = len(rows)
    return TopNScores.model_validate(summary)


def _history_mask(setup: SplitInputs, case: Case) -> np.ndarray:
    return np.isin(setup.cands.book_ids, case.history)


def static_lists(setup: SplitInputs, score: np.ndarray) -> Lists:
    """One score for everyone, the case's own books left out."""

    def lists(case: Case) -> list[int]:
        order = rank(score, _history_mask(setup, case), DEPTH)
        return setup.cands.book_ids[order].tolist()

    return lists


def score_lists(setup: SplitInputs, score_of: Callable[[Case], np.ndarray]) -> Lists:
    """Lists by a per-case score over the candidates, the case's own books left out."""

    def lists(case: Case) -> list[int]:
        order = rank(_known_above_blocked(score_of(case)), _history_mask(setup, case), DEPTH)
        return setup.cands.book_ids[order].tolist()

    return lists


def _known_above_blocked(score: np.ndarray) -> np.ndarray:
    """A model's scores with -inf (a book it does not know) raised to the lowest float: it
    must stay above the blocked books, which bookrec.lists.rules.rank sets to -inf."""
    return np.nan_to_num(score, neginf=np.finfo(np.float64).min)


@dataclass
class Interactions:
    """The training ratings as implicit's users x books matrix of ones, and the candidates'
    columns in it (a candidate nobody in training read has none)."""

    matrix: object
    users_index: np.ndarray
    books_index: np.ndarray
    cols: np.ndarray  # columns of the candidates that have one
    col_ids: np.ndarray  # their book ids
    lookup: dict[int, int] = field(default_factory=dict)  # column -> candidate book id

    @classmethod
    def build(cls, train: pd.DataFrame, cands: Candidates) -> Interactions:
        matrix, users_index, books_index = interaction_matrix(train)
        cand_cols = np.clip(np.searchsorted(books_index, cands.book_ids), 0, len(books_index) - 1)
        known = books_index[cand_cols] == cands.book_ids
        cols, ids = cand_cols[known], cands.book_ids[known]
        lookup = dict(zip(cols.tolist(), ids.tolist(), strict=True))
        return cls(matrix, users_index, books_index, cols, ids, lookup)

    def row(self, case: Case):
        """The case's books as one CSR row over the training books (unknown books dropped)."""
        import scipy.sparse as sp

        cols = np.searchsorted(self.books_index, case.history)
        cols = np.clip(cols, 0, len(self.books_index) - 1)
        cols = np.unique(cols[self.books_index[cols] == case.history])
        # int32 indices: implicit's item-item scorer takes nothing wider
        return sp.csr_matrix(
            (
                np.ones(len(cols), np.float32),
                cols.astype(np.int32),
                np.array([0, len(cols)], np.int32),
            ),
            shape=(1, len(self.books_index)),
        )

    def to_ids(self, cols) -> list[int]:
        """Book ids of model columns, each once: asked for more items than it can rank,
        implicit's top-k pads with id -1, which an `items` restriction maps to its last item."""
        ids = [self.lookup[int(c)] for c in cols if int(c) in self.lookup]
        return list(dict.fromkeys(ids))


def implicit_lists(inter: Interactions, model, fold_in: bool = False) -> Lists:
    """Lists of an implicit model, restricted to the candidates (the case's books filtered).

    fold_in: the reader is not in the model; ALS solves their user vector from the case's
    books (implicit's recalculate_user). Otherwise the case's key is a training reader.
    """

    def lists(case: Case) -> list[int]:
        row = inter.row(case)
        user = 0 if fold_in else int(np.searchsorted(inter.users_index, case.key))
        got, _ = model.recommend(
            user,
            row if fold_in else inter.matrix[user],
            N=DEPTH,
            filter_already_liked_items=True,
            recalculate_user=fold_in,
            items=inter.cols,
        )
        # implicit's item-item models append the items they could not score, the reader's own
        # among them, at the end of a restricted list: a list never holds the reader's books
        own = set(case.history.tolist())
        return [b for b in inter.to_ids(got) if b not in own][:DEPTH]

    return lists


def fit_item_item(matrix, name: str):
    """implicit's item-item model ("cosine" or "bm25", 100 neighbours) on a users x books matrix."""
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

    model = {"cosine": CosineRecommender, "bm25": BM25Recommender}[name](K=100)
    with warnings.catch_warnings():
        # implicit's item-item models convert their own weighted matrix to COO and then
        # warn that they were passed COO: nothing the caller can change
        warnings.filterwarnings("ignore", message="Method expects CSR input")
        model.fit(matrix, show_progress=False)
    return model


def ease_lists(setup: SplitInputs, ease: Ease) -> Lists:
    return score_lists(setup, _ease_score(setup, ease))


def bookrec_lists(setup: SplitInputs, config: ListConfig) -> Lists:
    """bookrec's list for each case, through the one adapter (bookrec.evaluation.bookrec_list)."""
    ranker = setup.ranker(config)
    return lambda case: bookrec_list(ranker, case.history, case.ratings, DEPTH)


def ruled_lists(
    setup: SplitInputs,
    config: ListConfig,
    score_of: Callable[[Case], np.ndarray],
    rules: bool = True,
) -> Lists:
    """Lists ranked by score_of(case) under the list's rules (nothing read in any form, one
    entry per series, caps), or, without rules, with only the case's own books left out (the
    diagnostic rows: what the rules cost)."""

    def lists(case: Case) -> list[int]:
        score = _known_above_blocked(score_of(case))
        if not rules:
            return setup.cands.book_ids[rank(score, _history_mask(setup, case), DEPTH)].tolist()
        blocked, _ = blocked_mask(
            setup.cands, setup.works, case.history, case.ratings, config, setup.layout
        )
        order = rank(score, blocked, 4 * DEPTH)
        chosen = pick(order, setup.cands, setup.works, DEPTH, config)
        return setup.cands.book_ids[chosen].tolist()

    return lists


def bookrec_score(setup: SplitInputs, config: ListConfig) -> Callable[[Case], np.ndarray]:
    """The one ranker's scores of a case's books before its rules (for the diagnostic rows)."""
    ranker = setup.ranker(config)

    def score_of(case: Case) -> np.ndarray:
        return ranker.score(case.history, case.ratings)

    return score_of


def _als_score(setup: SplitInputs, als, inter: Interactions) -> Callable[[Case], np.ndarray]:
    """implicit ALS's own scores of the candidates (-inf where no training reader read one)."""
    known = np.isin(setup.cands.book_ids, inter.col_ids)
    items = np.asarray(als.item_factors)[inter.cols]
    users = np.asarray(als.user_factors)

    def score_of(case: Case) -> np.ndarray:
        score = np.full(len(setup.cands.book_ids), -np.inf)
        score[known] = items @ users[int(np.searchsorted(inter.users_index, case.key))]
        return score

    return score_of


def _ease_score(setup: SplitInputs, ease: Ease) -> Callable[[Case], np.ndarray]:
    """EASE's own scores of the candidates (-inf where it does not know one)."""
    return lambda case: ease.scores(case.history, setup.cands.book_ids)


def tune_list(setup: SplitInputs, users, config: ListConfig) -> tuple[ListConfig, list[dict]]:
    """The full-history weights on the tuning readers' NDCG@10 (tune_weights). The
    predicted-rating weight is tuned too (grid_rating) when the setup has the blend."""
    if not users or len(setup.cands.book_ids) < 10:
        return config, [{**_weights(config), "ndcg@10": float("nan")}]
    grid_rating = config.grid_rating if setup.scorer is not None else (0.0,)
    grids = (config.grid_pop, config.grid_text, config.grid_corating, grid_rating)
    best, grid = tune_weights(setup, setup.cases(users), config, grids)
    chosen = dataclasses.replace(
        config, w_pop=best.pop, w_text=best.text, w_corating=best.corating, w_rating=best.rating
    )
    return chosen, grid


def tune_weights(
    setup: SplitInputs,
    cases: list[Case],
    config: ListConfig,
    grids: tuple[tuple[float, ...], ...],
) -> tuple[ListWeights, list[dict]]:
    """The weights (pop, text, co-rating, predicted rating: one grid each) with the best mean
    NDCG@10 over the cases (masks applied, caps left out for speed): every case's features
    stacked once, each grid point one matrix sum and top-10 pass. A point is judged by the
    mean over it and its neighbours in the grid (neighbourhood_means): the single best point
    often wins by less than the noise of a few hundred readers (seed 2,
    2026-12-04: 0.16388 against 0.16380 on the tuning readers, 0.168 against 0.176 on the
    report readers). The first best in grid order wins; rows of the grid are named as
    ListConfig's full-history weights, with their own NDCG and the smoothed one. Closeness in
    genres, where config weighs it for a case's reader (ListConfig.genre_for), is in every
    point's score at that fixed weight: the weights are tuned for the score they serve in."""
    n = len(setup.cands.book_ids)
    feats = np.zeros((4, len(cases), n), np.float32)
    fixed = np.zeros((len(cases), n), np.float32)  # the terms not tuned here: genres
    blocked = np.zeros((len(cases), n), bool)
    relevant = np.zeros((len(cases), n), bool)
    cand_works = np.array([setup.works.work(int(b)) for b in setup.cands.book_ids], np.int64)
    n_relevant = np.zeros(len(cases))
    ranker = setup.ranker(config)
    for row, case in enumerate(cases):
        read = ranker.books_read(case.history, case.ratings)  # as the list reads the books
        ids, ratings = read.ids, read.ratings
        f = reader_features(setup.cands, setup.text, setup.corating, ids, ratings, config)
        rating = setup.predicted_for(ids, ratings) if any(grids[3]) else None
        feats[:3, row] = (f.pop, f.text, f.corating)
        if rating is not None:  # else 0: no grid point weighs it
            feats[3, row] = zscore(rating)
        if f.genre is not None:
            fixed[row] = config.genre_for(len(ids)) * f.genre
        blocked[row], _ = blocked_mask(
            setup.cands, setup.works, read.ruled_ids, read.ruled_ratings, config, setup.layout
        )
        relevant[row] = np.isin(cand_works, np.fromiter(case.relevant, np.int64))
        n_relevant[row] = len(case.relevant)
    discount = 1.0 / np.log2(np.arange(2, 12))
    ideal = np.array([discount[: min(10, int(k))].sum() for k in n_relevant])
    # every grid point by its index along each grid, all weights 0 left out
    points = [
        (at, weights)
        for at in itertools.product(*(range(len(g)) for g in grids))
        if any(weights := tuple(g[i] for g, i in zip(grids, at, strict=True)))
    ]
    values = np.full(tuple(len(g) for g in grids), np.nan)
    rows = np.arange(len(cases))[:, None]
    for at, weights in points:
        score = np.tensordot(np.asarray(weights, np.float32), feats, axes=1) + fixed
        score[blocked] = -np.inf
        top = np.argpartition(-score, 9, axis=1)[:, :10]
        top = np.take_along_axis(top, np.argsort(-score[rows, top], axis=1), axis=1)
        values[at] = float(((relevant[rows, top] * discount).sum(axis=1) / ideal).mean())
    smoothed = neighbourhood_means(values)
    grid = []
    best = (-1.0, ListWeights(*(g[0] for g in grids)))
    for at, weights in points:
        grid.append(
            {
                **dict(zip(WEIGHTS, weights, strict=True)),
                "ndcg@10": float(values[at]),
                "smoothed_ndcg@10": float(smoothed[at]),
            }
        )
        if smoothed[at] > best[0] + 1e-12:
            best = (float(smoothed[at]), ListWeights(*weights))
    return best[1], grid


def train_reranker(setup: SplitInputs, config: ListConfig, cases: list[Case]) -> TreeRanker | None:
    """A re-ranker (bookrec.lists.learned) learned from these cases: each case's best
    candidates by the linear score under config, as its list re-orders them
    (ListRanker.rerank_inputs), relevant = the case's relevant works. The full-history one
    learns from the tuning readers' cases, the few-book one from their books cut to a few
    (topn_modes.tune_few_books). None where config's depth for them is 0 or too few are
    relevant."""
    cases = [case for case in cases if config.rerank_depth_for(len(case.history))]
    if not cases:
        return None
    ranker = dataclasses.replace(setup, rerankers=Rerankers()).ranker(config)  # linear order
    cand_works = np.array([setup.works.work(int(b)) for b in setup.cands.book_ids], np.int64)
    rows, labels = [], []
    for case in cases:
        positions, x = ranker.rerank_inputs(case.history, case.ratings)
        rows.append(x)
        labels.append(np.isin(cand_works[positions], np.fromiter(case.relevant, np.int64)))
    return train_tree_ranker(rows, labels)


def grid_ndcg(grid: list[dict], weights: ListWeights) -> float:
    """The tuning NDCG@10 of these weights in a tune_weights grid (NaN: not in it)."""
    for row in grid:
        if all(row[name] == value for name, value in zip(WEIGHTS, weights, strict=True)):
            return float(row["ndcg@10"])
    return float("nan")


def neighbourhood_means(values: np.ndarray) -> np.ndarray:
    """Each grid point's mean with its neighbours (one index step along each axis, the
    corners too; NaN points, such as all weights 0, left out)."""
    total = np.zeros_like(values)
    count = np.zeros_like(values)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    for shift in itertools.product((-1, 0, 1), repeat=values.ndim):
        src = tuple(
            slice(max(0, d), n + min(0, d)) for d, n in zip(shift, values.shape, strict=True)
        )
        dst = tuple(
            slice(max(0, -d), n + min(0, -d)) for d, n in zip(shift, values.shape, strict=True)
        )
        total[dst] += filled[src]
        count[dst] += present[src]
    out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return np.where(present, out, np.nan)


def _weights(config: ListConfig) -> dict[str, float]:
    return {name: getattr(config, name) for name in WEIGHTS}


def evaluate_topn(
    con: duckdb.DuckDBPyConnection,
    config: EvalConfig,
    seed: int,
    list_config: ListConfig | None = None,
    recommend: RecommendConfig | None = None,
    corating_config: CoratingConfig | None = None,
    topn_config: TopNConfig | None = None,
    scorer_settings: ScorerConfig | None = None,
) -> TopNResult:
    """Every top-N method on one seeded split; bookrec's weights tuned on the tuning readers.

    Full histories first (result.methods); then, unless topn_config.modes is off, the lists
    readers meet on the page (result.modes, bookrec.evaluation.topn_modes). The blend behind
    the predicted-rating input runs with scorer_settings, or the warehouse's saved ones.
    """
    started = time.perf_counter()
    list_config = list_config or ListConfig()
    topn_config = topn_config or TopNConfig()
    corating_config = corating_config or CoratingConfig()
    ratings = load_ratings(con)
    split = split_ratings(ratings, config.min_ratings, config.hidden_share, config.tune_share, seed)
    scorer_settings = scorer_settings or load_scorer_settings(con)
    notes: list[str] = []
    if scorer_settings.space == "trained":
        # the predicted-rating input would be flattered on the readers whose hidden ratings
        # trained the projector: left out, as the rating evaluation leaves them out
        version = newest_projection_version(con)  # the one load_book_vectors takes
        split = without_projector_readers(con, split, version, ratings, notes)
    setup = _setup(con, split, recommend or RecommendConfig(), corating_config, scorer_settings)
    tune = [int(u) for u in split.tune_users if int(u) in setup.relevant]
    report = [int(u) for u in split.report_users if int(u) in setup.relevant]
    chosen, grid = tune_list(setup, tune, list_config)
    log.info("top-N: tuned weights %s", chosen)
    full_ranker = train_reranker(setup, chosen, setup.cases(tune))
    from bookrec.evaluation.topn_modes import evaluate_modes, tune_few_books

    chosen, few_tune_ndcg, few_ranker = tune_few_books(
        setup, ratings, tune, chosen, topn_config, corating_config, seed
    )
    rerankers = Rerankers(few=few_ranker, full=full_ranker)
    setup = dataclasses.replace(setup, rerankers=rerankers)
    cases = setup.cases(report)

    counts_train = split.train.groupby("book_id").size()
    train_pop = counts_train.reindex(setup.cands.book_ids).fillna(0).to_numpy(np.float64)
    books = load_books(con).set_index("book_id")
    avg = books["avg_rating"].reindex(setup.cands.book_ids).to_numpy(np.float64)
    methods: dict[str, dict[str, float]] = {}
    methods["most_popular"] = evaluate_cases(
        setup, cases, static_lists(setup, train_pop + 1e-6 * setup.cands.popularity)
    )
    methods["highest_avg_rating"] = evaluate_cases(setup, cases, static_lists(setup, avg))
    inter = Interactions.build(split.train, setup.cands)
    als = fit_als(inter.matrix, corating_config)
    methods["implicit_als"] = evaluate_cases(setup, cases, implicit_lists(inter, als))
    for name in ("cosine", "bm25"):
        model = fit_item_item(inter.matrix, name)
        methods[f"implicit_item_{name}"] = evaluate_cases(
            setup, cases, implicit_lists(inter, model)
        )
    ease = fit_ease_matrix(inter.matrix, inter.books_index, corating_config)
    methods["ease"] = evaluate_cases(setup, cases, ease_lists(setup, ease))
    methods["bookrec_list"] = evaluate_cases(setup, cases, bookrec_lists(setup, chosen))
    # what the list's rules cost: bookrec's score without them, the peers' own scores under them
    ours = bookrec_score(setup, chosen)
    methods[DIAG_WITHOUT_RULES] = evaluate_cases(
        setup, cases, ruled_lists(setup, chosen, ours, rules=False)
    )
    methods[DIAG_ALS_UNDER_RULES] = evaluate_cases(
        setup, cases, ruled_lists(setup, chosen, _als_score(setup, als, inter))
    )
    methods[DIAG_EASE_UNDER_RULES] = evaluate_cases(
        setup, cases, ruled_lists(setup, chosen, _ease_score(setup, ease))
    )
    del ease  # an items x items matrix: free it before the modes fit their own
    modes: dict[str, dict[str, dict[str, float]]] = {}
    mode_counts: dict[str, int] = {}
    if topn_config.modes:
        modes, mode_counts = evaluate_modes(
            setup, ratings, report, chosen, topn_config, corating_config, seed
        )
    counts = {
        "candidates": len(setup.cands.book_ids),
        "tune_users": len(tune),
        "report_users": len(report),
        **mode_counts,
        "seconds": round(time.perf_counter() - started, 1),
    }
    notes += [
        "relevant = works of hidden books rated 4-5, minus the works read through the training "
        "books (their editions, a collection's contents, the main series entries before the "
        "earliest one they have); hidden books outside the candidates still count as relevant "
        "for every method",
        "the co-rating vectors and the implicit peers are fitted on the training ratings only",
        f"ease: EASE (closed form, reg {corating_config.ease_reg:g}) on the books at least "
        f"{corating_config.ease_min_readers} training readers read",
        f"{DIAG_WITHOUT_RULES}: bookrec's score with only the training books left out (other "
        "editions, later series entries and more than 2 books per author allowed); "
        f"{DIAG_ALS_UNDER_RULES}, {DIAG_EASE_UNDER_RULES}: implicit ALS's and EASE's own "
        "scores under bookrec's rules. Together they show what the rules cost",
        f"the blend behind the predicted-rating input: {scorer_settings.space} space, alpha "
        f"{scorer_settings.alpha:g}, temperature {scorer_settings.temperature:g}, top_k "
        f"{scorer_settings.top_k or 'all'}",
    ]
    return TopNResult(
        seed=seed,
        counts=counts,
        methods=methods,
        chosen=chosen,
        tune_ndcg=grid_ndcg(grid, chosen.weights_for(chosen.few_books + 1)),
        few_tune_ndcg=few_tune_ndcg,
        grid=grid,
        notes=notes,
        modes=modes,
        rerankers=rerankers,
        data=data_label(con),
    )
