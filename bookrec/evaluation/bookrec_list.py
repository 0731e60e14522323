"""bookrec's list as the evaluation measures it: the one place every measured bookrec list
comes from (full histories, few-book readers, "more like this").

`bookrec_list(ranker, book_ids, ratings, top_n, exclude)` takes a reader's books as plain
arrays (ratings NaN where unrated), as the served ranker does. Today it calls
bookrec.lists.reader_list.ListRanker, the ranker `bookrec recommend` serves a rated history
with; point it at the single serving entry point when there is one, and every top-N number
follows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bookrec.config import ListConfig
from bookrec.embedding.store import BookVectors
from bookrec.lists.ranking import Candidates
from bookrec.lists.reader_list import ListRanker
from bookrec.lists.works import Works
from bookrec.scoring.scorer import BlendScorer


def bookrec_ranker(
    cands: Candidates,
    text: BookVectors,
    corating: BookVectors | None,
    works: Works | None,
    config: ListConfig,
    scorer: BlendScorer | None,
) -> ListRanker:
    """The ranker over these candidates, with the blend's predicted rating as serving has it."""

    def predict(history_ids: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        return scorer.predict(history_ids, ratings, cands.book_ids)

    return ListRanker(cands, text, corating, works, config, predict if scorer else None)


def bookrec_list(
    ranker: ListRanker,
    book_ids: Sequence[int],
    ratings: Sequence[float],
    top_n: int,
    exclude: Sequence[int] = (),
) -> list[int]:
    """bookrec's top_n book ids for a reader's books (ratings NaN where unrated), best first.

    ListRanker wants a rating for every book: an unrated book counts as liked (rated
    `liked_rating`): a reader lists books to get more like them.
    """
    ratings = np.asarray(ratings, np.float64)
    ratings = np.where(np.isnan(ratings), ranker.config.liked_rating, ratings)
    items = ranker.rank(np.asarray(book_ids, np.int64), ratings, top_n, exclude, because_count=0)
    return [item.book_id for item in items]
