"""Who read what here (bookrec.lists.coreaders): the share of a book's readers who read a
candidate too, counted by work, from the warehouse's ratings or an evaluation's frame."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from bookrec.lists.coreaders import CoReaders, co_readers, co_readers_of, works_of
from tests.evaluation.test_topn_modes import make_works

# readers 1-4; books 10 and 11 are two editions of work 10, 20 and 30 are works of their own
RATINGS = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 3, 3, 4, 4],
        "book_id": [10, 11, 20, 10, 20, 11, 30, 20, 30],
        "rating": [5, 4, 3, 4, 5, 2, 4, 5, 1],
    }
)
WORKS = make_works({10: [10, 11], 20: [20], 30: [30]})


def test_the_share_of_a_books_readers_who_read_the_candidate_too():
    readers = co_readers_of(RATINGS, WORKS, 4.0)
    # work 10: readers 1, 2, 3 (reader 1 rated both editions: read once); 20: 1, 2, 4; 30: 3, 4
    assert readers.readers_of.tolist() == [3, 3, 2]
    given = readers.columns_of(works_of(WORKS, [11]))  # the other edition: the same work
    shares = readers.reading(given, readers.columns_of([20, 30])).highest
    assert shares == pytest.approx([2 / 3, 1 / 3])
    # over two books, the highest of each one's shares: of 30's readers, 1 of 2 read 20
    both = readers.columns_of(works_of(WORKS, [10, 30]))
    assert readers.reading(both, readers.columns_of([20])).highest == pytest.approx([2 / 3])
    assert readers.reading(readers.columns_of([30]), readers.columns_of([20])).highest == (
        pytest.approx([1 / 2])
    )
    # and their mean: (2/3 + 1/2) / 2
    assert readers.reading(both, readers.columns_of([20])).mean == pytest.approx([7 / 12])


def test_the_share_who_liked_the_candidate_counts_only_its_high_ratings():
    readers = co_readers_of(RATINGS, WORKS, 4.0)
    # of work 10's readers (1, 2, 3), two read 20 but only reader 2 liked it (reader 1 gave
    # it 3 stars); reader 3 read and liked 30
    given = readers.columns_of(works_of(WORKS, [10]))
    liked = readers.reading(given, readers.columns_of([20, 30]))
    assert liked.highest == pytest.approx([2 / 3, 1 / 3])
    assert liked.highest_liked == pytest.approx([1 / 3, 1 / 3])
    # of 30's readers (3, 4): reader 3 read work 10 at 2 stars, reader 4 liked 20
    from_30 = readers.reading(readers.columns_of([30]), readers.columns_of([10, 20]))
    assert from_30.highest == pytest.approx([1 / 2, 1 / 2])
    assert from_30.highest_liked == pytest.approx([0.0, 1 / 2])
    # a stricter bar: nobody liked 20 at 5 stars but readers 2 and 4
    strict = co_readers_of(RATINGS, WORKS, 5.0)
    assert strict.reading(given, strict.columns_of([20])).highest_liked == pytest.approx([1 / 3])


def test_a_book_nobody_here_read_counts_nothing():
    readers = co_readers_of(RATINGS, WORKS, 4.0)
    assert readers.columns_of([99, 20]).tolist() == [-1, 1]
    nobody = readers.columns_of([99])
    for reading in (
        readers.reading(nobody, readers.columns_of([20])),
        readers.reading(readers.columns_of([20]), nobody),
    ):
        assert reading.highest.tolist() == reading.mean.tolist() == [0.0]
        assert reading.highest_liked.tolist() == [0.0]


def test_the_warehouse_and_a_frame_give_the_same_readers():
    con = duckdb.connect(":memory:")
    assert co_readers(con, WORKS, 4.0) is None  # no ratings table yet
    con.register("frame", RATINGS)
    con.execute("create table ratings as select * from frame")
    stored, framed = co_readers(con, WORKS, 4.0), co_readers_of(RATINGS, WORKS, 4.0)
    assert stored is not None
    assert stored.works.tolist() == framed.works.tolist() == [10, 20, 30]
    assert (stored.read != framed.read).nnz == 0
    assert (stored.liked != framed.liked).nnz == 0
    # reader 1 liked both editions of work 10: one like of the work
    assert stored.liked.nnz == 5
    # without works every book is its own work
    alone = CoReaders.build(RATINGS["user_id"].to_numpy(), RATINGS["book_id"].to_numpy(), None)
    assert alone.works.tolist() == [10, 11, 20, 30]
    assert np.array_equal(alone.readers_of, [2, 2, 3, 2])
