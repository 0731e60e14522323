"""Held-out readers' blend predictions, scored by per-user Spearman: what projector training
selects on (bookrec.training.fit) and what the embedding report quotes
(bookrec.training.embedding_report).

Each reader keeps a history (the ratings bookrec.holdout.hide_ratings left visible) and
has hidden ratings to predict with the blend of bookrec.scoring.blend (float64 weights). Hidden
books without a vector keep the book mean in every space, so spaces compare fairly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from bookrec.config import ProjectorConfig, SelectionCentering
from bookrec.embedding.vectors import BookVectors
from bookrec.evaluation.metrics import mean_defined, spearman
from bookrec.scoring.blend import blend_deviation, centred_targets
from bookrec.scoring.predictors import BookAverage

# Which hidden books count: all, or only those with / without a description.
Subset = Literal["all", "with_description", "without_description"]
SUBSETS: tuple[Subset, ...] = ("all", "with_description", "without_description")


@dataclass(frozen=True)
class BlendGrid:
    """The blend settings a task is scored at: each alpha, at one temperature, top_k and
    centering (the projector config's, bookrec.config.ProjectorConfig)."""

    alphas: tuple[float, ...]
    temperature: float
    top_k: int | None
    centering: SelectionCentering = "plain"

    @classmethod
    def of(cls, config: ProjectorConfig) -> BlendGrid:
        return cls(tuple(config.alphas), config.temperature, config.top_k, config.centering)

    def at(self, alpha: float) -> BlendGrid:
        """The same settings at one alpha."""
        return dataclasses.replace(self, alphas=(alpha,))


@dataclass(frozen=True)
class HeldOutReader:
    """One reader's hidden books (rows of the space, -1 without a vector) and history."""

    user_id: int
    rows: np.ndarray
    truth: np.ndarray
    mean: np.ndarray
    history_rows: np.ndarray
    history_ratings: np.ndarray
    has_description: np.ndarray

    def subset_mask(self, subset: Subset) -> np.ndarray:
        """Which hidden books count in a subset (all, or those with / without a description)."""
        if subset == "all":
            return np.ones(len(self.has_description), bool)
        if subset == "with_description":
            return self.has_description
        if subset == "without_description":
            return ~self.has_description
        raise ValueError(f"unknown subset {subset!r}")

    def deviation(
        self,
        matrix: np.ndarray,
        temperature: float,
        top_k: int | None,
        centering: SelectionCentering,
    ) -> np.ndarray:
        """The blend's personal part at alpha = 1 (prediction - book mean) per hidden book;
        0 where the book has no vector or the reader no usable history. The "user" centre is
        the mean of the usable history."""
        dev = np.zeros(len(self.rows))
        known = self.rows >= 0
        if known.any() and len(self.history_rows):
            similarity = matrix[self.rows[known]] @ matrix[self.history_rows].T
            targets = centred_targets(
                centering, self.history_ratings, self.mean[known], dtype=np.float64
            )
            dev[known] = blend_deviation(similarity, targets, temperature, top_k, dtype=np.float64)
        return dev


@dataclass
class BlendTask:
    """Held-out readers, ready to score in any space (rows of one vector matrix)."""

    users: list[HeldOutReader] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        history: pd.DataFrame,
        hidden: pd.DataFrame,
        book_means: BookAverage,
        vectors: BookVectors,
    ) -> BlendTask:
        """Readers of `hidden` that have a history, in user order; m_b from book_means."""
        hidden_means = book_means.predict(hidden)["prediction"].to_numpy()
        hidden = hidden.assign(mean=hidden_means, row=vectors.index_of(hidden["book_id"]))
        history = history.assign(row=vectors.index_of(history["book_id"]))
        histories = dict(tuple(history.groupby("user_id", sort=True)))
        task = cls()
        for user_id, group in hidden.groupby("user_id", sort=True):
            past = histories.get(user_id)
            if past is None:
                continue
            past = past[past["row"] >= 0]
            described = (
                group["has_description"].to_numpy(bool)
                if "has_description" in group
                else np.ones(len(group), bool)
            )
            task.users.append(
                HeldOutReader(
                    user_id=int(user_id),
                    rows=group["row"].to_numpy(),
                    truth=group["rating"].to_numpy(np.float64),
                    mean=group["mean"].to_numpy(np.float64),
                    history_rows=past["row"].to_numpy(),
                    history_ratings=past["rating"].to_numpy(np.float64),
                    has_description=described,
                )
            )
        return task

    def per_user_spearman(
        self, matrix: np.ndarray, grid: BlendGrid, subset: Subset = "all"
    ) -> dict[float, np.ndarray]:
        """Each reader's Spearman (NaN where undefined) for each alpha, readers in order."""
        deviations = [
            user.deviation(matrix, grid.temperature, grid.top_k, grid.centering)
            for user in self.users
        ]
        result = {}
        for alpha in grid.alphas:
            values = []
            for user, dev in zip(self.users, deviations, strict=True):
                keep = user.subset_mask(subset)
                values.append(spearman(user.mean[keep] + alpha * dev[keep], user.truth[keep]))
            result[alpha] = np.asarray(values, dtype=np.float64)
        return result

    def spearman_by_alpha(
        self, matrix: np.ndarray, grid: BlendGrid, subset: Subset = "all"
    ) -> dict[float, float]:
        """Mean per-user Spearman of the blend for each alpha (readers with NaN left out)."""
        per_user = self.per_user_spearman(matrix, grid, subset)
        return {alpha: mean_defined(values) for alpha, values in per_user.items()}

    def halves(self, seed: int) -> tuple[BlendTask, BlendTask]:
        """A seeded split of the readers in two: (selection, confirmation)."""
        order = np.random.default_rng([seed, 6]).permutation(len(self.users))
        half = (len(order) + 1) // 2
        first = BlendTask([self.users[i] for i in np.sort(order[:half])])
        second = BlendTask([self.users[i] for i in np.sort(order[half:])])
        return first, second
