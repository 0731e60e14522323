"""Projector run records: ProjectorRun (the outcome of one training run, as run.json and the
warehouse table projector_runs hold it) and the readers of that table.

`projector_training_readers` tells evaluation which readers trained a stored projector (their
ratings, hidden ones included, were seen), without evaluation importing training.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from bookrec.config import ProjectorConfig, to_json
from bookrec.errors import WarehouseError
from bookrec.holdout import split_users
from bookrec.warehouse.connection import run_sql, table_exists


def _number(value: float | None) -> float:
    """A metric from run.json, where an undefined one is stored as null."""
    return float("nan") if value is None else float(value)


@dataclass(frozen=True)
class ProjectorRun:
    """The figures of one training run (weights of the selected epoch; bookrec.training.fit).

    val_spearman / raw_val_spearman: the confirmation readers' blend Spearman of the trained
    and the raw space; select_spearman / raw_select_spearman: the selection readers'.
    """

    version: str
    encoder_model: str
    fingerprint: str
    input_size: int
    output_size: int
    best_epoch: int
    best_alpha: float
    val_spearman: float
    raw_val_spearman: float
    gain_se: float
    select_spearman: float
    raw_select_spearman: float
    raw_alpha: float
    val_triplet_accuracy: float
    raw_val_triplet_accuracy: float
    selected_as_default: bool
    seconds: float

    def as_dict(self) -> dict:
        """The JSON-able summary (run.json without its curve; the train flow's result)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, run: dict) -> ProjectorRun:
        """From run.json (extra keys such as the curve ignored; null metrics become NaN)."""
        values = {}
        for f in dataclasses.fields(cls):
            value = run[f.name]
            if f.type == "float":
                value = _number(value)
            values[f.name] = value
        return cls(**values)


def selected_as_default(val_spearman: float, raw_val_spearman: float, gain_se: float) -> bool:
    """The projector beats raw on the confirmation readers by more than one standard error of
    the paired per-reader differences (the selection readers chose the epoch and alpha, so
    their figure flatters the projector)."""
    gain = val_spearman - raw_val_spearman
    return bool(gain > 1e-9 and gain > np.nan_to_num(gain_se, nan=np.inf))


def record_run(con: duckdb.DuckDBPyConnection, run: ProjectorRun, config: ProjectorConfig) -> None:
    """Insert (or replace) one run's row in projector_runs."""
    run_sql(con, "train/01_projector_runs_table.sql")
    row = pd.DataFrame(
        [
            {
                "version": run.version,
                "config": to_json(config),
                "encoder_model": run.encoder_model,
                "best_epoch": int(run.best_epoch),
                "best_alpha": run.best_alpha,
                "val_spearman": run.val_spearman,
                "raw_val_spearman": run.raw_val_spearman,
                "gain_se": run.gain_se,
                "select_spearman": run.select_spearman,
                "raw_select_spearman": run.raw_select_spearman,
                "val_triplet_accuracy": run.val_triplet_accuracy,
                "raw_val_triplet_accuracy": run.raw_val_triplet_accuracy,
                "selected_as_default": bool(run.selected_as_default),
            }
        ]
    )
    con.register("new_projector_run", row)
    run_sql(con, "train/02_projector_runs_insert.sql")
    con.unregister("new_projector_run")


def chosen_version(con: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    """(version, selected_as_default) of the projector to encode with: the newest run that
    beat the raw space, else the newest run.

    Raises:
        WarehouseError: no projector was trained yet.
    """
    if not table_exists(con, "projector_runs"):
        raise WarehouseError("no projector trained yet; run `python -m flows.train` first")
    rows = run_sql(con, "train/03_projector_choice.sql").fetchall()
    if not rows:
        raise WarehouseError("no projector trained yet; run `python -m flows.train` first")
    return rows[0][0], bool(rows[0][1])


def projector_config_of(con: duckdb.DuckDBPyConnection, version: str | None) -> ProjectorConfig:
    """The config a stored projector was trained with (so its held-out readers are known)."""
    if version is None or not table_exists(con, "projector_runs"):
        return ProjectorConfig()
    rows = run_sql(con, "train/projector_config.sql", {"version": version}).fetchall()
    return ProjectorConfig.from_json(rows[0][0]) if rows else ProjectorConfig()


def projector_training_readers(
    con: duckdb.DuckDBPyConnection, version: str, ratings: pd.DataFrame
) -> np.ndarray:
    """The readers whose ratings trained projector `version`: an evaluation of the trained
    space on them would be flattered, so they are left out of it."""
    return split_users(ratings, projector_config_of(con, version)).train
