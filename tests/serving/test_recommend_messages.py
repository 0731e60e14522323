"""recommend's messages for inputs that used to give silent results (issue 12, item 8)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bookrec.config import RecommendConfig, ScorerConfig, check_top
from bookrec.errors import ConfigError, DataError
from bookrec.serving.reader_input import ReaderBook, gather_reader_books
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect
from tests.conftest import FIXTURES
from tests.serving.test_recommend import build_catalog_warehouse

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    from bookrec.embedding.store import embed_books

    path = build_catalog_warehouse(tmp_path_factory.mktemp("msg") / "rec.duckdb")
    embed_books(path, progress=False)
    return path


def test_a_min_num_ratings_above_every_book_says_so(warehouse):
    with (
        connect(warehouse, read_only=True) as con,
        pytest.raises(DataError, match=r"at least 999999999 ratings \(the most rated has 1500\)"),
    ):
        Recommender.from_warehouse(con, ScorerConfig(), RecommendConfig(min_num_ratings=999999999))


def test_one_book_listed_twice_with_different_ratings_is_named(warehouse):
    with connect(warehouse, read_only=True) as con:
        recommender = Recommender.from_warehouse(
            con, ScorerConfig(), RecommendConfig(min_num_ratings=0)
        )
    books = [
        ReaderBook(title="The Elf Road", author="Bo Marsh", rating=5.0),
        ReaderBook(title="The Elf Road", author="Bo Marsh", rating=1.0),
        ReaderBook(title="Murder at Noon", author="Di Frost", rating=2.0),
    ]
    result = recommender.recommend(books, 3)
    assert "listed more than once with different ratings: The Elf Road (5, 1: 3 used)" in (
        result.message
    )
    same = recommender.recommend(books[:1] * 2 + books[2:], 3)
    assert "more than once" not in same.message  # the same rating twice is no conflict


def test_cli_message_shows_the_conflict(warehouse):
    result = subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", "recommend", "--warehouse", str(warehouse)]
        + ["--book", "The Elf Road|Bo Marsh|5", "--book", "The Elf Road|Bo Marsh|2"]
        + ["--min-num-ratings", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "The Elf Road (5, 2: 3.5 used)" in result.stdout
    assert "more than once" not in result.stderr  # said once, in the answer, not as a warning


READ_EXPORT = (
    "import sys; from pathlib import Path; from bookrec.errors import DataError; "
    "from bookrec.serving.reader_input import gather_reader_books\n"
    "try:\n    gather_reader_books(goodreads_export=Path(sys.argv[1]))\n"
    "except DataError as exc:\n    print(exc)\n    raise SystemExit(3)"
)


def test_an_unreadable_goodreads_export_is_one_line(tmp_path, unprivileged):
    """Read by a process that file modes bind (root drops the right to bypass them)."""
    export = tmp_path / "export.csv"
    export.write_bytes(
        (FIXTURES / "goodreads_export" / "goodreads_library_export.csv").read_bytes()
    )
    export.chmod(0)
    result = subprocess.run(
        [*unprivileged, sys.executable, "-c", READ_EXPORT, str(export)],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 3, result.stderr[-2000:]
    assert re.search(r"export\.csv: cannot be read", result.stdout), result.stdout


def test_a_goodreads_export_that_is_a_folder_is_one_line(tmp_path):
    (tmp_path / "export.csv").mkdir()
    with pytest.raises(DataError, match=r"export\.csv: a folder, not a CSV file"):
        gather_reader_books(goodreads_export=tmp_path / "export.csv")


@pytest.mark.parametrize(
    ("top", "name", "most", "message"),
    [
        (0, "--top", None, "--top must be at least 1; got 0"),
        (-3, "top_n", None, "top_n must be at least 1; got -3"),
        (0, "top_n", 100, "top_n must lie in 1..100; got 0"),
        (101, "top_n", 100, "top_n must lie in 1..100; got 101"),
    ],
)
def test_one_top_check_words_every_caller_alike(top, name, most, message) -> None:
    """The CLI's --top, the web's top_n and Recommender.recommend share config.check_top."""
    with pytest.raises(ConfigError) as caught:
        check_top(top, name, most=most)
    assert str(caught.value) == message
    # the same words as a config's own `top` field (RecommendConfig.top, AtLeastOne)
    if most is None:
        with pytest.raises(ConfigError, match=f"^top must be at least 1; got {top}$"):
            RecommendConfig(top=top)
    assert check_top(1, name, most=most) == 1 and check_top(100, name, most=most) == 100


def test_recommender_refuses_top_zero_as_a_config_error(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        recommender = Recommender.from_warehouse(con)
    with pytest.raises(ConfigError, match="^top_n must be at least 1; got 0$"):
        recommender.recommend([ReaderBook(title="Dune")], 0)
