"""The split, the fast per-user Spearman, and the whole evaluation on the tiny warehouse."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bookrec.config import EvalConfig, ProjectorConfig, ScorerConfig
from bookrec.errors import ConfigError, DataError
from bookrec.evaluation.metrics import grouped_spearman, per_user_metrics
from bookrec.evaluation.rating_evaluation import (
    SpaceChoice,
    _served_choice,
    evaluate_methods,
    run_evaluation,
    tune_scorer_settings,
)
from bookrec.evaluation.rating_results import BlendTuning
from bookrec.holdout import hidden_mask, hide_ratings, split_ratings, split_users
from bookrec.scoring.blend import DEFAULT_CENTERING
from bookrec.scoring.predictors import BookAverage
from bookrec.scoring.settings import load_scorer_settings
from bookrec.warehouse.connection import connect
from tests.conftest import build_tiny_warehouse

ROOT = Path(__file__).resolve().parents[2]
# The tiny catalog has 10 ratings per user: hide 4 so every user has >= 3 hidden ratings.
TINY = {"min_ratings": 5, "hidden_share": 0.4, "temperatures": (0.05, 0.2), "top_ks": (0, 3)}


def _ratings(n_users: int = 30, n_books: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(n_users):
        count = int(rng.integers(3, 25))
        for book in rng.choice(n_books, size=count, replace=False):
            rows.append((user, int(book), int(rng.integers(1, 6))))
    return pd.DataFrame(rows, columns=["user_id", "book_id", "rating"])


def test_split_partitions_rows_and_is_seeded() -> None:
    ratings = _ratings()
    split = split_ratings(ratings, min_ratings=10, seed=5)
    pairs = lambda f: set(zip(f["user_id"], f["book_id"], strict=True))  # noqa: E731
    assert not pairs(split.train) & pairs(split.test)
    assert len(split.train) + len(split.test) == len(ratings)
    assert pairs(split.train) | pairs(split.test) == pairs(ratings)
    counts = ratings.groupby("user_id").size()
    active = set(counts[counts >= 10].index)
    assert set(split.test["user_id"]) == active
    assert set(split.tune_users) | set(split.report_users) == active
    assert not set(split.tune_users) & set(split.report_users)
    hidden = split.test.groupby("user_id").size()
    for user, n in hidden.items():
        assert n == max(1, round(0.2 * counts[user]))
    again = split_ratings(ratings.sample(frac=1.0, random_state=1), min_ratings=10, seed=5)
    pd.testing.assert_frame_equal(split.test, again.test)
    other = split_ratings(ratings, min_ratings=10, seed=6)
    assert not split.test.equals(other.test)


def test_split_needs_users() -> None:
    with pytest.raises(DataError, match="lower --min-ratings"):
        split_ratings(_ratings(), min_ratings=1000)


def test_fast_spearman_equals_metrics() -> None:
    rng = np.random.default_rng(2)
    frame = _ratings(n_users=40, seed=3)
    frame["prediction"] = frame["rating"] + rng.normal(0, 1.5, len(frame))
    # One user with constant predictions (counts 0), one with constant truth (NaN).
    frame.loc[frame["user_id"] == 1, "prediction"] = 3.0
    frame.loc[frame["user_id"] == 2, "rating"] = 4
    frame["prediction"] = frame["prediction"].round(0)  # ties, averaged like scipy
    fast = grouped_spearman(frame["user_id"].to_numpy(), frame["rating"], frame["prediction"])
    slow = per_user_metrics(frame)["spearman"]
    pd.testing.assert_series_equal(fast, slow, check_names=False, check_index_type=False)
    assert fast.loc[1] == 0.0 and np.isnan(fast.loc[2])


def test_book_average_goodreads_falls_back_to_training_mean() -> None:
    books = pd.DataFrame({"book_id": [1, 2, 3], "avg_rating": [4.2, None, None]})
    train = pd.DataFrame({"user_id": [1, 1, 2], "book_id": [1, 2, 2], "rating": [1, 2, 4]})
    model = BookAverage("goodreads", books).fit(train)
    out = model.predict(pd.DataFrame({"user_id": [9, 9, 9], "book_id": [1, 2, 3]}))
    np.testing.assert_allclose(out["prediction"], [4.2, 3.0, 7 / 3])
    assert out["fallback"].tolist() == [False, False, True]
    damped = BookAverage("goodreads", books, damping=2).fit(train).predict(out)
    # Book 2: ratings 2 and 4 pulled toward the global mean 7/3 by 2 pseudo-ratings.
    np.testing.assert_allclose(damped["prediction"], [4.2, (6 + 2 * 7 / 3) / 4, 7 / 3])


def test_eval_config_rejects_bad_values() -> None:
    with pytest.raises(ConfigError):
        EvalConfig(hidden_share=1.5)
    with pytest.raises(ConfigError):
        EvalConfig(spaces=("projected",))
    with pytest.raises(ConfigError):
        EvalConfig(temperatures=(0.0,))


@pytest.fixture(scope="module")
def embedded_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny warehouse with raw vectors from the real packaged encoder (built once)."""
    from bookrec.embedding.store import embed_books

    path = build_tiny_warehouse(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")
    embed_books(path, progress=False)
    return path


@pytest.fixture
def tiny_copy(embedded_tiny: Path, tmp_path: Path) -> Path:
    target = tmp_path / "eval.duckdb"
    shutil.copy(embedded_tiny, target)
    return target


def test_evaluation_writes_every_method(tiny_copy: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    config = EvalConfig(**TINY, reports_dir=reports)
    with connect(tiny_copy) as con:
        result = run_evaluation(con, config, seed=3)
        stored = con.execute("select distinct method from eval_runs").fetchall()
        settings = load_scorer_settings(con)
    expected = {
        "book_avg_goodreads",
        "book_avg_train",
        "book_avg_goodreads_damped",
        "blend_raw_damped",
        "surprise_baseline_only",
        "surprise_svd",
        "surprise_knn_user",
        "blend_raw",
        "blend_raw_user",
        "blend_raw_book",
    }
    assert set(result.methods) == expected
    assert {m for (m,) in stored} == expected
    assert settings == result.chosen
    for name in (
        "evaluation.md",
        "evaluation.json",
        "evaluation_alpha.png",
        "evaluation_per_user.png",
    ):
        assert (reports / name).stat().st_size > 0
    payload = json.loads((reports / "evaluation.json").read_text())
    assert {m["method"] for m in payload["methods"]} == expected
    assert payload["chosen_alpha"] == result.chosen.alpha
    assert "trained space skipped" in " ".join(payload["notes"])
    markdown = (reports / "evaluation.md").read_text()
    assert all(name in markdown for name in expected)
    # The tiny readers' tastes follow the text (fantasy vs crime): the blend must see it.
    assert result.methods["blend_raw_user"].spearman > result.methods["book_avg_goodreads"].spearman


def test_blend_at_alpha_zero_is_the_baseline(tiny_copy: Path) -> None:
    config = EvalConfig(**{**TINY, "alphas": (0.0,)}, surprise=False)
    with connect(tiny_copy, read_only=True) as con:
        result = evaluate_methods(con, config, seed=1)
    baseline = result.per_user["book_avg_goodreads"]
    for name in ("blend_raw", "blend_raw_user", "blend_raw_book"):
        pd.testing.assert_frame_equal(result.per_user[name], baseline)
    damped = result.per_user["book_avg_goodreads_damped"]
    pd.testing.assert_frame_equal(result.per_user["blend_raw_damped"], damped)


def test_evaluation_is_deterministic_per_seed(tiny_copy: Path) -> None:
    config = EvalConfig(**TINY)
    with connect(tiny_copy, read_only=True) as con:
        first = evaluate_methods(con, config, seed=2)
        second = evaluate_methods(con, config, seed=2)
        other = evaluate_methods(con, config, seed=9)
        # the settings tuned alone (bench/topn.py's blend) are those the evaluation saves
        alone = {seed: tune_scorer_settings(con, config, seed) for seed in (2, 9)}

    def strip(methods: dict) -> str:
        # JSON, so NaN (no cold books here) compares equal to NaN; timings differ by nature.
        rows = {
            m: {k: v for k, v in row.as_dict().items() if k != "seconds"}
            for m, row in methods.items()
        }
        return json.dumps(rows, sort_keys=True)

    assert strip(first.methods) == strip(second.methods)
    assert first.chosen == second.chosen
    assert strip(first.methods) != strip(other.methods)
    assert alone == {2: first.chosen, 9: other.chosen}


def _tuning(space: str, per_user) -> BlendTuning:
    per_user = np.asarray(per_user, np.float64)
    config = ScorerConfig(space=space, alpha=0.3, temperature=0.2, top_k=None)
    return BlendTuning(space, DEFAULT_CENTERING, config, float(np.nanmean(per_user)), [], per_user)


def test_the_trained_space_is_served_only_when_clearly_ahead() -> None:
    rng = np.random.default_rng(3)
    raw = rng.uniform(-0.2, 0.6, 200)
    noise = rng.normal(0.0, 0.15, 200)  # the paired gain's standard error is ~0.011
    tunings = {
        "blend_raw": _tuning("raw", raw - 0.01),
        "blend_raw_damped": _tuning("raw", raw),
        "blend_trained": _tuning("trained", raw + 0.005 + noise),  # ahead, within noise
        "blend_raw_user": BlendTuning("raw", "user", ScorerConfig(), 0.9, [], raw + 0.9),
    }
    choice = SpaceChoice.of(tunings)
    assert (choice.raw, choice.trained) == ("blend_raw_damped", "blend_trained")
    assert 0 < choice.trained_spearman - choice.raw_spearman < choice.gain_se
    # a better tuning mean is not enough; another centering is never served
    assert _served_choice(tunings) == "blend_raw_damped"
    assert "served: blend_raw_damped" in choice.note()

    tunings["blend_trained_damped"] = _tuning("trained", raw + 0.05 + noise)
    assert _served_choice(tunings) == "blend_trained_damped"
    # one space only: its best default-centred blend
    only_raw = {n: t for n, t in tunings.items() if t.space == "raw"}
    assert SpaceChoice.of(only_raw) is None
    assert _served_choice(only_raw) == "blend_raw_damped"


def test_cli_missing_warehouse_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.evaluate", "--warehouse", str(tmp_path / "none.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: warehouse {tmp_path / 'none.duckdb'} does not exist; build it with "
        "`python -m flows.full` (or `python -m flows.prepare_data`, embed, lists), or name "
        "another with --warehouse"
    )
    assert "Traceback" not in done.stderr


def test_evaluate_flow_on_tiny(prefect_backend, tiny_copy: Path, tmp_path: Path) -> None:
    from flows.evaluate import evaluate

    out = evaluate(
        warehouse=str(tiny_copy),
        seed=4,
        config=EvalConfig(
            min_ratings=5, hidden_share=0.4, surprise=False, reports_dir=tmp_path / "reports"
        ),
    )
    assert set(out) == {
        "book_avg_goodreads",
        "book_avg_train",
        "book_avg_goodreads_damped",
        "blend_raw_damped",
        "blend_raw",
        "blend_raw_user",
        "blend_raw_book",
    }
    assert (tmp_path / "reports" / "evaluation.md").is_file()


def test_report_json_writes_undefined_numbers_as_null() -> None:
    import json

    import numpy as np

    from bookrec.report_json import report_json

    text = report_json({"spearman": float("nan"), "rows": [np.float32(0.5), np.inf], "n": 3})
    assert json.loads(text) == {"spearman": None, "rows": [0.5, None], "n": 3}
    assert "NaN" not in text


def test_hidden_mask_hides_a_share_of_each_user_at_least_one() -> None:
    users = np.repeat([1, 2, 3], [10, 2, 5])
    keys = np.random.default_rng(0).random(len(users))
    hidden = hidden_mask(users, keys, 0.2)
    assert [int(hidden[users == u].sum()) for u in (1, 2, 3)] == [2, 1, 1]
    # The smallest keys of each user are the hidden ones.
    for user in (1, 2, 3):
        mine = keys[users == user]
        assert mine[hidden[users == user]].max() < mine[~hidden[users == user]].min()


def test_projector_user_split_and_hidden_ratings_partition() -> None:
    ratings = _ratings(n_users=40, seed=5)
    config = ProjectorConfig(min_ratings=10, seed=3)
    split = split_users(ratings, config)
    groups = [set(split.train), set(split.validation), set(split.test)]
    assert set().union(*groups) == set(ratings["user_id"])
    assert sum(len(g) for g in groups) == ratings["user_id"].nunique()
    counts = ratings.groupby("user_id").size()
    assert (counts.loc[np.r_[split.validation, split.test]] >= 10).all()
    history, hidden = hide_ratings(ratings, split.validation, 0.2, config.seed)
    mine = ratings[ratings["user_id"].isin(split.validation)]
    assert len(history) + len(hidden) == len(mine)
    pairs = lambda f: set(zip(f["user_id"], f["book_id"], strict=True))  # noqa: E731
    assert not pairs(history) & pairs(hidden) and pairs(history) | pairs(hidden) == pairs(mine)
    again = hide_ratings(ratings.sample(frac=1, random_state=1), split.validation, 0.2, 3)[1]
    pd.testing.assert_frame_equal(hidden, again)
