"""The re-rankers (bookrec.lists.learned): real LightGBM, trained on made-up cases
whose relevance the linear score cannot see, stored as its dump, read back and scored in numpy
as LightGBM scores it."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import lightgbm as lgb
import numpy as np
import pytest

from bookrec.config import ListConfig
from bookrec.lists.learned import (
    FEATURES,
    MAX_TABLE_SPLITS,
    MIN_RELEVANT_ROWS,
    Rerankers,
    TreeRanker,
    reranked,
    train_tree_ranker,
)
from bookrec.lists.settings import load_rerankers, save_list_settings

TEXT, LIKED = FEATURES.index("text"), FEATURES.index("log_liked_here")
SCORE = FEATURES.index("linear_score")


def made_up_cases(seed: int, cases: int = 300, depth: int = 60):
    """Per case `depth` candidates, best linear score first; relevant: close in text AND liked
    by readers here (an interaction one weight per term cannot rank), the linear score
    popularity alone."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(cases):
        x = rng.normal(size=(depth, len(FEATURES)))
        x[:, SCORE] = np.sort(rng.normal(size=depth))[::-1]
        relevant = (x[:, TEXT] > 0.8) & (x[:, LIKED] > 0.8)
        rows.append(x)
        labels.append(relevant)
    return rows, labels


def ranker_of_made_up_cases(seed: int = 0) -> TreeRanker:
    rows, labels = made_up_cases(seed)
    ranker = train_tree_ranker(rows, labels)
    assert ranker is not None
    return ranker


@pytest.fixture(scope="module")
def ranker() -> TreeRanker:
    return ranker_of_made_up_cases()


@pytest.fixture(scope="module")
def other_ranker() -> TreeRanker:
    return ranker_of_made_up_cases(1)


def hits_at_10(order: np.ndarray, relevant: np.ndarray) -> int:
    return int(relevant[order[:10]].sum())


def test_the_re_ranker_finds_what_the_linear_order_misses(ranker):
    rows, labels = made_up_cases(1, cases=100)
    linear = sum(hits_at_10(np.arange(len(y)), y) for y in labels)
    learned = sum(
        hits_at_10(reranked(ranker, x, np.arange(len(y)), None), y)
        for x, y in zip(rows, labels, strict=True)
    )
    assert learned > 3 * max(linear, 1)


def test_a_book_predicted_not_liked_stays_last_and_ties_keep_the_linear_order(ranker):
    rows, labels = made_up_cases(2, cases=1)
    top = np.arange(100, 160)  # candidate columns, best linear first
    best = reranked(ranker, rows[0], top, None)[0]
    pushed = top == best
    assert reranked(ranker, rows[0], top, pushed)[-1] == best
    same = np.repeat(rows[0][:1], len(top), axis=0)  # equal inputs, equal model scores
    assert list(reranked(ranker, same, top, None)) == list(top)


def test_too_few_relevant_rows_train_nothing():
    rows, labels = made_up_cases(3, cases=300)
    few = [np.zeros_like(y) for y in labels]
    few[0][: MIN_RELEVANT_ROWS - 1] = True
    assert train_tree_ranker(rows, few) is None


def test_the_rankers_are_stored_beside_the_weights_and_read_back(ranker, other_ranker):
    con = duckdb.connect(":memory:")
    assert load_rerankers(con) == Rerankers()  # before any evaluation
    full = other_ranker
    save_list_settings(con, "run-1", ListConfig(), 0.1, 0.2, Rerankers(few=ranker, full=full))
    stored = load_rerankers(con)
    rows, _ = made_up_cases(4, cases=1)
    assert stored.few is not None and stored.full is not None
    assert np.allclose(stored.few.scores(rows[0]), ranker.scores(rows[0]))
    assert np.allclose(stored.full.scores(rows[0]), full.scores(rows[0]))
    assert not np.allclose(stored.full.scores(rows[0]), ranker.scores(rows[0]))
    save_list_settings(con, "run-2", ListConfig(), 0.1, 0.2, Rerankers(few=ranker))
    assert load_rerankers(con) == Rerankers(few=stored.few)  # the newest: no full-history one
    save_list_settings(con, "run-3", ListConfig(), 0.1, 0.2)  # none learned
    assert load_rerankers(con) == Rerankers()


def test_a_table_written_before_the_full_history_ranker_reads_as_none(ranker):
    con = duckdb.connect(":memory:")
    save_list_settings(con, "run-1", ListConfig(), 0.1, 0.2, Rerankers(few=ranker))
    con.execute("alter table list_settings drop column full_ranker")
    assert load_rerankers(con).full is None and load_rerankers(con).few is not None


def test_the_trees_in_numpy_score_as_lightgbm_does():
    """The stored dump, flattened, against LightGBM's own predict of the same model, on rows
    with NaNs and zeros too (a model that saw them learns where missing values go)."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3000, len(FEATURES)))
    x[rng.random(x.shape) < 0.05] = np.nan
    x[rng.random(x.shape) < 0.05] = 0.0
    y = (np.nan_to_num(x[:, TEXT]) + np.nan_to_num(x[:, LIKED]) > 1).astype(int)
    # 7 leaves: a whole row is scored by the table of each tree's sides; 15: level by level
    for leaves, missing in ((7, {}), (7, {"zero_as_missing": True}), (15, {})):
        data = lgb.Dataset(x, y, group=[50] * 60, feature_name=list(FEATURES))
        booster = lgb.train(
            {"objective": "lambdarank", "verbose": -1, "num_leaves": leaves, **missing},
            data,
            num_boost_round=30,
        )
        ranker = TreeRanker.from_text(json.dumps(booster.dump_model()))
        assert (ranker._leaf_table is None) is (leaves > MAX_TABLE_SPLITS + 1)
        test = rng.normal(size=(500, len(FEATURES)))
        test[rng.random(test.shape) < 0.05] = np.nan
        test[rng.random(test.shape) < 0.05] = 0.0
        assert np.allclose(ranker.scores(test), booster.predict(test), atol=1e-9)
        whole = rng.normal(size=(500, len(FEATURES)))  # nothing missing: the one-gather path
        assert np.allclose(ranker.scores(whole), booster.predict(whole), atol=1e-9)


def test_a_ranker_of_other_features_or_format_is_not_used():
    rng = np.random.default_rng(5)
    data = lgb.Dataset(rng.normal(size=(400, 3)), rng.integers(0, 2, 400), group=[40] * 10)
    other = lgb.train({"objective": "lambdarank", "verbose": -1}, data, num_boost_round=2)
    assert TreeRanker.from_text(json.dumps(other.dump_model())) is None
    assert TreeRanker.from_text(other.model_to_string()) is None  # not a dump at all
    assert TreeRanker.from_text(None) is None


@pytest.mark.parametrize(
    ("n_books", "few_depth", "full_depth", "expected"),
    [
        (0, 300, 300, None),
        (1, 300, 300, "few"),
        (5, 300, 300, "few"),
        (6, 300, 300, "full"),
        (400, 300, 300, "full"),
        (3, 0, 300, None),
        (6, 300, 0, None),
    ],
)
def test_each_reader_meets_the_re_ranker_of_their_number_of_books(
    ranker, other_ranker, n_books, few_depth, full_depth, expected
):
    config = dataclasses.replace(
        ListConfig(), few_books=5, few_rerank_depth=few_depth, full_rerank_depth=full_depth
    )
    full = other_ranker
    rerankers = Rerankers(few=ranker, full=full)
    chosen = rerankers.for_reader(config, n_books)
    assert chosen is {"few": ranker, "full": full, None: None}[expected]
    assert Rerankers().for_reader(config, n_books) is None
