"""flows.full end to end on the smallest demo catalog, twice: the second run redoes nothing."""

from __future__ import annotations

import subprocess
import sys

from bookrec.config import DataConfig
from bookrec.warehouse.connection import connect
from flows.full import full


def test_full_flow_builds_everything_then_skips_finished_work(prefect_backend, tmp_path):
    db = tmp_path / "w.duckdb"
    options = dict(
        data=DataConfig(demo=True, demo_books=60, demo_users=20, warehouse=db),
        reports_dir=str(tmp_path / "reports"),
        artifacts_dir=str(tmp_path / "artifacts"),
    )
    summary = full(**options)
    assert summary["synthetic"] is True
    assert summary["books_embedded"] == summary["books"] > 60
    assert (tmp_path / "reports" / "evaluation.md").is_file()
    assert "book_avg_goodreads" in summary["spearman"]
    with connect(db, read_only=True) as con:
        cached = con.execute("select count(*) from embedding_cache").fetchall()[0][0]

    again = full(**options)
    assert again["books_embedded"] == summary["books_embedded"]
    with connect(db, read_only=True) as con:
        # Nothing new was encoded: the cache holds exactly the vectors of the first run.
        assert con.execute("select count(*) from embedding_cache").fetchall()[0][0] == cached


def test_full_help_explains_the_options():
    result = subprocess.run(
        [sys.executable, "-m", "flows.full", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for option in ("--demo", "--data-dir", "--warehouse", "--reports-dir", "--demo-books"):
        assert option in result.stdout
