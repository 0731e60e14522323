"""Training the projector, end to end: load the data, train (or reuse the saved run of the same
version), save the artifacts, record the run.

The pieces, one job each:
- bookrec.training.inputs: what training reads, and the version (config + data hash);
- bookrec.training.fit: the training loop, selected on the held-out readers' blend Spearman
  (bookrec.evaluation.heldout_blend, bookrec.holdout);
- bookrec.training.artifacts: artifacts/projector/<version>/ (weights.pt, config.json,
  curve.csv, run.json);
- bookrec.embedding.projector_runs: the run record (ProjectorRun) and the warehouse table
  projector_runs; `selected_as_default` is true only when the projector beats the raw space on the
  confirmation readers' blend Spearman by more than one standard error;
- bookrec.training.reencode: the catalog projected with a saved projector.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bookrec.config import ProjectorConfig
from bookrec.embedding.projector_runs import ProjectorRun, record_run
from bookrec.training.artifacts import has_run, load_run_record, run_dir, save_run
from bookrec.training.fit import fit_projector
from bookrec.training.inputs import load_training_data, projector_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainOutcome:
    """The run (trained now or reused), its artifacts folder, and whether it was reused."""

    run: ProjectorRun
    folder: Path
    reused: bool


def train_projector(
    con: duckdb.DuckDBPyConnection,
    config: ProjectorConfig,
    artifacts_dir: Path,
    force: bool = False,
) -> TrainOutcome:
    """Load the data, train (or reuse the saved run of the same version), save, record.

    Args:
        con: a writable warehouse connection.
        config: the projector's settings.
        artifacts_dir: root of artifacts/projector/<version>/.
        force: train again even when this version was saved before.

    Raises:
        WarehouseError: books, ratings or raw embeddings are missing.
        DataError: too few readers or ratings to split or to form triplets.
    """
    data = load_training_data(con)
    version = projector_version(config, data.fingerprint)
    folder = run_dir(artifacts_dir, version)
    if not force and has_run(folder):
        run = load_run_record(folder)
        log.info("projector %s was trained on this data before: reusing %s", version, folder)
        reused = True
    else:
        trained = fit_projector(data, config)
        run = trained.run
        folder = save_run(run, config, trained.state_dict, trained.curve, artifacts_dir)
        reused = False
    record_run(con, run, config)
    return TrainOutcome(run=run, folder=folder, reused=reused)
