"""`bookrec sql`: a reader's own SQL on the warehouse, read-only, as a table or CSV."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bookrec.errors import exit_code_of
from bookrec.serving.cli import main


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_query_prints_its_rows_as_a_table(tiny_warehouse, capsys):
    assert main(["sql", "--warehouse", str(tiny_warehouse), "select count(*) as n from books"]) == 0
    out = capsys.readouterr().out
    assert " n " in out and f" {_rows(tiny_warehouse, 'select count(*) from books')[0][0]} " in out


def test_csv_holds_every_row_with_a_header(tiny_warehouse, capsys):
    sql = "select user_id, book_id, rating from ratings order by user_id, book_id"
    assert main(["sql", "--warehouse", str(tiny_warehouse), "--csv", sql]) == 0
    got = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert got[0] == ["user_id", "book_id", "rating"]
    assert [tuple(int(v) for v in row) for row in got[1:]] == _rows(tiny_warehouse, sql)


def test_the_query_may_come_on_standard_input(tiny_warehouse, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("select 41 + 1 as answer;\n"))
    assert main(["sql", "--warehouse", str(tiny_warehouse), "--csv"]) == 0
    assert capsys.readouterr().out == "answer\n42\n"


def test_a_write_is_refused_in_one_line_and_changes_nothing(tiny_warehouse, capsys):
    code = main(["sql", "--warehouse", str(tiny_warehouse), "drop table ratings"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "read-only" in err
    assert "Traceback" not in err
    assert _rows(tiny_warehouse, "select count(*) from ratings")[0][0] == 60


def test_bad_sql_and_no_query_are_user_mistakes(tiny_warehouse, capsys):
    assert main(["sql", "--warehouse", str(tiny_warehouse), "selec 1"]) == 2
    assert capsys.readouterr().err.startswith("error: the query failed: Parser Error")
    assert main(["sql", "--warehouse", str(tiny_warehouse), "  "]) == 2
    assert "no query given" in capsys.readouterr().err
    assert main(["sql", "--warehouse", str(tiny_warehouse.parent / "none.duckdb"), "select 1"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_reader_that_stops_early_gets_no_traceback(tiny_warehouse):
    """`bookrec sql --csv ... | head -1`: the pipe closes long before a million rows are out."""
    command = [sys.executable, "-m", "bookrec.serving.cli", "sql", "--warehouse"]
    with subprocess.Popen(
        [*command, str(tiny_warehouse), "--csv", "select range from range(1000000)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as run:
        assert run.stdout.readline() == b"range\n"
        run.stdout.close()
        err = run.stderr.read().decode()
        assert run.wait(timeout=60) == 0, err
    assert err == ""


def test_a_pipe_broken_elsewhere_is_no_quiet_success() -> None:
    """Only the reader of our own output leaving is quiet; another broken pipe is a failure."""

    def breaks() -> None:
        raise BrokenPipeError(32, "a worker's pipe")

    with pytest.raises(BrokenPipeError):
        exit_code_of(breaks)


def undescribed(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """(the warehouse's tables without a comment, the columns sql/meta/table_comments.sql
    describes that a table of the warehouse lacks: a misspelt name would be skipped for ever)."""
    from bookrec.warehouse.connection import run_sql

    bare = con.execute("select table_name from duckdb_tables() where coalesce(comment, '') = ''")
    tables = {t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    columns = set(con.execute("select table_name, column_name from duckdb_columns()").fetchall())
    described = run_sql(con, "meta/table_comments.sql").fetchall()
    missing = [
        f"{t}.{c}" for t, c, _ in described if c and t in tables and (t, c) not in columns
    ]
    return sorted(t for (t,) in bare.fetchall()), missing


def test_the_warehouse_says_what_each_table_holds(tiny_warehouse, capsys):
    """Plain SQL tells a reader what a table is: every connection that writes the warehouse
    gives its tables the comments of sql/meta/table_comments.sql, again after a rebuild (a
    `create or replace` drops a table's comment)."""
    from bookrec.warehouse.connection import connect

    def comments() -> dict[str, str | None]:
        return dict(_rows(tiny_warehouse, "select table_name, comment from duckdb_tables()"))

    assert comments()["books"].startswith("The catalog, one row per book")
    assert comments()["ratings"].startswith("One rating per reader and book")
    column = "select comment from duckdb_columns() where table_name = 'books' and column_name = ?"
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        assert "Goodreads' average" in con.execute(column, ["avg_rating"]).fetchone()[0]
    with connect(tiny_warehouse) as con:
        con.execute("create or replace table books as select * from books")
        assert con.execute("select comment from duckdb_tables() where table_name = 'books'").fetchone()[0] in (None, "")
    assert comments()["books"].startswith("The catalog, one row per book")
    # and `bookrec sql` shows them
    assert main(["sql", "--warehouse", str(tiny_warehouse), "--csv",
                 "select table_name, comment from duckdb_tables() order by 1"]) == 0  # fmt: skip
    shown = dict(list(csv.reader(io.StringIO(capsys.readouterr().out)))[1:])
    assert shown["ratings"].startswith("One rating per reader and book")


def test_each_table_and_column_is_described_once():
    with duckdb.connect() as con:
        from bookrec.warehouse.connection import run_sql

        rows = run_sql(con, "meta/table_comments.sql").fetchall()
    keys = [(table, column) for table, column, _ in rows]
    assert len(keys) == len(set(keys)) and all(comment.strip() for _, _, comment in rows)
    # a column described belongs to a table described
    assert {t for t, c in keys if c} <= {t for t, c in keys if c is None}


def test_comments_that_cannot_be_written_leave_the_step_done_and_the_file_closed(
    tiny_warehouse, monkeypatch, caplog
):
    """The comments are words: where they cannot be written (a full disk), the step that
    wrote its data still ends and closes the file, and the close says what failed."""
    import bookrec.warehouse.connection as connection

    def full(con):
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(connection, "describe_tables", full)
    with connection.connect(tiny_warehouse) as con:
        con.execute("create or replace table books as select * from books")
    assert "table comments were not written: No space left" in caplog.text
    monkeypatch.undo()
    with connection.connect(tiny_warehouse) as con:  # not locked: the file was closed
        assert con.execute("select count(*) from books").fetchone()[0] > 0
