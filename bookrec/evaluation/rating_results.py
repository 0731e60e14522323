"""The records an evaluation run produces (bookrec.evaluation.rating_evaluation makes them,
bookrec.evaluation.evaluation_report writes them out, flows/evaluate passes them between tasks)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from bookrec.config import EvalConfig, ScorerConfig, to_json
from bookrec.scoring.blend import DEFAULT_CENTERING, Centering

METRICS = ("pearson", "spearman", "rmse", "mae", "ndcg")
# Every figure of a method row that eval_runs stores and benchmarks compare by name.
Metric = Literal[
    "pearson",
    "spearman",
    "rmse",
    "mae",
    "ndcg",
    "spearman_median",
    "cold_spearman",
    "fallback_share",
]


@dataclass(frozen=True)
class BlendChoice:
    """The settings tuning chose for one blend method (tuning users' Spearman beside)."""

    space: str
    centering: Centering
    damping: float
    alpha: float
    temperature: float
    top_k: int | None
    tune_spearman: float


@dataclass(frozen=True)
class MethodRow:
    """One method's summary on the report users: per-user metrics averaged, users counted,
    the cold books' Spearman, and for a blend the settings tuning chose."""

    pearson: float
    spearman: float
    rmse: float
    mae: float
    ndcg: float
    spearman_median: float
    users: int
    users_skipped: int
    fallback_share: float
    cold_spearman: float
    cold_users: int
    seconds: float
    blend: BlendChoice | None = None
    best_variant: bool = False

    def value(self, metric: Metric) -> float:
        """One figure by name (eval_runs rows, benchmark tables)."""
        return float(getattr(self, metric))

    def as_dict(self) -> dict:
        """The flat JSON row of reports/evaluation.json (blend settings inline)."""
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row.pop("blend")
        best = row.pop("best_variant")
        settings = dataclasses.asdict(self.blend) if self.blend is not None else {}
        return {**row, **settings, "best_variant": best}


@dataclass
class BlendTuning:
    """What tuning chose for one blend variant, and the curve it chose from (tuning users)."""

    space: str
    centering: Centering
    config: ScorerConfig
    tune_spearman: float
    grid: list[dict] = field(default_factory=list)
    # the chosen setting's Spearman of each tuning user (metrics.grouped_spearman's order, the
    # same for every variant of one split; NaN: undefined), to compare two variants paired
    tune_per_user: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def alpha_curve(self) -> list[dict]:
        """Tuning Spearman per alpha at the chosen temperature and top_k."""
        top_k = self.config.top_k or 0
        return [
            {"alpha": g["alpha"], "spearman": g["spearman"]}
            for g in self.grid
            if g["temperature"] == self.config.temperature and g["top_k"] == top_k
        ]


@dataclass
class EvalResult:
    """One evaluation run. `methods` maps a method name to its summary row (report users)."""

    run_id: str
    seed: int
    config: EvalConfig
    counts: dict[str, float]
    methods: dict[str, MethodRow]
    per_user: dict[str, pd.DataFrame]
    tunings: dict[str, BlendTuning]
    chosen: ScorerConfig
    best_method: str
    notes: list[str] = field(default_factory=list)
    chosen_method: str = ""
    data: str = ""  # what the warehouse was built from (bookrec.warehouse.summary.data_label)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "data": self.data,
            "seed": self.seed,
            "config": json.loads(to_json(self.config)),
            "counts": self.counts,
            "chosen_alpha": self.chosen.alpha,
            "chosen": {
                **json.loads(to_json(self.chosen)),
                "centering": DEFAULT_CENTERING,
            },
            "best_method": self.best_method,
            "chosen_method": self.chosen_method,
            "methods": [{"method": name, **row.as_dict()} for name, row in self.methods.items()],
            "alpha_curves": {name: t.alpha_curve() for name, t in self.tunings.items()},
            "notes": self.notes,
        }
