"""Text closeness counts only texts that say more than title and author (BookVectors.described):
a vector of a title alone sits near titles that share its words, not near the story.

Found by "more like this" scans on the real-data warehouse, where 60% of the candidates are
known by title and author alone: from "The Body Finder" the list held Stephen King's "The Body"
and "Whose Body?", each "Close in story and style" (tests/lists/test_real_export.py pins those
titles); here the rule itself, on vectors made for it.
"""

from __future__ import annotations

import numpy as np
import pytest

from bookrec.config import ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates
from bookrec.lists.features import _median, reader_features
from bookrec.lists.reader_list import ListRanker

# book id -> (author, described, cosine to the liked book 1)
BOOKS = {
    1: ("Kimberly Derting", True, 1.0),  # the liked book, "The Body Finder"
    2: ("Stephen King", False, 0.95),  # "The Body": title words only
    3: ("Gillian Flynn", True, 0.6),  # a thriller whose description is near
    4: ("Jane Austen", True, 0.0),
    5: ("Kimberly Derting", False, 0.9),  # the sequel, known by its title alone
    6: ("Paula Hawkins", True, 0.3),
    7: ("Dr. Seuss", True, -0.2),
}
CONFIG = ListConfig(w_rating=0.0, few_w_rating=0.0)


def _vectors(described: bool) -> BookVectors:
    """Unit vectors whose cosine to book 1 is BOOKS' third field (the rest orthogonal noise)."""
    rng = np.random.default_rng(0)
    ids = np.array(sorted(BOOKS), np.int64)
    anchor = np.zeros(16, np.float32)
    anchor[0] = 1.0
    rows = []
    for book in ids:
        cosine = BOOKS[int(book)][2]
        other = rng.normal(size=16).astype(np.float32)
        other[0] = 0.0
        other /= np.linalg.norm(other)
        rows.append(cosine * anchor + np.sqrt(1 - cosine**2) * other)
    flags = np.array([BOOKS[int(b)][1] for b in ids]) if described else None
    return BookVectors(ids, np.stack(rows).astype(np.float32), "raw", "test", described=flags)


def _candidates(text: BookVectors, renamed: dict[str, str] | None = None) -> Candidates:
    ids = text.book_ids
    authors = [BOOKS[int(b)][0] for b in ids]
    authors = [(renamed or {}).get(a, a) for a in authors]
    return Candidates.build(ids, authors, np.full(len(ids), 1000.0), text, None, None)


@pytest.mark.parametrize("described", [True, False])
def test_a_title_alone_is_no_evidence_of_story_unless_its_author_is_the_readers(described):
    text = _vectors(described)
    cands = _candidates(text)
    feats = reader_features(cands, text, None, np.array([1]), np.array([5.0]), CONFIG)
    at = {int(b): i for i, b in enumerate(cands.book_ids)}
    closeness = feats.text
    if not described:  # a warehouse whose texts predate `described`: every text counts
        assert closeness[at[2]] > closeness[at[3]]
        return
    # "The Body" is no nearer than the median described book, however close its title
    told = [closeness[at[b]] for b in (1, 3, 4, 6, 7)]
    assert closeness[at[2]] == pytest.approx(np.median(told))
    assert closeness[at[2]] < closeness[at[3]]
    # the author's own title-only sequel keeps its closeness
    assert closeness[at[5]] > closeness[at[3]]


def test_no_story_and_style_reason_from_a_title_alone():
    text = _vectors(described=True)
    ranker = ListRanker(_candidates(text), text, None, None, CONFIG)
    items = ranker.recommend([1], [5.0], top_n=6, because_count=2)
    kinds = {item.book_id: {e.kind for e in item.evidence} for item in items}
    assert "text" in kinds[3]  # described on both sides: a reason in story and style
    for title_only in (2, 5):
        assert "text" not in kinds.get(title_only, set())
    # the author's own title-only book rests on the liked book by its author, Stephen King's
    # "The Body" on nothing
    assert [(e.kind, e.book_id) for e in _item(items, 5).evidence] == [("author", 1)]
    assert _item(items, 2).evidence == ()
    # a disliked book's author is no reason
    disliked = ranker.recommend([1], [1.0], top_n=6, because_count=2)
    assert all(e.kind != "author" for item in disliked for e in item.evidence)


@pytest.mark.parametrize("nobody", ["Anonymous", "Unknown", "various authors"])
def test_anonymous_is_no_author_to_reason_by(nobody):
    """The Holy Bible by "Anonymous" at 5 stars listed a study Bible first, "More by
    Anonymous, author of The Holy Bible": books credited to no one share no author to name.
    (The score still reads them as one author's: readers of one anonymous classic read
    others, and without it full histories lost 0.004 NDCG@10 on seed 2.)"""
    text = _vectors(described=True)
    ranker = ListRanker(_candidates(text, {"Kimberly Derting": nobody}), text, None, None, CONFIG)
    items = ranker.recommend([1], [5.0], top_n=6, because_count=2)
    assert all(e.kind != "author" for item in items for e in item.evidence)


def _item(items, book_id: int):
    return next(item for item in items if item.book_id == book_id)


def test_a_shortlist_gives_title_only_books_the_whole_catalogs_median():
    """On a shortlist (ListConfig.shortlist) the sampled candidates stand for the rest of the
    catalog (Features.weights): the median a title-only candidate takes is weighted likewise,
    not the shortlist's own, which leans to the closest books."""
    shortlisted_close, sampled_far = np.full(3, 0.9), np.array([0.1, 0.2])
    values = np.r_[shortlisted_close, sampled_far]
    weights = np.r_[np.ones(3), np.full(2, 50.0)]
    assert np.median(values) == pytest.approx(0.9)
    assert _median(values, weights) == pytest.approx(0.2)
    assert _median(values) == pytest.approx(0.9)


def test_a_reader_of_few_books_has_a_neighbourhood_for_each():
    """ "The Hobbit" and "War and Peace" at 5 and 4 stars: with the mean over both liked books
    only what sits between them ranked (classics, no Fellowship of the Ring). A reader of few
    books is measured against the nearest of their books (ListConfig.few_closest); a full
    history keeps the mean over `closest`."""
    ids = np.array([1, 2, 3, 4, 5], np.int64)
    s = np.sqrt
    rows = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],  # 1: a liked book ("The Hobbit")
            [0.0, 1.0, 0.0, 0.0],  # 2: the other liked book ("War and Peace")
            [0.95, 0.0, s(1 - 0.95**2), 0.0],  # 3: near the first alone ("Fellowship")
            [0.6, 0.6, 0.0, s(1 - 0.72)],  # 4: halfway between them
            [0.0, 0.0, 0.6, 0.8],  # 5: near neither
        ],
        np.float32,
    )
    text = BookVectors(ids, rows, "raw", "test", described=np.ones(5, bool))
    cands = Candidates.build(ids, ["A", "B", "C", "D", "E"], np.full(5, 1000.0), text, None, None)
    liked = (np.array([1, 2]), np.array([5.0, 4.0]))
    few = reader_features(cands, text, None, *liked, CONFIG).text
    assert few[2] > few[3] > few[4]  # the nearest of either book counts
    mean = reader_features(cands, text, None, *liked, ListConfig(few_closest=3)).text
    assert mean[3] > mean[2]  # the mean over both: halfway wins
