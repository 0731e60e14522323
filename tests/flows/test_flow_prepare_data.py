"""flows.prepare_data end to end under a throwaway Prefect API."""

from __future__ import annotations

from bookrec.config import DataConfig
from bookrec.warehouse.connection import connect
from flows.prepare_data import prepare_data
from tests.conftest import FIXTURES


def test_prepare_data_flow_builds_then_skips_unchanged_inputs(prefect_backend, tmp_path):
    db = tmp_path / "w.duckdb"
    config = DataConfig(data_dir=FIXTURES / "layouts", warehouse=db)
    summary = prepare_data(config)
    assert summary["books"] == 7 and summary["ratings"] == 8
    built_at = db.stat().st_mtime_ns
    again = prepare_data(config)
    assert again == summary
    assert db.stat().st_mtime_ns == built_at  # nothing was rewritten
    rebuilt = prepare_data(config, force=True)
    assert rebuilt == summary
    with connect(db, read_only=True) as con:
        assert con.execute("select count(*) from ratings").fetchone() == (8,)
