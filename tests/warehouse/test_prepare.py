"""The data layer on hand-made files in every original layout: readers, cleaning, merge."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bookrec.warehouse import prepare
from bookrec.config import DataConfig
from bookrec.warehouse.sources import find_source_files
from bookrec.warehouse.connection import connect
from tests.conftest import FIXTURES

LAYOUTS_DIR = FIXTURES / "layouts"
OTHER_DIR = FIXTURES / "other_layouts"


def build(db_path: Path, data_dir: Path) -> Path:
    """Run every prepare stage like flows.prepare_data does."""
    prepare.build_warehouse(DataConfig(data_dir=data_dir, warehouse=db_path, download=False))
    return db_path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("wh") / "test.duckdb", LAYOUTS_DIR)


def query(db_path: Path, sql: str) -> list[tuple]:
    with connect(db_path, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_finds_every_layout_by_its_original_file_name():
    found = find_source_files([LAYOUTS_DIR])
    assert [p.name for p in found.files["best_books_ever"]] == ["books_1.Best_Books_Ever.csv"]
    assert [p.name for p in found.files["book_shards"]] == ["book1-100k.csv", "book100k-200k.csv"]
    assert [p.name for p in found.files["user_ratings"]] == ["user_rating_0_to_1000.csv"]


def test_books_merge_duplicates_and_both_datasets(warehouse):
    rows = query(warehouse, "select title, author, sources from books order by title")
    by_title = {title: (author, sources) for title, author, sources in rows}
    # Hunger Games: two Best Books Ever rows and one shard row are one book.
    assert by_title["The Hunger Games"] == (
        "Suzanne Collins",
        ["best_books_ever", "book_shards"],
    )
    # Author noise is gone; the illustrator is not the author.
    assert by_title["Harry Potter and the Order of the Phoenix"][0] == "J.K. Rowling"
    # Dostoyevsky (Best Books Ever) and Dostoevsky (shards) are one book.
    assert by_title["Crime and Punishment"][1] == ["best_books_ever", "book_shards"]
    # A title only the ratings know stays a book of its own.
    assert by_title["Some Unknown Book"] == (None, ["user_ratings"])
    assert len(rows) == 7


def test_best_books_ever_fields_are_typed_and_repaired(warehouse):
    row = query(
        warehouse,
        "select avg_rating, num_ratings, genres, pages, isbn, goodreads_id from books "
        "where title = 'The Hunger Games'",
    )[0]
    assert row == (
        4.33,
        6376780,
        ["Young Adult", "Fiction", "Dystopia", "Fantasy"],
        374,
        "9780439023481",
        2767052,
    )
    title, author, description = query(
        warehouse, "select title, author, description from books where author like '%Camus%'"
    )[0]
    assert (title, author) == ("L'étranger", "Albert Camus")  # mojibake and "(Goodreads Author)"
    assert "before—and after" in description
    genres = query(warehouse, "select genres from books where title like 'Harry Potter%'")[0][0]
    assert "Children's" in genres  # a list item quoted with double quotes


def test_isbn_placeholder_means_none_and_another_source_fills_it(warehouse):
    assert query(
        warehouse,
        "select isbn from clean_best_books_ever where source_id = '7144-crime-and-punishment'",
    ) == [(None,)]
    # the shard's ISBN fills the gap in the merged book
    assert query(warehouse, "select isbn from books where title = 'Crime and Punishment'") == [
        ("0143058142",)
    ]


def test_ratings_map_text_and_join_books_by_title(warehouse):
    rows = query(
        warehouse,
        "select r.user_id, b.title, r.rating from ratings r join books b using (book_id) "
        "order by r.user_id, b.title",
    )
    assert rows == [
        (1, "Crime and Punishment", 3),
        (1, "Harry Potter and the Order of the Phoenix", 4),
        (1, "Some Unknown Book", 2),
        (1, "The Hunger Games", 5),  # the second Hunger Games row of user 1 is a duplicate
        (2, "Lord of the Flies", 4),
        (2, "The Road", 5),  # "The Road: A Novel" found by its main title
        (4, "L'étranger", 5),
        (4, "Some Unknown Book", 1),
    ]


def test_every_bad_row_is_kept_with_its_reason(warehouse):
    reasons = dict(
        query(warehouse, "select raw_values, reason from rejected_rows order by raw_values")
    )
    assert reasons["A Book Rated Nine | Ann Example"] == "average rating 9 outside 0..5"
    assert reasons["A Book With Negative Pages | Ann Example"] == "pages -5 is negative"
    assert reasons[" | Ann Example"] == "blank title"
    assert reasons["2 | Crime and Punishment | fantastic"] == 'unknown rating text "fantastic"'
    assert reasons["2 | liked it"] == "blank title"
    assert reasons["x | The Road | liked it"] == "user id x is not a whole number"
    assert reasons["3 | Rating | This user doesn't have any rating"] == "user has no ratings"
    assert reasons["1 | The Hunger Games | did not like it"].startswith("duplicate rating")


def test_match_report_counts_add_up(warehouse):
    report = {(s, m): v for s, m, v in query(warehouse, "select * from match_report")}
    assert report[("rows in", "user_ratings")] == 13
    assert report[("warehouse", "ratings")] == 8
    rejected = sum(
        v for (s, m), v in report.items() if s == "rows rejected" and "user_ratings" in m
    )
    assert rejected == 13 - 8
    assert report[("rating titles", "title only")] == 1
    assert query(warehouse, "select title, n_ratings from unmatched_titles") == [
        ("Some Unknown Book", 2)
    ]


def test_warehouse_says_what_it_was_built_from(warehouse):
    assert query(warehouse, "select synthetic from warehouse_info") == [(False,)]


def test_stored_match_keys_are_the_macros_keys_of_these_books(warehouse, tmp_path):
    """prepare_data stores every book's matching keys (book_match_keys); the catalog reads
    them only while they are those its books' titles and authors get from today's macros."""
    from bookrec.serving.matching import load_catalog
    from bookrec.serving.title_keys import catalog_keys, match_keys

    with connect(warehouse, read_only=True) as con:
        catalog = load_catalog(con)
        stored = catalog_keys(con, catalog)
        assert con.execute("select count(*) from book_match_keys").fetchone()[0] == len(catalog)
    assert stored.equals(match_keys(catalog))
    assert stored["title_key"].notna().all() and stored["author_surname"].notna().any()

    # a title changed by hand after prepare_data: its stored keys are stale, so the catalog is
    # keyed anew, that book by its new title
    copy = tmp_path / "changed.duckdb"
    shutil.copy(warehouse, copy)
    book_id = int(catalog["book_id"].iloc[0])
    with connect(copy) as con:
        con.execute("update books set title = 'A Wholly New Title' where book_id = ?", [book_id])
        changed = load_catalog(con)
        keys = catalog_keys(con, changed)
    assert keys.equals(match_keys(changed))
    assert keys["title_key"].iloc[0] == "a wholly new title"


def test_rebuilding_gives_identical_tables(tmp_path):
    db = build(tmp_path / "a.duckdb", LAYOUTS_DIR)
    tables = ["books", "ratings", "rejected_rows", "match_report"]
    first = {t: query(db, f"select * from {t} order by all") for t in tables}
    build(db, LAYOUTS_DIR)
    assert {t: query(db, f"select * from {t} order by all") for t in tables} == first


def test_other_public_layouts_merge_with_each_other(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(OTHER_DIR, data)
    shutil.copy(LAYOUTS_DIR / "all_books_dataset" / "user_rating_0_to_1000.csv", data)
    db = build(tmp_path / "o.duckdb", data)
    rows = query(
        db,
        "select title, description is not null, genres, avg_rating, num_ratings, sources "
        "from books where title in ('To Kill a Mockingbird', 'Lord of the Flies') order by title",
    )
    assert rows == [
        (
            "Lord of the Flies",
            True,
            ["classics", "fiction", "young-adult"],
            3.64,
            1605019,
            ["goodbooks_10k"],
        ),
        (
            "To Kill a Mockingbird",
            True,
            ["Classics", "Fiction", "Historical Fiction"],
            4.27,
            5691311,
            ["best_books_10k", "goodbooks_10k"],
        ),
    ]
    # the 10k file's curly apostrophe and series suffix do not stop the key from matching
    assert query(db, "select title_key from books where goodreads_id = 72193") == [
        ("harry potter and the philosophers stone",)
    ]


def test_up_to_date_only_for_the_same_inputs(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(LAYOUTS_DIR, data)
    db = build(tmp_path / "w.duckdb", data)
    sources = find_source_files([data])
    assert prepare.is_up_to_date(db, prepare.fingerprint(sources))
    ratings = data / "all_books_dataset" / "user_rating_0_to_1000.csv"
    ratings.write_bytes(ratings.read_bytes() + b"5,Dune,liked it\r\n")
    assert not prepare.is_up_to_date(db, prepare.fingerprint(find_source_files([data])))
    assert not prepare.is_up_to_date(tmp_path / "missing.duckdb", prepare.fingerprint(sources))


def test_rating_words_of_the_sql_match_the_python_mapping():
    """The demo writes ratings with layouts.RATING_TEXTS; clean reads them with the SQL table."""
    from bookrec.warehouse.layouts import RATING_TEXTS
    from bookrec.warehouse.connection import run_sql

    with connect(":memory:") as con:
        run_sql(con, "clean/00_rating_texts.sql")
        in_sql = dict(con.execute("select rating_text, rating from rating_texts").fetchall())
    assert in_sql == RATING_TEXTS
