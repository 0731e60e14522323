"""The top-N protocol end to end on the tiny warehouse (10 books, 6 readers, real encoder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookrec.config import (
    CoratingConfig,
    EvalConfig,
    ListConfig,
    RecommendConfig,
    ScorerConfig,
    TopNConfig,
)
from bookrec.evaluation.topn import (
    DIAG_ALS_UNDER_RULES,
    DIAG_EASE_UNDER_RULES,
    DIAG_WITHOUT_RULES,
    METRICS,
    _setup,
    evaluate_topn,
    train_reranker,
)
from bookrec.evaluation.topn_modes import MORE_LIKE_THIS, MORE_LIKE_THIS_SPECIFIC, few_mode
from bookrec.evaluation.topn_report import store_topn, target_ratios, write_topn_reports
from bookrec.holdout import split_ratings
from bookrec.lists import learned
from bookrec.lists.settings import load_list_settings, load_rerankers
from bookrec.lists.works import build_works
from bookrec.scoring.settings import load_scorer_settings
from bookrec.warehouse.connection import connect
from bookrec.warehouse.tables import load_ratings
from tests.conftest import build_tiny_warehouse


@pytest.fixture(scope="module")
def tiny_with_works(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bookrec.embedding.store import embed_books

    path = build_tiny_warehouse(tmp_path_factory.mktemp("topn") / "tiny.duckdb")
    with connect(path) as con:
        con.execute("alter table books add column goodreads_id bigint")
        build_works(con)
    embed_books(path, progress=False)
    return path


def test_every_method_gets_every_metric_and_the_weights_are_stored(tiny_with_works, tmp_path):
    config = EvalConfig(min_ratings=5, hidden_share=0.4, reports_dir=tmp_path)
    # every tiny book has >= 300 ratings: all are candidates
    with connect(tiny_with_works, read_only=True) as con:
        result = evaluate_topn(
            con,
            config,
            seed=0,
            recommend=RecommendConfig(min_num_ratings=0),
            topn_config=TopNConfig(few_sizes=(1, 3), mlt_min_readers=1, mlt_lift=1.05),
        )
    assert set(result.methods) == {
        "most_popular",
        "highest_avg_rating",
        "implicit_als",
        "implicit_item_cosine",
        "implicit_item_bm25",
        "ease",
        "bookrec_list",
        DIAG_WITHOUT_RULES,
        DIAG_ALS_UNDER_RULES,
        DIAG_EASE_UNDER_RULES,
    }
    for row in result.methods.values():
        assert set(METRICS) <= set(row.model_dump(mode="json"))
        assert 0.0 <= row.coverage <= 1.0
    # the 10 books hold no editions of each other: nothing already read can be listed
    assert result.methods["bookrec_list"].already_read == 0.0
    # nor may any list hold the reader's own books (implicit pads restricted lists with them)
    for mode in (result.methods, *result.modes.values()):
        assert all(row.hygiene == 0.0 for row in mode.values())
    # every reader mode has its table, every method every metric, on the same readers
    modes = [few_mode(k, rated) for k in (1, 3) for rated in (True, False)]
    assert list(result.modes) == [*modes, MORE_LIKE_THIS, MORE_LIKE_THIS_SPECIFIC]
    assert (
        set(result.modes[MORE_LIKE_THIS])
        == set(result.modes[MORE_LIKE_THIS_SPECIFIC])
        == {
            "most_popular",
            "implicit_item_cosine",
            "implicit_als_similar_items",
            "ease",
            "bookrec_list",
            DIAG_WITHOUT_RULES,  # what the rules cost these readers
        }
    )
    for mode, rows in result.modes.items():
        assert DIAG_WITHOUT_RULES in rows, mode
        assert len({row.users for row in rows.values()}) == 1, mode
        assert rows["bookrec_list"].users > 0, mode
        for row in rows.values():
            assert set(METRICS) <= set(row.model_dump(mode="json"))
    assert (
        result.counts[f"{few_mode(3, True)}_readers"]
        == result.modes[few_mode(3, True)]["bookrec_list"].users
    )
    assert set(target_ratios(result)) >= {
        "full:over_best_peer",
        f"{few_mode(3, False)}:over_als_folded_in",
        f"{MORE_LIKE_THIS}:over_item_cosine",
        f"{MORE_LIKE_THIS_SPECIFIC}:over_ease",
    }
    with connect(tiny_with_works) as con:
        assert store_topn(con, "run-1", result) == len(result.methods) * len(METRICS)
        stored = load_list_settings(con)
        assert (stored.w_pop, stored.w_text, stored.w_corating, stored.w_rating) == (
            result.chosen.w_pop,
            result.chosen.w_text,
            result.chosen.w_corating,
            result.chosen.w_rating,
        )
        # the few-book weights, tuned on the tuning readers' cut books, from their own grids
        assert stored.weights_for(1) == result.chosen.weights_for(1)
        assert stored.few_w_pop in stored.grid_few_pop
        assert stored.few_w_text in stored.grid_few_text
        assert 0.0 <= result.few_tune_ndcg <= 1.0
        # the few-book re-ranker, learned from the same cut books, beside them; the 3 tuning
        # readers' whole histories hold too few relevant books for the full-history one
        assert result.rerankers.few is not None and result.rerankers.full is None
        assert load_rerankers(con) == result.rerankers
    paths = write_topn_reports([result], tmp_path)
    assert all(p.is_file() for p in paths)
    assert "bookrec_list" in (tmp_path / "topn.md").read_text()
    text = (tmp_path / "topn.md").read_text()
    assert "the list's rules" in text
    assert f"#### {few_mode(1, False)}" in text and f"#### {MORE_LIKE_THIS}" in text


def test_the_full_history_re_ranker_learns_from_whole_histories(tiny_with_works, monkeypatch):
    """train_reranker on the readers' whole histories: each case's best candidates by the
    linear score, labelled by its hidden likes; none where the full-history depth is 0."""
    config = EvalConfig(min_ratings=5, hidden_share=0.4)
    with connect(tiny_with_works, read_only=True) as con:
        split = split_ratings(load_ratings(con), config.min_ratings, 0.4, config.tune_share, 0)
        setup = _setup(con, split, RecommendConfig(min_num_ratings=0), CoratingConfig())
        # the blend runs with the settings given (bench/topn.py's, tuned per seed), else the
        # warehouse's saved ones
        given = ScorerConfig(alpha=0.3, temperature=0.7, top_k=4)
        assert setup.scorer.config == load_scorer_settings(con) != given
        tuned = _setup(con, split, RecommendConfig(min_num_ratings=0), CoratingConfig(), given)
        assert tuned.scorer.config == given
    cases = setup.cases(sorted(setup.relevant))
    assert cases and all(len(case.history) > ListConfig().few_books for case in cases)
    monkeypatch.setattr(learned, "MIN_RELEVANT_ROWS", 1)  # the tiny data's few hidden likes
    model = train_reranker(setup, ListConfig(), cases)
    assert model is not None and len(model.roots) > 0
    assert train_reranker(setup, ListConfig(full_rerank_depth=0), cases) is None
    assert train_reranker(setup, ListConfig(), []) is None


def test_the_adapter_takes_unrated_books_and_never_lists_the_readers_own(tiny_with_works):
    from bookrec.config import CoratingConfig, ListConfig
    from bookrec.evaluation.bookrec_list import bookrec_list
    from bookrec.evaluation.topn import _setup
    from bookrec.holdout import split_ratings
    from bookrec.warehouse.tables import load_ratings

    with connect(tiny_with_works, read_only=True) as con:
        split = split_ratings(load_ratings(con), 5, 0.4, 0.5, 0)
        setup = _setup(con, split, RecommendConfig(min_num_ratings=0), CoratingConfig())
    # taste alone (the full-history weights without popularity, for these 2-book readers too),
    # so the check below is about the books; and without co-reading: every tiny reader read
    # every book, so who read what says nothing here (what is left of it after the split is
    # noise, which EASE's full-history weight of 4 would put above the texts)
    config = ListConfig(w_pop=0.0, w_corating=0.0, few_books=0)
    ranker = setup.ranker(config)
    nan = float("nan")
    unrated = bookrec_list(ranker, [1, 2], [nan, nan], top_n=5)
    assert unrated == bookrec_list(ranker, [1, 2], [config.liked_rating] * 2, top_n=5)
    assert len(unrated) == 5 and not {1, 2} & set(unrated)
    # a fantasy reader's list starts with the other fantasy books (1-5)
    assert set(unrated[:3]) <= {3, 4, 5}
    mixed = bookrec_list(ranker, [1, 6], [5.0, nan], top_n=10, exclude=[3])
    assert not {1, 6, 3} & set(mixed)


def test_lists_with_the_trained_blend_leave_the_projectors_readers_out(tiny_with_works, tmp_path):
    """The predicted-rating input in the trained space has seen the hidden ratings of the
    readers who trained the projector: the lists' evaluation leaves them out, as the rating
    evaluation does (here nearly every tiny reader trained it: too few are left)."""
    import shutil

    from bookrec.errors import DataError
    from bookrec.training.pipeline import train_projector
    from bookrec.training.reencode import encode_with_projector
    from tests.training.test_embedding_report import SMALL

    db = tmp_path / "trained.duckdb"
    shutil.copy(tiny_with_works, db)
    with connect(db) as con:
        train_projector(con, SMALL, tmp_path / "artifacts")
        encode_with_projector(con, tmp_path / "artifacts")
    config = EvalConfig(min_ratings=5, hidden_share=0.4)
    args = {"recommend": RecommendConfig(min_num_ratings=0), "topn_config": TopNConfig(modes=False)}
    with connect(db, read_only=True) as con:
        raw = evaluate_topn(con, config, 0, scorer_settings=ScorerConfig(space="raw"), **args)
        assert raw.counts["report_users"] > 0
        with pytest.raises(DataError, match="outside the projector's training set"):
            evaluate_topn(con, config, 0, scorer_settings=ScorerConfig(space="trained"), **args)


def test_lists_with_given_blend_settings_do_not_follow_the_saved_ones(tiny_with_works, tmp_path):
    """bench/topn.py gives each seed its own blend settings: its numbers must not move with the
    settings the last evaluation saved (they did, through the predicted-rating input)."""
    import json
    import shutil

    from bookrec.scoring.settings import save_scorer_settings

    db = tmp_path / "settings.duckdb"
    shutil.copy(tiny_with_works, db)
    config = EvalConfig(min_ratings=5, hidden_share=0.4)
    args = {"recommend": RecommendConfig(min_num_ratings=0), "topn_config": TopNConfig(modes=False)}
    given = ScorerConfig(alpha=0.5, temperature=0.2, top_k=5)

    def grid(settings: ScorerConfig | None) -> str:
        # the tuning grid: every weighting's NDCG, the predicted rating's weight among them
        with connect(db, read_only=True) as con:
            result = evaluate_topn(con, config, 0, scorer_settings=settings, **args)
        return json.dumps(result.grid, sort_keys=True, default=str)

    runs = []
    for run_id, saved in (
        ("run-a", ScorerConfig(alpha=0.0, temperature=0.05, top_k=2)),
        ("run-b", ScorerConfig(alpha=1.0, temperature=1.0, top_k=None)),
    ):
        with connect(db) as con:
            save_scorer_settings(con, run_id, saved)
        runs.append((grid(None), grid(given)))
    (saved_a, given_a), (saved_b, given_b) = runs
    assert saved_a != saved_b  # the saved settings reach the lists when none are given
    assert given_a == given_b
