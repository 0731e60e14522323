"""The encoder and the embedding store, with the real packaged all-MiniLM-L6-v2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bookrec.config import EncoderConfig
from bookrec.embedding.encoder import Encoder
from bookrec.embedding.store import embed_books, store_projections
from bookrec.embedding.vectors import load_book_vectors
from bookrec.errors import ConfigError, DataError, WarehouseError
from bookrec.warehouse.connection import connect


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    # torch: bucketing must give exactly one text's vector; int8's per-batch activation scales
    # would move a vector a little with its neighbours (tests/embedding/test_onnx.py bounds it).
    return Encoder.load(EncoderConfig(batch_size=4, runtime="torch"))


def stored_vectors(db_path: Path) -> tuple[np.ndarray, np.ndarray]:
    with connect(db_path, read_only=True) as con:
        vectors = load_book_vectors(con)
    return vectors.book_ids, vectors.vectors


def test_length_bucketing_gives_the_vectors_of_one_text_at_a_time(encoder: Encoder) -> None:
    texts = [
        "Dune",
        "A desert planet, a noble family betrayed, and a boy who becomes a prophet. " * 6,
        "Pride and Prejudice by Jane Austen",
        "Murder on the Orient Express. Genres: Mystery, Crime",
        "Le Petit Prince",
    ]
    batched = encoder.encode(texts)
    one_by_one = np.vstack([encoder.encode([text]) for text in texts])
    assert batched.shape == (5, encoder.dim)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_vectors_are_unit_length_for_odd_texts(encoder: Encoder) -> None:
    texts = ["战争与和平 列夫·托尔斯泰", "Преступление и наказание", "x" * 200_000, "!!!"]
    vectors = encoder.encode(texts)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_books_sit_closer_than_unrelated_ones(encoder: Encoder) -> None:
    dragon, wizard, murder = encoder.encode(
        [
            "A young mage seeks a dragon beyond the gate.",
            "The last wizard guards a magical library.",
            "A detective investigates a murder in London.",
        ]
    )
    assert dragon @ wizard > dragon @ murder


def test_empty_text_is_refused(encoder: Encoder) -> None:
    with pytest.raises(DataError, match="empty"):
        encoder.encode(["Dune", "   "])


def test_missing_model_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Encoder.load(EncoderConfig(model=str(tmp_path / "nowhere")))


def test_folder_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ConfigError, match="config.json"):
        Encoder.load(EncoderConfig(model=str(tmp_path)))


def test_embed_stores_unit_vectors_and_a_second_run_encodes_nothing(tiny_warehouse: Path) -> None:
    first = embed_books(tiny_warehouse, progress=False)
    assert (first.books, first.encoded) == (10, 10)
    with connect(tiny_warehouse, read_only=True) as con:
        column_type = con.execute(
            "select data_type from information_schema.columns "
            "where table_name = 'feat_book_embeddings' and column_name = 'embedding'"
        ).fetchall()[0][0]
        nan_rows = con.execute(
            "select count(*) from feat_book_embeddings where list_has_any("
            "embedding::float[], ['nan'::float])"
        ).fetchall()[0][0]
    assert column_type == "FLOAT[384]"
    assert nan_rows == 0
    ids, vectors = stored_vectors(tiny_warehouse)
    assert list(ids) == list(range(1, 11))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    second = embed_books(tiny_warehouse, progress=False)
    assert (second.encoded, second.reused) == (0, 10)
    np.testing.assert_array_equal(stored_vectors(tiny_warehouse)[1], vectors)


def test_only_a_changed_book_is_encoded_again(tiny_warehouse: Path) -> None:
    embed_books(tiny_warehouse, progress=False)
    _, before = stored_vectors(tiny_warehouse)
    with connect(tiny_warehouse) as con:
        con.execute(
            "update books set description = 'A space opera of rival empires.' where book_id = 3"
        )
    counts = embed_books(tiny_warehouse, progress=False)
    _, after = stored_vectors(tiny_warehouse)
    assert counts.encoded == 1
    changed = ~np.isclose(before, after).all(axis=1)
    assert list(np.flatnonzero(changed)) == [2]  # row of book 3


def test_vectors_know_which_texts_say_more_than_title_and_author(
    tiny_warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with connect(tiny_warehouse) as con:
        con.execute("update books set description = null, genres = [] where book_id = 4")
        con.execute("update books set description = null where book_id = 5")  # genres left
    embed_books(tiny_warehouse, progress=False)
    with connect(tiny_warehouse, read_only=True) as con:
        vectors = load_book_vectors(con)
    assert vectors.described_of([4, 5, 6, 99]).tolist() == [False, True, True, False]
    # a warehouse embedded before the column: every text counts, and the log says how to add it
    with connect(tiny_warehouse) as con:
        con.execute("alter table feat_book_texts drop column described")
        vectors = load_book_vectors(con)
    assert vectors.described is None
    assert vectors.described_of([4, 99]).tolist() == [True, False]
    assert "python -m flows.embed" in caplog.text


def test_a_changed_model_setting_encodes_everything(tiny_warehouse: Path) -> None:
    embed_books(tiny_warehouse, progress=False)
    counts = embed_books(tiny_warehouse, EncoderConfig(max_tokens=16), progress=False)
    assert counts.encoded == 10
    assert "/max16" in counts.model


def test_embed_without_books_names_the_flow_to_run(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="flows.prepare_data"):
        embed_books(tmp_path / "empty.duckdb", progress=False)


def test_trained_space_missing_names_the_flow_to_run(tiny_warehouse: Path) -> None:
    with (
        connect(tiny_warehouse, read_only=True) as con,
        pytest.raises(WarehouseError, match="flows.encode_embeddings"),
    ):
        load_book_vectors(con, "trained")


def test_projections_round_trip_by_version_and_refuse_nan(tiny_warehouse: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with connect(tiny_warehouse) as con:
        store_projections(con, "v1", np.arange(1, 11), vectors)
        store_projections(con, "v2", np.arange(1, 11), vectors[::-1])
        newest = load_book_vectors(con, "trained")
        first = load_book_vectors(con, "trained", "v1")
        bad = vectors.copy()
        bad[0, 0] = np.nan
        with pytest.raises(DataError, match="NaN"):
            store_projections(con, "v3", np.arange(1, 11), bad)
    assert newest.version == "v2"
    np.testing.assert_allclose(newest.vectors, vectors[::-1])
    np.testing.assert_allclose(first.vectors, vectors)
    assert list(first.index_of([3, 99])) == [2, -1]
