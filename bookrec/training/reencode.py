"""Re-encoding the catalog with a saved projector: every raw vector projected and stored as the
trained space (feat_book_projections)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bookrec.embedding.projection import project
from bookrec.embedding.projector_runs import chosen_version
from bookrec.embedding.store import store_projections
from bookrec.embedding.vectors import load_book_vectors
from bookrec.errors import DataError
from bookrec.training.artifacts import load_run, run_dir


def encode_with_projector(
    con: duckdb.DuckDBPyConnection, artifacts_dir: Path, version: str | None = None
) -> tuple[str, int, bool]:
    """Project every raw vector with a saved projector and store them (feat_book_projections).

    Args:
        version: the projector version; None takes chosen_version (the newest that beat raw,
            else the newest).

    Returns:
        (version, books stored, selected_as_default).

    Raises:
        WarehouseError: no projector trained, or its folder lacks the saved run.
        DataError: the projector was trained on another encoder's vectors.
    """
    selected = False
    if version is None:
        version, selected = chosen_version(con)
    model, _, run = load_run(run_dir(artifacts_dir, version))
    raw = load_book_vectors(con, "raw")
    if raw.version != run.encoder_model:
        raise DataError(
            f"projector {version} was trained on {run.encoder_model} vectors but the "
            f"warehouse holds {raw.version}; run `python -m flows.train` again"
        )
    vectors = project(model, raw.vectors)
    stored = store_projections(con, version, raw.book_ids, vectors)
    return version, stored, bool(run.selected_as_default) or selected
