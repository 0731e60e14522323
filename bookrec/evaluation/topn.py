"""Top-N evaluation: the lists themselves, on the same hidden split as rating prediction.

For each report reader (bookrec.evaluation.split: same seed, same users), every method ranks
the candidates (books with a Goodreads average from >= RecommendConfig.min_num_ratings ratings)
minus the reader's training books. Relevant = the works of their hidden books rated 4-5; an
item is a hit when its work is relevant (each work counts once), so another edition of a liked
hidden book counts for every method alike. bookrec's list weights are tuned on the tuning
readers' NDCG@10 and reported on the others.

Metrics: NDCG@10, recall@10/@50, hit rate@10, MRR (first 50), catalog coverage (share of
candidates in any top 10), novelty (mean popularity rank of top-10 items, 1 = most rated),
intra-list diversity (1 - mean pairwise text cosine in a top 10), already-read rate (share of
top-10 items that are an edition, collection or derivative of a training book).
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

from bookrec.config import CoratingConfig, EvalConfig, ListConfig, RecommendConfig
from bookrec.embedding.store import load_book_vectors
from bookrec.evaluation.split import split_ratings
from bookrec.evaluation.topn_metrics import (
    hit_at,
    intra_list_diversity,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)
from bookrec.lists.corating import corating_vectors, fit_als, interaction_matrix
from bookrec.lists.ranking import (
    Candidates,
    SeriesLayout,
    blocked_mask,
    pick,
    rank,
    reader_features,
    zscore,
)
from bookrec.lists.reader_list import ListRanker
from bookrec.lists.works import Works, load_works
from bookrec.scoring.scorer import BlendScorer
from bookrec.scoring.settings import load_scorer_settings
from bookrec.warehouse.tables import load_books, load_ratings

log = logging.getLogger(__name__)

DEPTH = 50  # items kept per list: recall@50 and MRR look this deep
# diagnostic rows (not methods a reader gets): the cost of the list's rules, measured both ways
DIAG_WITHOUT_RULES = "diag_bookrec_score_without_rules"
DIAG_ALS_UNDER_RULES = "diag_implicit_als_under_the_rules"
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
)


@dataclass
class TopNResult:
    seed: int
    counts: dict[str, float]
    methods: dict[str, dict[str, float]]
    chosen: ListConfig
    tune_ndcg: float = float("nan")
    grid: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "counts": self.counts,
            "chosen": {
                k: getattr(self.chosen, k)
                for k in ("w_pop", "w_text", "w_corating", "w_rating", "closest")
            },
            "tune_ndcg": self.tune_ndcg,
            "methods": [{"method": n, **row} for n, row in self.methods.items()],
            "notes": self.notes,
        }


@dataclass
class Setup:
    """Everything the methods share for one split."""

    cands: Candidates
    text: object
    corating: object
    works: Works
    train: pd.DataFrame
    histories: dict[int, tuple[np.ndarray, np.ndarray]]
    relevant: dict[int, set[int]]
    pop_rank: dict[int, int]
    layout: SeriesLayout | None = None  # the candidates' series, built once for every reader
    scorer: BlendScorer | None = None  # the blend, for the predicted-rating feature
    authors: dict[int, str] | None = None  # every book's author (a disliked book's is pushed down)

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
        )

    def predicted(self, user: int) -> np.ndarray | None:
        """The blend's predicted rating of every candidate for this reader."""
        if self.scorer is None:
            return None
        ids, ratings = self.histories[user]
        return self.scorer.predict(ids, ratings, self.cands.book_ids)


def _setup(con, split, recommend: RecommendConfig, corating_config: CoratingConfig) -> Setup:
    books = load_books(con)
    works = load_works(con)
    text = load_book_vectors(con, "raw")
    # the blend as `recommend` runs it (tuned settings, their space) predicts the ratings
    settings = load_scorer_settings(con)
    known = books[books["avg_rating"].notna()]
    scorer = BlendScorer(
        text if settings.space == "raw" else load_book_vectors(con, settings.space),
        pd.Series(known["avg_rating"].to_numpy(np.float64), index=known["book_id"].to_numpy()),
        settings,
    )
    num = pd.to_numeric(books["num_ratings"], errors="coerce").fillna(0)
    eligible = books["avg_rating"].notna() & (num >= recommend.min_num_ratings)
    chosen = books[eligible]
    corating = corating_vectors(split.train, corating_config)
    cands = Candidates.build(
        chosen["book_id"].to_numpy(np.int64),
        [a if isinstance(a, str) else "" for a in chosen["author"]],
        num[eligible].to_numpy(np.float64),
        text,
        corating,
        works,
        avg_rating=chosen["avg_rating"].to_numpy(np.float64),
    )
    order = np.argsort(-cands.popularity, kind="stable")
    pop_rank = {int(cands.book_ids[i]): r + 1 for r, i in enumerate(order)}
    histories = {
        int(u): (g["book_id"].to_numpy(np.int64), g["rating"].to_numpy(np.float64))
        for u, g in split.train.groupby("user_id")
    }
    liked = split.test[split.test["rating"] >= 4]
    relevant = {
        int(u): {works.work(int(b)) for b in g["book_id"]} for u, g in liked.groupby("user_id")
    }
    layout = SeriesLayout.build(cands, works)
    authors = dict(
        zip(
            books["book_id"].astype(np.int64).tolist(),
            [a if isinstance(a, str) else "" for a in books["author"]],
            strict=True,
        )
    )
    return Setup(
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
    )


def _score_list(setup: Setup, user: int, items: list[int]) -> dict[str, float]:
    """Metrics of one reader's list (book ids, best first)."""
    works = setup.works
    relevant = setup.relevant[user]
    seen: set[int] = set()
    hits = []
    for b in items:
        w = works.work(b)
        hits.append(w in relevant and w not in seen)
        seen.add(w)
    hits = np.asarray(hits, bool)
    history = setup.histories.get(user, (np.zeros(0, np.int64), None))[0]
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
    }


def _evaluate(setup: Setup, users, lists: Callable[[int], list[int]]) -> dict[str, float]:
    rows = []
    shown: set[int] = set()
    for u in users:
        items = lists(u)
        shown |= set(items[:10])
        rows.append(_score_list(setup, u, items))
    frame = pd.DataFrame(rows, columns=[m for m in METRICS if m != "coverage"])
    summary = {m: float(frame[m].mean()) if len(frame) else float("nan") for m in frame.columns}
    summary["coverage"] = len(shown) / len(setup.cands.book_ids)
    summary["users"] = len(rows)
    return summary


def _training_mask(setup: Setup, user: int) -> np.ndarray:
    history = setup.histories.get(user, (np.zeros(0, np.int64), None))[0]
    return np.isin(setup.cands.book_ids, history)


def _static_lists(setup: Setup, score: np.ndarray) -> Callable[[int], list[int]]:
    def lists(user: int) -> list[int]:
        order = rank(score, _training_mask(setup, user), DEPTH)
        return setup.cands.book_ids[order].tolist()

    return lists


def _implicit_lists(setup: Setup, model, matrix, users_index, books_index):
    """Lists of an implicit model, restricted to the candidates (training books filtered)."""
    cand_cols = np.searchsorted(books_index, setup.cands.book_ids)
    cand_cols = np.clip(cand_cols, 0, len(books_index) - 1)
    known = books_index[cand_cols] == setup.cands.book_ids
    cols = cand_cols[known]
    ids = setup.cands.book_ids[known]

    def lists(user: int) -> list[int]:
        row = int(np.searchsorted(users_index, user))
        got, _ = model.recommend(
            row, matrix[row], N=DEPTH, filter_already_liked_items=True, items=cols
        )
        lookup = dict(zip(cols.tolist(), ids.tolist(), strict=True))
        return [lookup[int(c)] for c in got]

    return lists


def _ruled_lists(
    setup: Setup, config: ListConfig, score_of: Callable[[int], np.ndarray], rules: bool = True
) -> Callable[[int], list[int]]:
    """Lists ranked by score_of(user) under the list's rules (nothing read in any form, one
    entry per series, caps), or, without rules, with only the training books left out."""

    def lists(user: int) -> list[int]:
        score = score_of(user)
        if not rules:
            return setup.cands.book_ids[rank(score, _training_mask(setup, user), DEPTH)].tolist()
        ids, ratings = setup.histories[user]
        blocked, _ = blocked_mask(setup.cands, setup.works, ids, ratings, config, setup.layout)
        order = rank(score, blocked, 4 * DEPTH)
        chosen = pick(order, setup.cands, setup.works, DEPTH, config)
        return setup.cands.book_ids[chosen].tolist()

    return lists


def _bookrec_lists(setup: Setup, config: ListConfig) -> Callable[[int], list[int]]:
    """bookrec's list: exactly what `bookrec recommend` serves (ListRanker.recommend)."""
    ranker = setup.ranker(config)

    def lists(user: int) -> list[int]:
        ids, ratings = setup.histories[user]
        return [item.book_id for item in ranker.recommend(ids, ratings, DEPTH)]

    return lists


def _bookrec_score(setup: Setup, config: ListConfig) -> Callable[[int], np.ndarray]:
    """The one ranker's scores before its rules (for the diagnostic rows)."""
    ranker = setup.ranker(config)

    def score_of(user: int) -> np.ndarray:
        return ranker.score(*setup.histories[user])

    return score_of


def _als_score(setup: Setup, als, users_index, books_index) -> Callable[[int], np.ndarray]:
    """implicit ALS's own scores of the candidates (-inf where no training reader read one)."""
    cols = np.clip(np.searchsorted(books_index, setup.cands.book_ids), 0, len(books_index) - 1)
    known = books_index[cols] == setup.cands.book_ids
    items = np.asarray(als.item_factors)[cols[known]]
    users = np.asarray(als.user_factors)

    def score_of(user: int) -> np.ndarray:
        score = np.full(len(setup.cands.book_ids), -np.inf)
        score[known] = items @ users[int(np.searchsorted(users_index, user))]
        return score

    return score_of


def tune_list(setup: Setup, users, config: ListConfig) -> tuple[ListConfig, list[dict]]:
    """The weight grid on the tuning readers' NDCG@10 (masks applied, caps left out for speed):
    every reader's features stacked once, each grid point one matrix sum and top-10 pass.
    The predicted-rating weight is tuned too (grid_rating) when the setup has the blend."""
    n = len(setup.cands.book_ids)
    if not users or n < 10:
        return config, [{**_weights(config), "ndcg@10": float("nan")}]
    grid_rating = config.grid_rating if setup.scorer is not None else (0.0,)
    feats = np.zeros((4, len(users), n), np.float32)
    blocked = np.zeros((len(users), n), bool)
    relevant = np.zeros((len(users), n), bool)
    cand_works = np.array([setup.works.work(int(b)) for b in setup.cands.book_ids], np.int64)
    n_relevant = np.zeros(len(users))
    for row, u in enumerate(users):
        ids, ratings = setup.histories[u]
        f = reader_features(setup.cands, setup.text, setup.corating, ids, ratings, config)
        rating = zscore(setup.predicted(u)) if any(grid_rating) else np.zeros(n)
        feats[:, row] = (f.pop, f.text, f.corating, rating)
        blocked[row], _ = blocked_mask(setup.cands, setup.works, ids, ratings, config, setup.layout)
        relevant[row] = np.isin(cand_works, np.fromiter(setup.relevant[u], np.int64))
        n_relevant[row] = len(setup.relevant[u])
    discount = 1.0 / np.log2(np.arange(2, 12))
    ideal = np.array([discount[: min(10, int(k))].sum() for k in n_relevant])
    grid = []
    best = (-1.0, config)
    rows = np.arange(len(users))[:, None]
    for weights in itertools.product(
        config.grid_pop, config.grid_text, config.grid_corating, grid_rating
    ):
        if not any(weights):
            continue
        score = np.tensordot(np.asarray(weights, np.float32), feats, axes=1)
        score[blocked] = -np.inf
        top = np.argpartition(-score, 9, axis=1)[:, :10]
        top = np.take_along_axis(top, np.argsort(-score[rows, top], axis=1), axis=1)
        ndcg = (relevant[rows, top] * discount).sum(axis=1) / ideal
        value = float(ndcg.mean())
        chosen = dataclasses.replace(config, **dict(zip(WEIGHTS, weights, strict=True)))
        grid.append({**_weights(chosen), "ndcg@10": value})
        if value > best[0] + 1e-12:
            best = (value, chosen)
    return best[1], grid


WEIGHTS = ("w_pop", "w_text", "w_corating", "w_rating")


def _weights(config: ListConfig) -> dict[str, float]:
    return {name: getattr(config, name) for name in WEIGHTS}


def evaluate_topn(
    con: duckdb.DuckDBPyConnection,
    config: EvalConfig,
    seed: int,
    list_config: ListConfig | None = None,
    recommend: RecommendConfig | None = None,
    corating_config: CoratingConfig | None = None,
) -> TopNResult:
    """Every top-N method on one seeded split; bookrec's weights tuned on the tuning readers."""
    started = time.perf_counter()
    list_config = list_config or ListConfig()
    ratings = load_ratings(con)
    split = split_ratings(ratings, config.min_ratings, config.hidden_share, config.tune_share, seed)
    setup = _setup(con, split, recommend or RecommendConfig(), corating_config or CoratingConfig())
    tune = [int(u) for u in split.tune_users if int(u) in setup.relevant]
    report = [int(u) for u in split.report_users if int(u) in setup.relevant]
    chosen, grid = tune_list(setup, tune, list_config)
    log.info("top-N: tuned weights %s", chosen)

    counts_train = split.train.groupby("book_id").size()
    train_pop = counts_train.reindex(setup.cands.book_ids).fillna(0).to_numpy(np.float64)
    books = load_books(con).set_index("book_id")
    avg = books["avg_rating"].reindex(setup.cands.book_ids).to_numpy(np.float64)
    methods: dict[str, dict[str, float]] = {}
    ours = _bookrec_score(setup, chosen)
    methods["most_popular"] = _evaluate(
        setup, report, _static_lists(setup, train_pop + 1e-6 * setup.cands.popularity)
    )
    methods["highest_avg_rating"] = _evaluate(setup, report, _static_lists(setup, avg))
    matrix, users_index, books_index = interaction_matrix(split.train)
    als = fit_als(matrix, corating_config or CoratingConfig())
    methods["implicit_als"] = _evaluate(
        setup, report, _implicit_lists(setup, als, matrix, users_index, books_index)
    )
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

    for name, model in (
        ("implicit_item_cosine", CosineRecommender(K=100)),
        ("implicit_item_bm25", BM25Recommender(K=100)),
    ):
        with warnings.catch_warnings():
            # implicit's item-item models convert their own weighted matrix to COO and then
            # warn that they were passed COO: nothing the caller can change
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            model.fit(matrix, show_progress=False)
        methods[name] = _evaluate(
            setup, report, _implicit_lists(setup, model, matrix, users_index, books_index)
        )
    methods["bookrec_list"] = _evaluate(setup, report, _bookrec_lists(setup, chosen))
    # what the list's rules cost: bookrec's score without them, ALS's own scores under them
    methods[DIAG_WITHOUT_RULES] = _evaluate(
        setup, report, _ruled_lists(setup, chosen, ours, rules=False)
    )
    methods[DIAG_ALS_UNDER_RULES] = _evaluate(
        setup, report, _ruled_lists(setup, chosen, _als_score(setup, als, users_index, books_index))
    )
    counts = {
        "candidates": len(setup.cands.book_ids),
        "tune_users": len(tune),
        "report_users": len(report),
        "seconds": round(time.perf_counter() - started, 1),
    }
    notes = [
        "relevant = works of hidden books rated 4-5; hidden books outside the candidates still "
        "count as relevant for every method",
        "the co-rating vectors and the implicit peers are fitted on the training ratings only",
        f"{DIAG_WITHOUT_RULES}: bookrec's score with only the training books left out (other "
        "editions, later series entries and more than 2 books per author allowed); "
        f"{DIAG_ALS_UNDER_RULES}: implicit ALS's own scores under bookrec's rules. Together "
        "they show what the rules cost",
    ]
    return TopNResult(
        seed=seed,
        counts=counts,
        methods=methods,
        chosen=chosen,
        tune_ndcg=float(np.nanmax([g["ndcg@10"] for g in grid] + [np.nan])),
        grid=grid,
        notes=notes,
    )
