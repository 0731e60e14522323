"""Projector, triplets and training on a small warehouse embedded with the real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from bookrec.config import EncoderConfig, ProjectorConfig
from bookrec.embedding.projection import Projector, project, triplet_loss
from bookrec.embedding.store import embed_books
from bookrec.embedding.vectors import load_book_vectors
from bookrec.errors import ConfigError, DataError, WarehouseError
from bookrec.holdout import split_users
from bookrec.training.artifacts import load_run
from bookrec.training.fit import fit_projector
from bookrec.training.inputs import load_training_data
from bookrec.training.pipeline import train_projector
from bookrec.training.reencode import encode_with_projector
from bookrec.training.triplets import build_source, sample_triplets
from bookrec.warehouse.connection import connect

# Four tastes, ten books each; some books lack a description (title-only, as on the real data).
GENRES = {
    "Fantasy": ["dragon", "wizard", "enchanted sword", "elven kingdom", "dark sorcerer"],
    "Crime": ["detective", "murder", "serial killer", "police inspector", "cold case"],
    "Romance": ["love", "wedding", "first kiss", "heartbreak", "summer romance"],
    "Science": ["black holes", "evolution", "the human brain", "climate", "quantum physics"],
}
SMALL = ProjectorConfig(epochs=3, patience=3, min_ratings=8, batch_size=64, seed=3)


def reader_books() -> list[tuple]:
    rows = []
    for g, (genre, words) in enumerate(GENRES.items()):
        for i in range(10):
            book_id = 100 * (g + 1) + i
            word = words[i % len(words)]
            title = f"The {word.title()} {['Chronicles', 'Files', 'Letters', 'Story'][g]} {i}"
            description = f"A {genre.lower()} book about {word} and {words[(i + 2) % 5]}."
            has = i % 3 != 0
            rows.append(
                (
                    book_id,
                    title,
                    f"Author {g}{i % 4}",
                    description if has else None,
                    [genre] if has else [],
                    3.6 + 0.05 * (i % 7),
                    100 + i,
                    has,
                )
            )
    return rows


def reader_ratings(n_users: int = 40, seed: int = 5) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(seed)
    books = [row[0] for row in reader_books()]
    rows = []
    for user in range(1, n_users + 1):
        liked_genres = {user % 4, (user // 4) % 4}
        for book in rng.choice(books, size=18, replace=False):
            genre = int(book) // 100 - 1
            base = 4.6 if genre in liked_genres else 2.2
            rating = int(np.clip(round(base + rng.normal(0, 0.7)), 1, 5))
            rows.append((user, int(book), rating))
    return rows


def build_reader_warehouse(db_path: Path, n_users: int = 40) -> Path:
    """books + ratings in the warehouse layout, embedded with the real encoder."""
    with connect(db_path) as con:
        con.execute(
            "create or replace table books (book_id bigint, title varchar, author varchar, "
            "description varchar, genres varchar[], avg_rating double, num_ratings bigint, "
            "has_description boolean)"
        )
        con.executemany("insert into books values (?, ?, ?, ?, ?, ?, ?, ?)", reader_books())
        con.execute(
            "create or replace table ratings (user_id bigint, book_id bigint, rating tinyint)"
        )
        con.executemany("insert into ratings values (?, ?, ?)", reader_ratings(n_users))
    embed_books(db_path, EncoderConfig(batch_size=16), progress=False)
    return db_path


@pytest.fixture(scope="module")
def readers_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_reader_warehouse(tmp_path_factory.mktemp("readers") / "readers.duckdb")


def test_triplet_loss_is_zero_once_the_negative_is_far_enough() -> None:
    anchor = torch.tensor([[1.0, 0.0]])
    close = torch.tensor([[1.0, 0.1]])
    opposite = torch.tensor([[-1.0, 0.0]])
    assert float(triplet_loss(anchor, close, opposite, margin=0.2)) == 0.0
    assert float(triplet_loss(anchor, opposite, close, margin=0.2)) > 1.9


def test_untrained_projector_of_equal_size_is_the_raw_space(readers_db: Path) -> None:
    with connect(readers_db, read_only=True) as con:
        raw = load_book_vectors(con).vectors
    torch.manual_seed(0)
    model = Projector(raw.shape[1], ProjectorConfig())
    model.init_from_data(raw)
    np.testing.assert_allclose(project(model, raw), raw, atol=1e-5)


def test_untrained_shrinking_projector_keeps_the_raw_geometry(readers_db: Path) -> None:
    with connect(readers_db, read_only=True) as con:
        raw = load_book_vectors(con).vectors
    model = Projector(raw.shape[1], ProjectorConfig(hidden_sizes=(32,), embedding_size=16))
    model.init_from_data(raw)
    out = project(model, raw)
    assert out.shape == (len(raw), 16)
    upper = np.triu_indices(len(raw), 1)
    agreement = np.corrcoef((raw @ raw.T)[upper], (out @ out.T)[upper])[0, 1]
    assert agreement > 0.9


def test_triplets_take_liked_anchors_and_disliked_negatives() -> None:
    ratings = pd.DataFrame(reader_ratings(12), columns=["user_id", "book_id", "rating"])
    rows = ratings["book_id"].to_numpy() % 1000  # any distinct row per book
    source = build_source(ratings, rows, n_books=1000, min_co_likes=2)
    triplets = sample_triplets(source, 500, np.random.default_rng(0), cross_user_share=0.5)
    assert len(triplets) > 400 and (triplets[:, 0] != triplets[:, 1]).all()
    mean = ratings.groupby("user_id")["rating"].transform("mean")
    liked = set(rows[ratings["rating"] > mean])
    disliked = set(rows[ratings["rating"] < mean])
    assert set(triplets[:, 0]) <= liked and set(triplets[:, 1]) <= liked
    assert set(triplets[:, 2]) <= disliked
    again = sample_triplets(source, 500, np.random.default_rng(0), cross_user_share=0.5)
    np.testing.assert_array_equal(triplets, again)


def test_too_few_ratings_is_a_clear_data_error() -> None:
    ratings = pd.DataFrame({"user_id": [1, 1, 2], "book_id": [1, 2, 3], "rating": [5, 4, 5]})
    with pytest.raises(DataError, match="too few ratings to form triplets"):
        build_source(ratings, np.array([0, 1, 2]), n_books=3)
    with pytest.raises(DataError, match="readers have at least"):
        split_users(ratings, ProjectorConfig())


def test_config_checks_and_json_round_trip() -> None:
    config = ProjectorConfig(hidden_sizes=[256], embedding_size=64, negatives="hard")
    from bookrec.config import to_json

    assert ProjectorConfig.from_json(to_json(config)) == config
    with pytest.raises(ConfigError):
        ProjectorConfig(margin=2.5)
    with pytest.raises(ConfigError):
        ProjectorConfig(negatives="random")


def test_training_is_deterministic(readers_db: Path) -> None:
    config = ProjectorConfig(
        hidden_sizes=(64,),
        embedding_size=32,
        epochs=2,
        patience=5,
        min_ratings=8,
        seed=1,
        negatives="hard",
        raw_weight=0.5,
        batch_size=64,
    )
    with connect(readers_db, read_only=True) as con:
        data = load_training_data(con)
    first = fit_projector(data, config)
    second = fit_projector(data, config)
    assert first.run.version == second.run.version
    assert len(first.curve) == 3  # epoch 0 (untrained) and two trained epochs
    for name, tensor in first.state_dict.items():
        assert torch.equal(tensor, second.state_dict[name]), name
    assert first.curve["val_spearman"].tolist() == second.curve["val_spearman"].tolist()


def test_train_saves_records_and_encodes(readers_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(readers_db.read_bytes())
    with connect(db) as con:
        with pytest.raises(WarehouseError, match="flows.train"):
            encode_with_projector(con, tmp_path / "artifacts")
        outcome = train_projector(con, SMALL, tmp_path / "artifacts")
        again = train_projector(con, SMALL, tmp_path / "artifacts")
        runs = con.execute("select * from projector_runs").df()
        version, stored, _ = encode_with_projector(con, tmp_path / "artifacts")
        trained = load_book_vectors(con, "trained")
    assert not outcome.reused and again.reused
    assert {p.name for p in outcome.folder.iterdir()} >= {
        "weights.pt",
        "config.json",
        "curve.csv",
        "run.json",
    }
    curve = pd.read_csv(outcome.folder / "curve.csv")
    assert {"epoch", "val_spearman", "val_triplet_accuracy"} <= set(curve.columns)
    assert len(runs) == 1 and runs["version"][0] == outcome.run.version == version
    gain = outcome.run.val_spearman - outcome.run.raw_val_spearman
    expected = gain > 0 and gain > outcome.run.gain_se
    assert bool(runs["selected_as_default"][0]) == expected
    assert stored == 40 and trained.vectors.shape == (40, 384)
    assert np.isfinite(trained.vectors).all()
    np.testing.assert_allclose(np.linalg.norm(trained.vectors, axis=1), 1.0, atol=1e-5)
    model, config, run = load_run(outcome.folder)
    assert config == SMALL and json.loads((outcome.folder / "run.json").read_text())["version"]
