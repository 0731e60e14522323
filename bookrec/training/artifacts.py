"""A projector run's files: artifacts/projector/<version>/ holds weights.pt, config.json,
curve.csv (one row per epoch) and run.json (bookrec.embedding.projector_runs.ProjectorRun plus the
curve).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import torch

from bookrec.config import ProjectorConfig
from bookrec.embedding.projection import Projector
from bookrec.embedding.projector_runs import ProjectorRun
from bookrec.errors import WarehouseError
from bookrec.report_json import report_json

NEEDED = ("weights.pt", "config.json", "run.json")


def run_dir(artifacts_dir: Path, version: str) -> Path:
    """artifacts_dir/projector/<version>."""
    return Path(artifacts_dir) / "projector" / version


def has_run(folder: Path) -> bool:
    """Whether the folder holds a saved run (its run.json and weights)."""
    return (folder / "run.json").is_file() and (folder / "weights.pt").is_file()


def save_run(
    run: ProjectorRun,
    config: ProjectorConfig,
    state_dict: dict,
    curve: pd.DataFrame,
    artifacts_dir: Path,
) -> Path:
    """weights.pt, config.json, curve.csv and run.json under artifacts/projector/<version>/."""
    folder = run_dir(artifacts_dir, run.version)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state_dict, folder / "weights.pt")
    (folder / "config.json").write_text(
        json.dumps(dataclasses.asdict(config), indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    curve.to_csv(folder / "curve.csv", index=False)
    record = {**run.as_dict(), "curve": curve.to_dict(orient="records")}
    (folder / "run.json").write_text(report_json(record), encoding="utf-8")
    return folder


def load_run_record(folder: Path) -> ProjectorRun:
    """The ProjectorRun of a saved run.json."""
    return ProjectorRun.from_dict(json.loads((folder / "run.json").read_text(encoding="utf-8")))


def load_run(folder: Path) -> tuple[Projector, ProjectorConfig, ProjectorRun]:
    """The saved projector of one run folder, its config and run record.

    Raises:
        WarehouseError: the folder lacks a saved run (names the flow that makes one).
    """
    folder = Path(folder)
    if not all((folder / name).is_file() for name in NEEDED):
        raise WarehouseError(f"no saved projector in {folder}; run `python -m flows.train`")
    config = ProjectorConfig.from_json((folder / "config.json").read_text(encoding="utf-8"))
    run = load_run_record(folder)
    model = Projector(run.input_size, config)
    model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
    model.eval()
    return model, config, run
