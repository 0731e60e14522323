"""One reader's list: the library API used by serving, evaluation and batch runs.

ListRanker(candidates, text, corating, works, config).rank(history_ids, ratings, top_n) ->
[ListItem], best first, each with the similarities it rests on: the liked books closest in
content (text cosine) and in who read them (co-rating cosine), and "next in series".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bookrec.config import ListConfig
from bookrec.embedding.store import BookVectors
from bookrec.lists.ranking import (
    Candidates,
    SeriesLayout,
    blocked_mask,
    pick,
    rank,
    reader_features,
)
from bookrec.lists.works import Works

# A similarity below this explains nothing (cosines of unrelated books sit around 0.2-0.3).
MIN_TEXT = 0.45
MIN_CORATING = 0.3


@dataclass(frozen=True)
class Evidence:
    """A liked book behind an item: which space, and the cosine there."""

    book_id: int
    kind: str  # "text" (close in content) or "corating" (liked by the same readers)
    similarity: float


@dataclass(frozen=True)
class ListItem:
    book_id: int
    position: int  # row in the ranker's candidates
    score: float
    next_in_series: bool
    evidence: tuple[Evidence, ...]


class ListRanker:
    """Candidates and vectors loaded once; `rank` per reader."""

    def __init__(
        self,
        cands: Candidates,
        text: BookVectors,
        corating: BookVectors | None,
        works: Works | None,
        config: ListConfig | None = None,
        predict: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """predict(history_ids, ratings): the predicted rating of every candidate (in
        cands.book_ids order), needed only when config.w_rating is not 0."""
        self.cands = cands
        self.text = text
        self.corating = corating
        self.works = works
        self.config = config or ListConfig()
        self.predict = predict
        self.layout = SeriesLayout.build(cands, works) if works is not None else None

    def rank(
        self,
        history_ids: Sequence[int],
        ratings: Sequence[float],
        top_n: int = 10,
        exclude: Sequence[int] = (),
        because_count: int = 2,
    ) -> list[ListItem]:
        """The reader's top_n under every constraint (bookrec.lists.ranking)."""
        ids = np.asarray(history_ids, np.int64)
        ratings = np.asarray(ratings, np.float64)
        cfg = self.config
        feats = reader_features(self.cands, self.text, self.corating, ids, ratings, cfg)
        blocked, next_up = blocked_mask(self.cands, self.works, ids, ratings, cfg, self.layout)
        if len(exclude):
            blocked |= np.isin(self.cands.book_ids, np.asarray(list(exclude), np.int64))
        rating = self.predict(ids, ratings) if cfg.w_rating and self.predict else None
        score = feats.score(cfg, rating)
        order = rank(score, blocked, max(4 * top_n, 50))
        chosen = pick(order, self.cands, self.works, top_n, cfg)
        items = []
        for pos in chosen:
            evidence = self._evidence(feats, pos, because_count)
            items.append(
                ListItem(
                    book_id=int(self.cands.book_ids[pos]),
                    position=int(pos),
                    score=float(score[pos]),
                    next_in_series=pos in next_up,
                    evidence=evidence,
                )
            )
        return items

    @staticmethod
    def _evidence(feats, pos: int, count: int) -> tuple[Evidence, ...]:
        found: list[Evidence] = []
        for kind, sims, floor in (
            ("corating", feats.corating_sims, MIN_CORATING),
            ("text", feats.text_sims, MIN_TEXT),
        ):
            if sims.shape[1] == 0:
                continue
            row = sims[pos]
            for j in np.argsort(-row, kind="stable")[:count]:
                if row[j] >= floor:
                    found.append(Evidence(int(feats.liked_ids[j]), kind, float(row[j])))
        return tuple(found)
