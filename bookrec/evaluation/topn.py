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
)
from bookrec.lists.works import Works, load_works
from bookrec.warehouse.tables import load_books, load_ratings

log = logging.getLogger(__name__)

DEPTH = 50  # items kept per list: recall@50 and MRR look this deep
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


def _setup(con, split, recommend: RecommendConfig, corating_config: CoratingConfig) -> Setup:
    books = load_books(con)
    works = load_works(con)
    text = load_book_vectors(con, "raw")
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
    return Setup(cands, text, corating, works, split.train, histories, relevant, pop_rank, layout)


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


def _bookrec_lists(setup: Setup, config: ListConfig) -> Callable[[int], list[int]]:
    def lists(user: int) -> list[int]:
        ids, ratings = setup.histories[user]
        feats = reader_features(setup.cands, setup.text, setup.corating, ids, ratings, config)
        blocked, _ = blocked_mask(setup.cands, setup.works, ids, ratings, config, setup.layout)
        order = rank(feats.score(config), blocked, 4 * DEPTH)
        chosen = pick(order, setup.cands, setup.works, DEPTH, config)
        return setup.cands.book_ids[chosen].tolist()

    return lists


def tune_list(setup: Setup, users, config: ListConfig) -> tuple[ListConfig, list[dict]]:
    """The weight grid on the tuning readers' NDCG@10 (masks applied, caps left out for speed):
    every reader's features stacked once, each grid point one matrix sum and top-10 pass."""
    n = len(setup.cands.book_ids)
    if not users or n < 10:
        return config, [
            {
                "w_pop": config.w_pop,
                "w_text": config.w_text,
                "w_corating": config.w_corating,
                "ndcg@10": float("nan"),
            }
        ]
    feats = np.zeros((3, len(users), n), np.float32)
    blocked = np.zeros((len(users), n), bool)
    relevant = np.zeros((len(users), n), bool)
    cand_works = np.array([setup.works.work(int(b)) for b in setup.cands.book_ids], np.int64)
    n_relevant = np.zeros(len(users))
    for row, u in enumerate(users):
        ids, ratings = setup.histories[u]
        f = reader_features(setup.cands, setup.text, setup.corating, ids, ratings, config)
        feats[:, row] = (f.pop, f.text, f.corating)
        blocked[row], _ = blocked_mask(setup.cands, setup.works, ids, ratings, config, setup.layout)
        relevant[row] = np.isin(cand_works, np.fromiter(setup.relevant[u], np.int64))
        n_relevant[row] = len(setup.relevant[u])
    discount = 1.0 / np.log2(np.arange(2, 12))
    ideal = np.array([discount[: min(10, int(k))].sum() for k in n_relevant])
    grid = []
    best = (-1.0, config)
    rows = np.arange(len(users))[:, None]
    for w_pop, w_text, w_co in itertools.product(
        config.grid_pop, config.grid_text, config.grid_corating
    ):
        if w_pop == w_text == w_co == 0:
            continue
        score = w_pop * feats[0] + w_text * feats[1] + w_co * feats[2]
        score[blocked] = -np.inf
        top = np.argpartition(-score, 9, axis=1)[:, :10]
        top = np.take_along_axis(top, np.argsort(-score[rows, top], axis=1), axis=1)
        ndcg = (relevant[rows, top] * discount).sum(axis=1) / ideal
        value = float(ndcg.mean())
        grid.append({"w_pop": w_pop, "w_text": w_text, "w_corating": w_co, "ndcg@10": value})
        if value > best[0] + 1e-12:
            best = (value, dataclasses.replace(config, w_pop=w_pop, w_text=w_text, w_corating=w_co))
    return best[1], grid


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
        model.fit(matrix, show_progress=False)
        methods[name] = _evaluate(
            setup, report, _implicit_lists(setup, model, matrix, users_index, books_index)
        )
    methods["bookrec_list"] = _evaluate(setup, report, _bookrec_lists(setup, chosen))
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
