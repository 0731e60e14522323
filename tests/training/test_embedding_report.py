"""The raw-vs-trained embedding report on a small warehouse embedded with the real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookrec.config import ProjectorConfig
from bookrec.errors import DataError, WarehouseError
from bookrec.training.embedding_report import SUBSETS, build_report, write_report
from bookrec.training.pipeline import train_projector
from bookrec.training.reencode import encode_with_projector
from bookrec.warehouse.connection import connect
from tests.training.test_train import build_reader_warehouse

SMALL = ProjectorConfig(epochs=2, patience=2, min_ratings=8, batch_size=64, seed=3)


@pytest.fixture(scope="module")
def trained_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    db = build_reader_warehouse(folder / "readers.duckdb")
    with connect(db) as con:
        train_projector(con, SMALL, folder / "artifacts")
        encode_with_projector(con, folder / "artifacts")
    return db


def test_report_compares_both_spaces_and_writes_its_files(trained_db: Path, tmp_path: Path) -> None:
    with connect(trained_db, read_only=True) as con:
        report = build_report(con)
    paths = write_report(report, tmp_path / "reports")
    assert [p.name for p in paths] == ["embeddings.md", "embeddings.json", "embeddings.png"]
    assert all(p.stat().st_size > 0 for p in paths)
    data = json.loads((tmp_path / "reports" / "embeddings.json").read_text())
    assert set(data) == {"raw", "trained"}
    for space in data.values():
        assert set(SUBSETS) <= set(space)
        metrics = space["all"]
        assert 0.0 <= metrics["triplet_accuracy"] <= 1.0
        assert 0.0 <= metrics["centroid_auc"] <= 1.0
        assert metrics["cos_gap"] == pytest.approx(
            metrics["cos_liked_liked"] - metrics["cos_liked_disliked"]
        )
        assert metrics["triplets"] > 0
    # The readers' taste follows the genres, which the raw encoder already sees.
    assert data["raw"]["all"]["centroid_auc"] > 0.6
    assert data["raw"]["all"]["cos_gap"] > 0
    markdown = (tmp_path / "reports" / "embeddings.md").read_text()
    assert "with description" in markdown and "without description" in markdown
    assert data["trained"]["version"] in markdown


def test_report_on_raw_space_only(tmp_path: Path, trained_db: Path) -> None:
    db = tmp_path / "raw_only.duckdb"
    db.write_bytes(trained_db.read_bytes())
    with connect(db) as con:
        con.execute("drop table feat_book_projections")
        report = build_report(con)
    assert [space.space for space in report.spaces] == ["raw"]
    assert report.notes and "flows.train" in report.notes[0]


def test_report_needs_the_raw_vectors(tiny_warehouse: Path) -> None:
    with (
        connect(tiny_warehouse, read_only=True) as con,
        pytest.raises(WarehouseError, match="flows.embed"),
    ):
        build_report(con)


def test_test_readers_without_dislikes_are_a_clear_error(trained_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "flat.duckdb"
    db.write_bytes(trained_db.read_bytes())
    with connect(db) as con:
        con.execute("update ratings set rating = 4")
        with pytest.raises(DataError, match="too few ratings"):
            build_report(con)


def test_same_readers_and_triplets_give_the_same_numbers(trained_db: Path) -> None:
    with connect(trained_db, read_only=True) as con:
        first = build_report(con).as_dict()
        second = build_report(con).as_dict()
    # Compared as JSON text: NaN (a subset without readers) equals itself there.
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_flows_train_encode_and_report(prefect_backend, trained_db: Path, tmp_path: Path) -> None:
    from flows.compare_spaces import compare_spaces
    from flows.encode_embeddings import encode_embeddings
    from flows.train import train

    db = tmp_path / "flow.duckdb"
    db.write_bytes(trained_db.read_bytes())
    artifacts, reports = tmp_path / "artifacts", tmp_path / "reports"
    config = ProjectorConfig(epochs=2, batch_size=64, seed=3)
    run = train(warehouse=str(db), artifacts_dir=str(artifacts), config=config)
    assert not run["reused"] and Path(run["folder"], "weights.pt").is_file()
    stored = encode_embeddings(
        warehouse=str(db), artifacts_dir=str(artifacts), version=run["version"]
    )
    assert stored["version"] == run["version"] and stored["books"] == 40
    result = compare_spaces(warehouse=str(db), reports_dir=str(reports))
    assert set(result) == {"raw", "trained"} and result["trained"]["version"] == run["version"]
    assert (reports / "embeddings.png").is_file()
