"""The lists readers meet on the page, measured on the evaluation's report readers.

A reader on the page types 1 to 5 books, often unrated, and clicks "more like this" on one.
Both are measured on readers no model has seen: every model of this module (the co-rating
vectors bookrec ranks with, implicit ALS and item-item cosine, EASE, popularity) is fitted on
the ratings of every reader except the report readers, whose ratings are all held out.

- Few-book readers: each report reader's books in a seeded random order, cut to the first 1,
  3 and 5 (so the cuts nest); given rated, and unrated (ratings NaN). Relevant = the works of
  their other books rated 4-5 (minus the works they read through the cut: editions, a
  collection's contents, series entries before the earliest one kept; topn.relevant_works).
- "More like this": a seed is a candidate that at least mlt_min_readers report readers rated
  4-5; relevant = the works of the other books those readers rated 4-5 (minus the seed's own).
  Every method gets the seed alone; bookrec its "more like this" list (ListRanker.like_this:
  the list of a one-book unrated history, ranked for books like it).
- "More like this", beyond popularity: the same seeds, relevant = only those of their
  relevant works that at least two of the seed's likers liked, at mlt_lift times the share of
  all report readers who liked them. Every widely liked book is relevant to nearly every seed
  above (~1,600 relevant works a seed on the shared data: most popular scores 0.82 there);
  here a book counts only where liking the seed goes with liking it.

Methods: most popular (held-out training counts), implicit ALS with the reader folded in from
their books (recalculate_user) or ALS's similar_items for a seed, implicit item-item cosine,
EASE, and bookrec's list (bookrec.evaluation.bookrec_list, the one adapter to the ranker). The
collaborative peers ignore ratings, so their rated and unrated lists are the same lists.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from bookrec.config import CoratingConfig, ListConfig, TopNConfig
from bookrec.evaluation.topn import (
    DEPTH,
    DIAG_WITHOUT_RULES,
    Case,
    Interactions,
    Lists,
    SplitInputs,
    bookrec_lists,
    bookrec_score,
    ease_lists,
    evaluate_cases,
    fit_item_item,
    grid_ndcg,
    implicit_lists,
    relevant_works,
    ruled_lists,
    static_lists,
    train_reranker,
    tune_weights,
)
from bookrec.evaluation.topn_metrics import TopNScores
from bookrec.lists.corating import fit_als
from bookrec.lists.ease import fit_ease_matrix
from bookrec.lists.learned import TreeRanker
from bookrec.lists.works import Works

log = logging.getLogger(__name__)

LIKED = 4  # a rating at or above this makes a book relevant
MORE_LIKE_THIS = "more_like_this"
MORE_LIKE_THIS_SPECIFIC = "more_like_this_specific"


def few_mode(size: int, rated: bool) -> str:
    """The mode's name in reports: few_3_rated, few_1_unrated, ..."""
    return f"few_{size}_{'rated' if rated else 'unrated'}"


def reader_books(ratings: pd.DataFrame, users) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Every rating of these readers: user -> (book ids, ratings), in book id order."""
    chosen = ratings[ratings["user_id"].isin(list(users))].sort_values(["user_id", "book_id"])
    return {
        int(u): (g["book_id"].to_numpy(np.int64), g["rating"].to_numpy(np.float64))
        for u, g in chosen.groupby("user_id")
    }


def few_book_cases(
    books: dict[int, tuple[np.ndarray, np.ndarray]],
    works: Works,
    sizes,
    seed: int,
    shuffle: int = 0,
) -> dict[int, list[Case]]:
    """size -> the rated case of each reader with a relevant book left (see module docstring).

    Each reader's books are shuffled once per seed and cut at every size, so a reader's 1-book
    history is part of their 3-book one; `shuffle` > 0 draws another order (more cases of the
    same readers, to learn from).
    """
    rng = np.random.default_rng([seed, 18] if shuffle == 0 else [seed, 18, shuffle])
    cases: dict[int, list[Case]] = {k: [] for k in sizes}
    for user in sorted(books):
        ids, ratings = books[user]
        order = rng.permutation(len(ids))
        for k in sizes:
            if k >= len(ids):
                continue
            kept, rest = order[:k], order[k:]
            relevant = relevant_works(works, ids[kept], ids[rest][ratings[rest] >= LIKED])
            if relevant:
                cases[k].append(Case(user, ids[kept], ratings[kept], relevant))
    return cases


def unrated(cases: list[Case]) -> list[Case]:
    """The same cases with every rating unknown (NaN)."""
    return [Case(c.key, c.history, np.full(len(c.history), np.nan), c.relevant) for c in cases]


def more_like_this_cases(
    books: dict[int, tuple[np.ndarray, np.ndarray]],
    works: Works,
    candidate_ids: np.ndarray,
    min_readers: int,
    max_seeds: int,
    seed: int,
) -> list[Case]:
    """One case per seed book (see module docstring), at most max_seeds of them (seeded)."""
    liked_by: dict[int, list[int]] = {}
    for user, (ids, ratings) in books.items():
        for b in ids[ratings >= LIKED].tolist():
            liked_by.setdefault(b, []).append(user)
    seeds = [int(b) for b in candidate_ids if len(liked_by.get(int(b), ())) >= min_readers]
    if len(seeds) > max_seeds:
        rng = np.random.default_rng([seed, 18, 2])
        seeds = sorted(rng.choice(seeds, max_seeds, replace=False).tolist())
    cases = []
    for b in seeds:
        own = works.read_works([b])
        relevant: set[int] = set()
        for user in liked_by[b]:
            ids, ratings = books[user]
            relevant |= {works.work(int(x)) for x in ids[ratings >= LIKED]}
        relevant -= own
        if relevant:
            cases.append(Case(b, np.array([b], np.int64), np.array([np.nan]), frozenset(relevant)))
    return cases


def specific_cases(
    cases: list[Case],
    books: dict[int, tuple[np.ndarray, np.ndarray]],
    works: Works,
    lift: float,
    min_likers: int = 2,
) -> list[Case]:
    """The "more like this" cases with only the relevant works that at least min_likers of
    the seed's likers liked, at `lift` times the share of all readers (of `books`) who liked
    them; a seed left with none is dropped."""
    liked_works = {
        user: {works.work(int(b)) for b in ids[ratings >= LIKED].tolist()}
        for user, (ids, ratings) in books.items()
    }
    readers_of: dict[int, int] = {}
    for liked in liked_works.values():
        for w in liked:
            readers_of[w] = readers_of.get(w, 0) + 1
    out = []
    for case in cases:
        seed = works.work(int(case.history[0]))
        likers = [liked for liked in liked_works.values() if seed in liked]
        together: dict[int, int] = {}
        for liked in likers:
            for w in liked & case.relevant:
                together[w] = together.get(w, 0) + 1
        relevant = frozenset(
            w
            for w, n in together.items()
            if n >= min_likers and n / len(likers) >= lift * readers_of[w] / len(books)
        )
        if relevant:
            out.append(Case(case.key, case.history, case.ratings, relevant))
    return out


def memoized(lists: Lists) -> Lists:
    """The same lists, computed once per (key, history): a peer's rated and unrated lists
    are one list."""
    cache: dict[tuple, list[int]] = {}

    def cached(case: Case) -> list[int]:
        key = (case.key, tuple(case.history.tolist()))
        if key not in cache:
            cache[key] = lists(case)
        return cache[key]

    return cached


def similar_items_lists(inter: Interactions, model) -> Lists:
    """A seed's list by the model's similar_items over the candidates (the seed left out);
    empty when no training reader read the seed."""

    def lists(case: Case) -> list[int]:
        seed = int(case.history[0])
        col = int(np.searchsorted(inter.books_index, seed))
        if col >= len(inter.books_index) or inter.books_index[col] != seed:
            return []
        got, _ = model.similar_items(col, N=min(DEPTH + 1, len(inter.cols)), items=inter.cols)
        return [b for b in inter.to_ids(got) if b != seed][:DEPTH]

    return lists


def tune_few_books(
    setup: SplitInputs,
    ratings: pd.DataFrame,
    tune: list[int],
    chosen: ListConfig,
    config: TopNConfig,
    corating_config: CoratingConfig,
    seed: int,
) -> tuple[ListConfig, float, TreeRanker | None]:
    """chosen with its few-book weights tuned, their tuning NDCG@10, and the few-book
    re-ranker trained under them (topn.train_reranker): the tuning readers' books cut as the
    report readers' are (the sizes up to chosen.few_books, rated), the co-rating vectors fitted
    without the tuning readers; the best mean NDCG@10 over those cases (tune_weights); the
    re-ranker learns from config.few_ranker_shuffles cuts of them, rated and unrated. The
    co-rating and predicted-rating weights keep the full-history grids, popularity and text
    take grid_few_pop and grid_few_text (popularity counts for more with few books)."""
    sizes = [k for k in config.few_sizes if k <= chosen.few_books]
    if not sizes or not tune:
        return chosen, float("nan"), None
    held = setup.refit(ratings[~ratings["user_id"].isin(tune)], corating_config)
    books = reader_books(ratings, tune)
    few = few_book_cases(books, setup.works, sizes, seed)
    cases = [case for k in sizes for case in few[k]]
    if not cases:
        return chosen, float("nan"), None
    grid_rating = chosen.grid_rating if setup.scorer is not None else (0.0,)
    grids = (chosen.grid_few_pop, chosen.grid_few_text, chosen.grid_corating, grid_rating)
    best, grid = tune_weights(held, cases, chosen, grids)
    value = grid_ndcg(grid, best)
    log.info("top-N: few-book weights %s (tuning NDCG@10 %.3f, %d cases)", best, value, len(cases))
    tuned = dataclasses.replace(
        chosen,
        few_w_pop=best.pop,
        few_w_text=best.text,
        few_w_corating=best.corating,
        few_w_rating=best.rating,
    )
    for shuffle in range(1, config.few_ranker_shuffles):
        more = few_book_cases(books, setup.works, sizes, seed, shuffle)
        cases = [*cases, *(case for k in sizes for case in more[k])]
    return tuned, value, train_reranker(held, tuned, [*cases, *unrated(cases)])


def evaluate_modes(
    setup: SplitInputs,
    ratings: pd.DataFrame,
    report: list[int],
    chosen: ListConfig,
    config: TopNConfig,
    corating_config: CoratingConfig,
    seed: int,
) -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, int]]:
    """Few-book and "more like this" tables: mode -> method -> metrics, and the cases counted."""
    train = ratings[~ratings["user_id"].isin(report)]
    held = setup.refit(train, corating_config)
    books = reader_books(ratings, report)
    inter = Interactions.build(train, held.cands)
    popularity = (
        train.groupby("book_id").size().reindex(held.cands.book_ids).fillna(0).to_numpy(np.float64)
    )
    als = fit_als(inter.matrix, corating_config)
    cosine = fit_item_item(inter.matrix, "cosine")
    ease = fit_ease_matrix(inter.matrix, inter.books_index, corating_config)
    peers: dict[str, Lists] = {
        "most_popular": memoized(static_lists(held, popularity + 1e-6 * held.cands.popularity)),
        "implicit_als_folded_in": memoized(implicit_lists(inter, als, fold_in=True)),
        "implicit_item_cosine": memoized(implicit_lists(inter, cosine, fold_in=True)),
        "ease": memoized(ease_lists(held, ease)),
    }
    ours = bookrec_lists(held, chosen)
    # what the list's rules cost these readers: bookrec's score with only their books left out
    # (as for full histories; the peers are measured without the rules too)
    unruled = ruled_lists(held, chosen, bookrec_score(held, chosen), rules=False)
    ranked = {"bookrec_list": ours, DIAG_WITHOUT_RULES: unruled}
    modes: dict[str, dict[str, TopNScores]] = {}
    counts: dict[str, int] = {}
    few = few_book_cases(books, setup.works, config.few_sizes, seed)
    for size in config.few_sizes:
        for rated in (True, False):
            cases = few[size] if rated else unrated(few[size])
            name = few_mode(size, rated)
            modes[name] = _table(held, cases, {**peers, **ranked})
            counts[f"{name}_readers"] = len(cases)
            log.info("top-N %s: %s", name, modes[name]["bookrec_list"].ndcg_at_10)
    seeds = more_like_this_cases(
        books, setup.works, held.cands.book_ids, config.mlt_min_readers, config.mlt_max_seeds, seed
    )
    similar = {
        "most_popular": peers["most_popular"],
        "implicit_item_cosine": memoized(similar_items_lists(inter, cosine)),
        "implicit_als_similar_items": memoized(similar_items_lists(inter, als)),
        "ease": peers["ease"],
        **{name: memoized(lists) for name, lists in ranked.items()},  # a seed: like_this
    }
    modes[MORE_LIKE_THIS] = _table(held, seeds, similar)
    counts[f"{MORE_LIKE_THIS}_seeds"] = len(seeds)
    specific = specific_cases(seeds, books, setup.works, config.mlt_lift)
    counts[f"{MORE_LIKE_THIS_SPECIFIC}_seeds"] = len(specific)
    if specific:  # small data may leave no seed a book liked that much more by its likers
        modes[MORE_LIKE_THIS_SPECIFIC] = _table(held, specific, similar)
    else:
        log.info("top-N %s: no seed has such a book; left out", MORE_LIKE_THIS_SPECIFIC)
    return modes, counts


def _table(
    setup: SplitInputs, cases: list[Case], methods: dict[str, Callable]
) -> dict[str, TopNScores]:
    return {name: evaluate_cases(setup, cases, lists) for name, lists in methods.items()}
