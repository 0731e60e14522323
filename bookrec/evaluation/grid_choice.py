"""Picking the best setting from scored candidates: one rule for every grid bookrec searches
(the blend's alpha in projector training and the embedding report, the blend's full grid in
evaluation).

The highest score wins; a later candidate must beat the best so far by more than `tolerance`,
so among (near-)ties the earliest candidate is kept: list alphas ascending to prefer the
smaller, more conservative one. A NaN score never wins unless every score is NaN (then the
first candidate is returned with its NaN).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np

Setting = TypeVar("Setting")


def best_setting(
    scored: Iterable[tuple[Setting, float]], tolerance: float = 0.0
) -> tuple[Setting, float]:
    """(setting, score) of the best candidate under the rule of the module docstring.

    Raises:
        ValueError: no candidate given.
    """
    best: tuple[Setting, float] | None = None
    for setting, score in scored:
        if best is None or np.nan_to_num(score, nan=-np.inf) > (
            np.nan_to_num(best[1], nan=-np.inf) + tolerance
        ):
            best = (setting, score)
    if best is None:
        raise ValueError("no setting to choose from")
    return best


def best_alpha(scores: dict[float, float]) -> tuple[float, float]:
    """(alpha, score) with the best score; ties go to the smaller alpha."""
    return best_setting(sorted(scores.items()))
