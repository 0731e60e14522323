"""Flow `train`: the triplet-trained projector, selected on the validation blend's Spearman.

python -m flows.train
python -m flows.train --hidden-sizes 256 --embedding-size 64 --epochs 20 --negatives hard

Saves weights, config and training curve under <artifacts-dir>/projector/<version>/ and a row
in the warehouse table projector_runs. A run with the same config on the same data is reused
(--force trains again). The projector becomes the default space only where it beats the raw
encoder space on the validation readers' blend Spearman.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_ARTIFACTS, DEFAULT_WAREHOUSE, ProjectorConfig
from bookrec.warehouse.connection import connect
from flows._cli import run_flow_cli

if TYPE_CHECKING:  # imported in the task: torch takes seconds, --help and errors need none
    from bookrec.training.pipeline import TrainOutcome


@task
def train_and_record(
    db_path: Path, config: ProjectorConfig, artifacts_dir: Path, force: bool
) -> TrainOutcome:
    """Train (or reuse) the projector, save its artifacts and record it in projector_runs."""
    # must_exist: a deployed run skips the command line's check; a typo made an empty file
    with connect(db_path, must_exist=True) as con:  # damage fails here, before torch loads
        from bookrec.training.pipeline import train_projector

        return train_projector(con, config, artifacts_dir, force)


@flow(name="train", log_prints=True)
def train(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    artifacts_dir: str = str(DEFAULT_ARTIFACTS),
    config: ProjectorConfig = ProjectorConfig(),
    force: bool = False,
) -> dict[str, object]:
    """Train the projector on triplets from the ratings and keep its best validation epoch.

    Args:
        warehouse: the DuckDB file with books, ratings and feat_book_embeddings.
        artifacts_dir: root of projector/<version>/ (weights.pt, config.json, curve.csv).
        config: network, triplets, training loop, held-out readers and selection blend.
        force: train again even when this version was saved before.
    """
    outcome = train_and_record(Path(warehouse), config, Path(artifacts_dir), force)
    run = outcome.run
    get_run_logger().info(
        "projector %s%s: val blend Spearman %.4f (raw %.4f) at epoch %d, triplet accuracy "
        "%.3f (raw %.3f); default space: %s; artifacts in %s",
        run.version,
        " (reused)" if outcome.reused else "",
        run.val_spearman,
        run.raw_val_spearman,
        run.best_epoch,
        run.val_triplet_accuracy,
        run.raw_val_triplet_accuracy,
        "trained" if run.selected_as_default else "raw",
        outcome.folder,
    )
    return {**run.as_dict(), "folder": str(outcome.folder), "reused": outcome.reused}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(train, __doc__, negations={"--plain-mlp": "residual"}))
