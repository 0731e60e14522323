"""Top-N list metrics for one reader (binary relevance), checked against hand-computed examples
in tests/evaluation/test_topn_metrics.py.

`hits[i]` is True when the i-th recommended item is relevant; `n_relevant` counts the reader's
relevant items (some may be impossible to recommend: they still count, for every method alike).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


def ndcg_at(hits: np.ndarray, n_relevant: int, k: int) -> float:
    """sum_i hit_i / log2(i + 2) over the first k, divided by the same for an ideal list."""
    if n_relevant == 0:
        return float("nan")
    gains = np.asarray(hits[:k], float) / np.log2(np.arange(2, min(k, len(hits)) + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(k, n_relevant) + 2))).sum()
    return float(gains.sum() / ideal)


def recall_at(hits: np.ndarray, n_relevant: int, k: int) -> float:
    """Relevant items in the first k / all relevant items."""
    if n_relevant == 0:
        return float("nan")
    return float(np.asarray(hits[:k], bool).sum() / n_relevant)


def hit_at(hits: np.ndarray, k: int) -> float:
    """1 when any of the first k is relevant."""
    return float(np.asarray(hits[:k], bool).any())


def reciprocal_rank(hits: np.ndarray) -> float:
    """1 / rank of the first relevant item (0 when none)."""
    where = np.flatnonzero(np.asarray(hits, bool))
    return float(1.0 / (where[0] + 1)) if len(where) else 0.0


def intra_list_diversity(vectors: np.ndarray) -> float:
    """1 - mean pairwise cosine of the listed items' unit vectors (NaN below 2 items)."""
    n = len(vectors)
    if n < 2:
        return float("nan")
    sims = vectors @ vectors.T
    return float(1.0 - (sims.sum() - np.trace(sims)) / (n * (n - 1)))


class TopNScores(BaseModel):
    """One method's top-N row: every metric's mean over the cases of one mode, the catalog
    coverage of their top 10s, and the cases counted. The library returns it, the report writes
    `model_dump(mode="json")` (keys as the reports have always named them: "ndcg@10", ...) and the
    benches read its fields."""

    # NaN (no relevant book, no case) stays NaN in the JSON reports, as it always has
    model_config = ConfigDict(
        frozen=True, validate_by_name=True, serialize_by_alias=True, ser_json_inf_nan="constants"
    )

    ndcg_at_10: float = Field(alias="ndcg@10")
    recall_at_10: float = Field(alias="recall@10")
    recall_at_50: float = Field(alias="recall@50")
    hit_at_10: float = Field(alias="hit@10")
    mrr: float
    novelty_rank: float
    diversity: float
    already_read: float
    hygiene: float
    after_dislike: float
    coverage: float
    users: int
