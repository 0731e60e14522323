"""bookrec's list as the evaluation measures it: the one place every measured bookrec list
comes from (full histories, few-book readers, "more like this").

`bookrec_list(ranker, book_ids, ratings, top_n, exclude)` takes a reader's books as plain
arrays (ratings NaN where unrated) and calls ListRanker.recommend, the entry point every
served list goes through (`bookrec recommend`, the web page, recommend_all): what is measured
is what is served.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bookrec.lists.reader_list import ListRanker


def bookrec_list(
    ranker: ListRanker,
    book_ids: Sequence[int],
    ratings: Sequence[float],
    top_n: int,
    exclude: Sequence[int] = (),
) -> list[int]:
    """bookrec's top_n book ids for a reader's books (ratings NaN where unrated), best first."""
    items = ranker.recommend(
        np.asarray(book_ids, np.int64),
        np.asarray(ratings, np.float64),
        top_n,
        exclude,
        because_count=0,
    )
    return [item.book_id for item in items]
