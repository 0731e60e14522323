"""Bad input files: a clear error naming the file and the problem, or a row in rejected_rows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookrec.config import DataConfig
from bookrec.errors import DataError
from bookrec.warehouse import prepare
from bookrec.warehouse.connection import connect, run_sql
from bookrec.warehouse.sources import SYNTHETIC_MARKER
from tests.conftest import FIXTURES
from tests.warehouse.test_prepare import build, query

LAYOUTS_DIR = FIXTURES / "layouts"
RATINGS = "all_books_dataset/user_rating_0_to_1000.csv"
BEST_BOOKS = "best_books_dataset/books_1.Best_Books_Ever.csv"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the hand-made files, to break one at a time."""
    target = tmp_path / "data"
    shutil.copytree(LAYOUTS_DIR, target)
    return target


def test_malformed_rows_are_rejected_with_the_parser_reason(data_dir, tmp_path):
    with (data_dir / RATINGS).open("ab") as handle:
        handle.write(b"5,Lord of the Flies,liked it,one field too many\r\n")
    db = build(tmp_path / "w.duckdb", data_dir)
    rows = query(db, "select reason, raw_values from rejected_rows where reason like 'unreadable%'")
    assert len(rows) == 1
    assert "too many columns" in rows[0][0]
    assert "one field too many" in rows[0][1]


def test_invalid_utf8_in_a_row_is_rejected_not_fatal(data_dir, tmp_path):
    with (data_dir / RATINGS).open("ab") as handle:
        handle.write(b"5,Lord of the \xff\xfe Flies,liked it\r\n")
    db = build(tmp_path / "w.duckdb", data_dir)
    reasons = [r for (r,) in query(db, "select reason from rejected_rows")]
    assert any("invalid encoding" in r for r in reasons)


def test_a_file_that_is_not_utf8_stops_the_run(data_dir, tmp_path):
    latin1 = "ID,Name,Rating\r\n" + "".join(f"{i},Caf\xe9 {i},liked it\r\n" for i in range(20))
    (data_dir / RATINGS).write_bytes(latin1.encode("latin-1"))
    with pytest.raises(DataError, match=r"user_rating_0_to_1000\.csv: 20 of 20 rows"):
        build(tmp_path / "w.duckdb", data_dir)


def test_missing_required_column_names_file_and_column(data_dir, tmp_path):
    path = data_dir / RATINGS
    path.write_text(path.read_text().replace("ID,Name,Rating", "ID,Title,Rating", 1))
    with pytest.raises(
        DataError,
        match=r"user_rating_0_to_1000\.csv: missing required column"
        r"\(s\) Name .*found: ID, Title, Rating",
    ):
        build(tmp_path / "w.duckdb", data_dir)


def test_empty_file_is_an_error(data_dir, tmp_path):
    (data_dir / BEST_BOOKS).write_text("")
    with pytest.raises(DataError, match=r"books_1\.Best_Books_Ever\.csv: the file is empty"):
        build(tmp_path / "w.duckdb", data_dir)


def test_header_only_file_gives_no_rows_and_no_error(data_dir, tmp_path):
    path = data_dir / "all_books_dataset" / "book100k-200k.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    db = build(tmp_path / "w.duckdb", data_dir)
    assert query(db, "select count(*) from books where title = 'The Road'") == [(0,)]


def test_empty_data_dir_is_an_error_listing_what_is_needed(tmp_path):
    with pytest.raises(DataError, match="no Goodreads files in .*user_rating_"):
        prepare.choose_sources(DataConfig(data_dir=tmp_path))


def test_the_demo_read_from_a_data_dir_is_labelled_synthetic(data_dir, tmp_path):
    """`python -m bookrec.demo --out DIR` then `prepare_data --data-dir DIR` was recorded as
    real files: every report of it would have read as Goodreads readers'."""
    from bookrec.demo.generator import write_demo_dataset

    assert not prepare.choose_sources(DataConfig(data_dir=data_dir)).synthetic
    demo = tmp_path / "demo"
    write_demo_dataset(demo, n_books=60, n_users=12, seed=3)
    assert (demo / SYNTHETIC_MARKER).is_file()  # at the top, the files a folder down
    chosen = prepare.choose_sources(DataConfig(data_dir=demo))
    assert chosen.synthetic and chosen.label.startswith("the synthetic demo catalog in ")


@pytest.mark.parametrize("synthetic", [False, True])
def test_no_files_never_replace_a_real_warehouse_with_the_demo(tmp_path, monkeypatch, synthetic):
    """`make all` after `make all DATA_DIR=...` found no files in ./data and, with no word but
    a warning, rebuilt the real warehouse as the demo catalog."""
    monkeypatch.chdir(tmp_path)  # ./data holds nothing here
    monkeypatch.delenv("KAGGLE_USERNAME", raising=False)
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        run_sql(
            con,
            "meta/warehouse_info.sql",
            {"data_source": "real files in ../shared/data", "synthetic": synthetic,
             "input_fingerprint": "x"},
        )  # fmt: skip
    config = DataConfig(warehouse=db, download=False)
    if synthetic:  # a demo warehouse is rebuilt as the demo, as before
        assert isinstance(prepare.choose_sources(config), prepare.DemoWanted)
        return
    with pytest.raises(DataError, match=r"holds real data \(real files in ../shared/data\).*--demo"):
        prepare.choose_sources(config)
    demo = DataConfig(warehouse=db, download=False, demo=True)  # asked for: replaced
    assert isinstance(prepare.choose_sources(demo), prepare.DemoWanted)
    assert query(db, "select synthetic from warehouse_info") == [(False,)]


def test_ratings_without_books_is_an_error(tmp_path):
    shutil.copy(LAYOUTS_DIR / RATINGS, tmp_path)
    with pytest.raises(DataError, match="incomplete data .*user_ratings: 1 file"):
        prepare.choose_sources(DataConfig(data_dir=tmp_path))


def test_failed_check_stops_the_run(tmp_path):
    db = build(tmp_path / "w.duckdb", LAYOUTS_DIR)
    with connect(db) as con:
        con.execute("insert into ratings select * from ratings limit 1")
    with pytest.raises(DataError, match="ratings_duplicate_pairs"):
        prepare.check(db)


def test_cli_user_mistake_is_one_line_and_exit_2(tmp_path, prefect_api_env):
    """The flow finds no files: its child reports to the session's Prefect API (a temporary
    server of its own took ~20 s)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.prepare_data",
            "--data-dir",
            str(tmp_path),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=prefect_api_env,
    )
    assert result.returncode == 2
    assert "error: no Goodreads files in" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# Every step after prepare_data, run against a warehouse that was never built.
STEPS_AFTER_PREPARE = [
    "flows.embed",
    "flows.train",
    "flows.encode_embeddings",
    "flows.compare_spaces",
    "flows.evaluate",
]


@pytest.mark.parametrize("module", STEPS_AFTER_PREPARE)
def test_a_step_on_a_missing_warehouse_says_how_to_build_it(module, tmp_path):
    missing = tmp_path / "never-built.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", module, "--warehouse", str(missing)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: " in result.stderr and "flows.prepare_data" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not missing.exists()  # no empty warehouse left behind
