"""Flow `encode_embeddings`: every raw vector through a saved projector -> feat_book_projections.

python -m flows.encode_embeddings
python -m flows.encode_embeddings --version p0123456789ab

Without --version it takes the newest projector that beat the raw space on the validation
blend (projector_runs.selected_as_default), else the newest one trained; the stored vectors are
tied to that version. Which space recommendations use is ScorerConfig.space (raw by default).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_ARTIFACTS, DEFAULT_WAREHOUSE
from bookrec.warehouse.connection import connect
from flows._cli import run_flow_cli


@task
def project_books(db_path: Path, artifacts_dir: Path, version: str | None) -> tuple:
    """Project and store every book's vector; returns (version, books, selected_as_default)."""
    # must_exist: a deployed run skips the command line's check; a typo made an empty file
    with connect(db_path, must_exist=True) as con:  # damage fails here, before torch loads
        from bookrec.training.reencode import encode_with_projector

        return encode_with_projector(con, artifacts_dir, version)


@flow(name="encode_embeddings", log_prints=True)
def encode_embeddings(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    artifacts_dir: str = str(DEFAULT_ARTIFACTS),
    version: str | None = None,
) -> dict[str, object]:
    """Write the projected vectors of one projector version into feat_book_projections.

    Args:
        warehouse: the DuckDB file with feat_book_embeddings and projector_runs.
        artifacts_dir: root of projector/<version>/ written by flow `train`.
        version: projector version (None: the newest that beat raw, else the newest).
    """
    version, books, selected = project_books(Path(warehouse), Path(artifacts_dir), version)
    get_run_logger().info(
        "stored %d projected vectors of projector %s (%s)",
        books,
        version,
        "beats raw on validation" if selected else "does not beat raw: raw stays the default",
    )
    return {"version": version, "books": books, "selected_as_default": selected}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(encode_embeddings, __doc__))
