"""A reader's files that once gave tracebacks: odd Book Ids, devices named as exports, another
program's DuckDB file named as the warehouse."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from bookrec.errors import DataError, WarehouseError
from bookrec.serving.matching import load_catalog
from bookrec.serving.reader_input import (
    EXPORT_COLUMNS,
    parse_book_option,
    parse_books_csv,
    read_goodreads_export,
)
from bookrec.warehouse.connection import connect


def export_bytes(book_ids: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["Book Id", *EXPORT_COLUMNS])
    writer.writeheader()
    for i, book_id in enumerate(book_ids):
        writer.writerow(
            {"Book Id": book_id, "Title": f"Book {i}", "Author": "A. Writer", "My Rating": "4",
             "Exclusive Shelf": "read"}
        )  # fmt: skip
    return out.getvalue().encode()


def test_book_ids_that_are_not_plain_digits_are_no_id() -> None:
    # "²" and "٣" pass str.isdigit() but not int(); 30 digits do not fit a BIGINT
    ids = ["²", "٣", "1" * 30, "-5", " 42 ", "17"]
    books = parse_books_csv(export_bytes(ids), "export.csv")
    assert [b.goodreads_id for b in books] == [None, None, None, None, 42, 17]


def test_a_device_as_the_export_is_named_as_such() -> None:
    with pytest.raises(DataError, match=r"/dev/null: not a regular file"):
        read_goodreads_export("/dev/null")


def test_a_long_book_option_is_quoted_short() -> None:
    with pytest.raises(DataError) as caught:
        parse_book_option("x|y|z|" + "w" * 1_000_000)
    assert len(str(caught.value)) < 400 and "1,000,006 characters" in str(caught.value)


def test_another_programs_duckdb_file_is_one_line(tmp_path) -> None:
    # a table named books without bookrec's columns was a BinderException's traceback
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table books (x integer)")
    missing = "table books has no column book_id, title"
    with pytest.raises(WarehouseError, match=missing), connect(other, read_only=True) as con:
        load_catalog(con)
