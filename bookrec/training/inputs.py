"""What projector training reads from the warehouse, and the version that names a run.

A version hashes the config (speed-only knobs left out) and a fingerprint of the data (raw
vectors, ratings, catalog averages), so the same config on the same data names the same run
and is reused (bookrec.training.pipeline).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import ProjectorConfig, to_json
from bookrec.embedding.vectors import BookVectors, load_book_vectors
from bookrec.errors import DataError
from bookrec.warehouse.connection import require_tables
from bookrec.warehouse.tables import load_books, load_ratings

# Config fields that change only speed, left out of the version hash.
SPEED_ONLY = ("threads",)


@dataclass
class TrainingData:
    """Everything training reads from the warehouse, with a fingerprint for the version."""

    books: pd.DataFrame
    ratings: pd.DataFrame
    vectors: BookVectors
    fingerprint: str


def load_training_data(con: duckdb.DuckDBPyConnection) -> TrainingData:
    """books, ratings and the raw vectors, plus a fingerprint of all three.

    Raises:
        WarehouseError: a table is missing (names the flow to run).
        DataError: the raw vectors hold NaN.
    """
    require_tables(con, ["books", "ratings", "feat_book_embeddings"])
    books = load_books(con)
    ratings = load_ratings(con)
    vectors = load_book_vectors(con, "raw")
    if not np.isfinite(vectors.vectors).all():
        raise DataError("feat_book_embeddings holds NaN; rerun `python -m flows.embed`")
    digest = hashlib.sha1()
    digest.update(vectors.version.encode())
    digest.update(np.ascontiguousarray(vectors.book_ids).tobytes())
    digest.update(np.ascontiguousarray(vectors.vectors).tobytes())
    digest.update(pd.util.hash_pandas_object(ratings, index=False).to_numpy().tobytes())
    digest.update(books["avg_rating"].fillna(-1).to_numpy(np.float64).tobytes())
    return TrainingData(books, ratings, vectors, digest.hexdigest()[:16])


def projector_version(config: ProjectorConfig, fingerprint: str) -> str:
    """A content hash of the config (speed-only knobs left out) and the data fingerprint."""
    settings = {k: v for k, v in json.loads(to_json(config)).items() if k not in SPEED_ONLY}
    text = json.dumps(settings, sort_keys=True) + fingerprint
    return "p" + hashlib.sha1(text.encode()).hexdigest()[:12]
