"""The records an evaluation run produces (bookrec.evaluation.protocol makes them,
bookrec.evaluation.evaluation_report writes them out, flows/evaluate passes them between tasks)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from bookrec.config import EvalConfig, ScorerConfig, to_json
from bookrec.scoring.blend import DEFAULT_CENTERING, Centering

METRICS = ("pearson", "spearman", "rmse", "mae", "ndcg")


@dataclass
class BlendTuning:
    """What tuning chose for one blend variant, and the curve it chose from (tuning users)."""

    space: str
    centering: Centering
    config: ScorerConfig
    tune_spearman: float
    grid: list[dict] = field(default_factory=list)

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
    methods: dict[str, dict]
    per_user: dict[str, pd.DataFrame]
    tunings: dict[str, BlendTuning]
    chosen: ScorerConfig
    best_method: str
    notes: list[str] = field(default_factory=list)
    chosen_method: str = ""

    def to_json(self) -> dict:
        return {
            "run_id": self.run_id,
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
            "methods": [{"method": name, **row} for name, row in self.methods.items()],
            "alpha_curves": {name: t.alpha_curve() for name, t in self.tunings.items()},
            "notes": self.notes,
        }
