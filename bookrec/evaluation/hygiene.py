"""List hygiene: what a top 10 should never hold, read from the works tables (sql/works/,
bookrec.lists.works).

- hygiene_flags: items that are another edition, a collection, a derivative or a companion
  (whatever derivative_works records: guides, adaptations, books about a work) of one of the
  reader's books, or of another item of the same list. Between two items of the list the
  collection or derivative is the one flagged, wherever it stands; of two plain editions of one
  work, the lower one.
- after_dislike_flags: items that continue a series past an entry the reader rated <= 2
  (the entry they read last in that series is a dislike).

Both are only as complete as the works tables: a companion they do not record is not seen.
"""

from __future__ import annotations

import numpy as np

from bookrec.lists.works import Works

DISLIKED = 2.0  # a rating at or below this is a dislike


def hygiene_flags(works: Works, history_ids, items, k: int = 10) -> np.ndarray:
    """For each of the first k items, whether it is a duplicate of what the reader has or of
    another listed item (see the module docstring)."""
    top = [int(b) for b in items[:k]]
    blocked = works.already_read(history_ids)
    flags = np.zeros(len(top), bool)
    for j, b in enumerate(top):
        later = works.read_works(top[j + 1 :])
        part_of = works.contains.get(b, frozenset()) | works.derived_from.get(b, frozenset())
        flags[j] = b in blocked or bool(part_of & later)
        blocked |= works.already_read([b])
    return flags


def after_dislike_flags(works: Works, history_ids, ratings, items, k: int = 10) -> np.ndarray:
    """For each of the first k items, whether it is a later entry of a series whose last entry
    the reader read was rated <= 2 (unrated books, NaN, are no dislike)."""
    last: dict[str, tuple[float, float]] = {}  # series -> (position read last, its rating)
    for b, r in zip(history_ids, ratings, strict=True):
        series = works.series_of.get(int(b))
        if series is None:
            continue
        position = works.position_of[int(b)]
        if series not in last or position > last[series][0]:
            last[series] = (position, float(r))
    disliked = {s: p for s, (p, r) in last.items() if r <= DISLIKED}
    flags = np.zeros(min(k, len(items)), bool)
    for j, b in enumerate(items[:k]):
        series = works.series_of.get(int(b))
        flags[j] = series in disliked and works.position_of[int(b)] > disliked[series]
    return flags
