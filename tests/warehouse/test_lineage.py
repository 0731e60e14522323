"""Stale derived tables: vectors, projections and scorer settings built from data that
prepare_data has since replaced are refused with the step to re-run, never served."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bookrec.config import CoratingConfig, EvalConfig, ListConfig, ScorerConfig
from bookrec.embedding.store import embed_books, store_projections
from bookrec.embedding.vectors import load_book_vectors
from bookrec.errors import WarehouseError
from bookrec.evaluation.rating_evaluation import evaluate_methods
from bookrec.lists.corating import load_corating
from bookrec.lists.ease import load_ease
from bookrec.lists.settings import load_list_settings, save_list_settings
from bookrec.lists.works import build_works, load_works
from bookrec.scoring.settings import load_scorer_settings, save_scorer_settings
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect
from bookrec.warehouse.tables import load_ratings
from tests.conftest import FIXTURES, add_list_tables
from tests.warehouse.test_prepare import build

LAYOUTS_DIR = FIXTURES / "layouts"
BEST_BOOKS = "best_books_dataset/books_1.Best_Books_Ever.csv"
RATINGS = "all_books_dataset/user_rating_0_to_1000.csv"
REPO = Path(__file__).resolve().parents[2]


def changed_copy(tmp_path: Path, relative: str, old: bytes, new: bytes) -> Path:
    """The fixture files with one edit: another catalog to rebuild from."""
    target = tmp_path / f"changed_{relative.split('/')[0]}"
    shutil.copytree(LAYOUTS_DIR, target)
    path = target / relative
    assert old in path.read_bytes()
    path.write_bytes(path.read_bytes().replace(old, new))
    return target


@pytest.fixture
def embedded(tmp_path: Path) -> Path:
    """The fixture catalog, embedded, with scorer settings saved as evaluate saves them."""
    db = build(tmp_path / "w.duckdb", LAYOUTS_DIR)
    embed_books(db, progress=False)
    with connect(db) as con:
        save_scorer_settings(con, "run-1", ScorerConfig(alpha=0.5))
    return db


def test_vectors_of_rebuilt_books_are_refused_until_embed_runs(embedded, tmp_path):
    changed = changed_copy(tmp_path, BEST_BOOKS, b"Raskolnikov", b"Rodion Raskolnikov")
    build(embedded, changed)
    with connect(embedded, read_only=True) as con:
        with pytest.raises(WarehouseError, match=r"feat_book_embeddings .*flows\.embed"):
            load_book_vectors(con)
        with pytest.raises(WarehouseError, match=r"flows\.embed"):
            Recommender.from_warehouse(con)
        with pytest.raises(WarehouseError, match=r"flows\.embed"):
            evaluate_methods(con, EvalConfig(min_ratings=3, surprise=False), seed=0)
    embed_books(embedded, progress=False)
    with connect(embedded, read_only=True) as con:
        assert len(load_book_vectors(con).book_ids) > 0
        # The settings were tuned on the old vectors: evaluate must run again.
        with pytest.raises(WarehouseError, match=r"scorer_settings .*flows\.evaluate"):
            load_scorer_settings(con)


def test_changed_ratings_keep_the_vectors_but_not_the_settings(embedded, tmp_path):
    changed = changed_copy(
        tmp_path, RATINGS, b"2,Lord of the Flies,really", b"2,Lord of the Flies,"
    )
    build(embedded, changed)
    with connect(embedded, read_only=True) as con:
        load_book_vectors(con)  # the books did not change: their vectors are still right
        with pytest.raises(WarehouseError, match=r"scorer_settings .*flows\.evaluate"):
            load_scorer_settings(con)


def test_projections_of_old_vectors_are_refused(embedded, tmp_path):
    with connect(embedded) as con:
        raw = load_book_vectors(con)
        store_projections(con, "p1", raw.book_ids, raw.vectors)
        assert load_book_vectors(con, "trained").version == "p1"
    build(embedded, changed_copy(tmp_path, BEST_BOOKS, b"Raskolnikov", b"Rodion Raskolnikov"))
    embed_books(embedded, progress=False)
    with (
        connect(embedded, read_only=True) as con,
        pytest.raises(WarehouseError, match=r"feat_book_projections:p1 .*encode_embeddings"),
    ):
        load_book_vectors(con, "trained")


def test_recommend_on_stale_vectors_is_one_line_not_an_empty_list(embedded, tmp_path):
    build(embedded, changed_copy(tmp_path, BEST_BOOKS, b"Raskolnikov", b"Rodion Raskolnikov"))
    result = subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", "recommend", "--warehouse", str(embedded)]
        + ["--book", "Crime and Punishment||5"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: feat_book_embeddings was built from other data")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_warehouse_without_lineage_is_read_as_before(tiny_warehouse):
    """Built by hand or by an older bookrec: nothing to compare, nothing refused."""
    unit = np.zeros((10, 4), dtype=np.float32)
    unit[np.arange(10), np.arange(10) % 4] = 1.0
    with connect(tiny_warehouse) as con:
        store_projections(con, "v1", np.arange(1, 11), unit)
    with connect(tiny_warehouse) as con:
        con.execute("drop table lineage")
        assert load_book_vectors(con, "trained").version == "v1"
        assert load_scorer_settings(con) == ScorerConfig()


# -- issue 22: the lists tables --------------------------------------------------------------


def build_lists(db: Path) -> None:
    """flows.lists' tasks: the works tables, the co-rating vectors and EASE's weights."""
    add_list_tables(db, CoratingConfig(factors=4))


@pytest.fixture
def listed(embedded: Path) -> Path:
    """`embedded` after flows.lists, with list weights saved as evaluate saves them."""
    build_lists(embedded)
    with connect(embedded) as con:
        save_list_settings(con, "run-1", ListConfig(), 0.5)
    return embedded


EVERY_STEP = (
    r"run `python -m flows\.embed`, then `python -m flows\.lists`, then "
    r"`python -m flows\.evaluate` \(`python -m flows\.full` runs them all\)"
)


def test_stale_lists_tables_are_refused_and_every_hint_names_the_whole_chain(listed, tmp_path):
    build(listed, changed_copy(tmp_path, BEST_BOOKS, b"Raskolnikov", b"Rodion Raskolnikov"))
    with (
        connect(listed, read_only=True) as con,
        pytest.raises(WarehouseError, match=r"feat_book_embeddings .*" + EVERY_STEP),
    ):
        Recommender.from_warehouse(con)
    embed_books(listed, progress=False)  # the first hint's first step, as a user follows it
    with connect(listed, read_only=True) as con:
        with pytest.raises(
            WarehouseError,
            match=r"book_series .*run `python -m flows\.lists`, then `python -m flows\.evaluate`",
        ):
            Recommender.from_warehouse(con, scorer_config=ScorerConfig())
        with pytest.raises(WarehouseError, match=r"book_series .*flows\.lists"):
            load_works(con)
        # the weights were tuned on the stale works: the first stale table of their chain
        with pytest.raises(WarehouseError, match=r"book_works .*flows\.lists`, then .*evaluate"):
            load_list_settings(con)
    build_lists(listed)
    with connect(listed, read_only=True) as con:
        works = load_works(con)
        book_ids = {b for (b,) in con.execute("select book_id from books").fetchall()}
        assert set(works.work_of) <= book_ids and works.work_of
        assert set(load_corating(con).book_ids.tolist()) <= book_ids
        # the weights were tuned on the old tables: evaluate (only) must run again
        with pytest.raises(
            WarehouseError, match=r"list_settings .*run `python -m flows\.evaluate` "
        ):
            load_list_settings(con)


def test_changed_ratings_refuse_the_corating_vectors_not_the_works(listed, tmp_path):
    changed = changed_copy(
        tmp_path, RATINGS, b"2,Lord of the Flies,really", b"2,Lord of the Flies,"
    )
    build(listed, changed)
    with connect(listed, read_only=True) as con:
        load_works(con)  # built from the books, which did not change
        with pytest.raises(WarehouseError, match=r"feat_book_corating .*flows\.lists"):
            load_corating(con)
        with pytest.raises(WarehouseError, match=r"feat_book_ease .*flows\.lists"):
            load_ease(con)


def test_lists_tables_built_before_lineage_covered_them(listed, tmp_path):
    """Read as before until prepare_data rebuilds the data; then refused like any stale table."""
    with connect(listed) as con:
        con.execute(
            "delete from lineage where name in ('book_works', 'book_series', 'collection_works',"
            " 'derivative_works', 'feat_book_corating', 'list_settings')"
        )
    with connect(listed, read_only=True) as con:
        load_works(con)
        load_corating(con)
    build(
        listed,
        changed_copy(tmp_path, RATINGS, b"2,Lord of the Flies,really", b"2,Lord of the Flies,"),
    )
    with (
        connect(listed, read_only=True) as con,
        pytest.raises(WarehouseError, match=r"book_\w+ .*flows\.lists"),
    ):
        load_works(con)


def test_a_rebuild_marks_no_projections_row_and_fresh_tables_leave_no_step(listed, tmp_path):
    with connect(listed) as con:
        raw = load_book_vectors(con)
        store_projections(con, "p1", raw.book_ids, raw.vectors)
    build(listed, changed_copy(tmp_path, BEST_BOOKS, b"Raskolnikov", b"Rodion Raskolnikov"))
    embed_books(listed, progress=False)
    build_lists(listed)
    with connect(listed) as con:
        raw = load_book_vectors(con)
        store_projections(con, "p2", raw.book_ids, raw.vectors)
        save_scorer_settings(con, "run-2", ScorerConfig(alpha=0.5))
        save_list_settings(con, "run-2", ListConfig(), 0.5)
        names = [n for (n,) in con.execute("select name from lineage order by 1").fetchall()]
    assert "feat_book_projections" not in names  # only per version
    with connect(listed, read_only=True) as con:  # everything rebuilt: nothing refused
        Recommender.from_warehouse(con)
        assert load_book_vectors(con, "trained").version == "p2"
        load_list_settings(con)
        # the old projector version stays refused, and its hint is its own step
        with pytest.raises(WarehouseError, match=r"run `python -m flows\.encode_embeddings` \("):
            load_book_vectors(con, "trained", version="p1")
