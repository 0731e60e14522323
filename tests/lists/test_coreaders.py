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
LIKED = 4.0


def test_the_share_of_a_books_readers_who_read_the_candidate_too():
    readers = co_readers_of(RATINGS, WORKS, LIKED)
    # work 10: readers 1, 2, 3 (reader 1 rated both editions: read once); 20: 1, 2, 4; 30: 3, 4
    assert readers.readers_of.tolist() == [3, 3, 2]
    given = readers.columns_of(works_of(WORKS, [11]))  # the other edition: the same work
    shares = readers.highest_share(given, readers.columns_of([20, 30]))
    assert shares == pytest.approx([2 / 3, 1 / 3])
    # over two books, the highest of each one's shares: of 30's readers, 1 of 2 read 20
    both = readers.columns_of(works_of(WORKS, [10, 30]))
    assert readers.highest_share(both, readers.columns_of([20])) == pytest.approx([2 / 3])
    assert readers.highest_share(readers.columns_of([30]), readers.columns_of([20])) == (
        pytest.approx([1 / 2])
    )


def test_a_book_nobody_here_read_counts_nothing():
    readers = co_readers_of(RATINGS, WORKS, LIKED)
    assert readers.columns_of([99, 20]).tolist() == [-1, 1]
    nobody = readers.columns_of([99])
    assert readers.highest_share(nobody, readers.columns_of([20])).tolist() == [0.0]
    assert readers.highest_share(readers.columns_of([20]), nobody).tolist() == [0.0]


def test_the_warehouse_and_a_frame_give_the_same_readers():
    con = duckdb.connect(":memory:")
    assert co_readers(con, WORKS, LIKED) is None  # no ratings table yet
    con.register("frame", RATINGS)
    con.execute("create table ratings as select * from frame")
    stored, framed = co_readers(con, WORKS, LIKED), co_readers_of(RATINGS, WORKS, LIKED)
    assert stored is not None
    assert stored.works.tolist() == framed.works.tolist() == [10, 20, 30]
    assert (stored.read != framed.read).nnz == 0
    assert (stored.liked != framed.liked).nnz == 0
    # without works every book is its own work
    alone = CoReaders.build(RATINGS["user_id"].to_numpy(), RATINGS["book_id"].to_numpy(), None)
    assert alone.works.tolist() == [10, 11, 20, 30]
    assert np.array_equal(alone.readers_of, [2, 2, 3, 2])


def test_what_the_readers_nearest_a_reader_liked():
    readers = co_readers_of(RATINGS, WORKS, LIKED)
    # liked (>= 4) by work: reader 1 work 10 (5 and 4; 20 at 3), reader 2 works 10 and 20,
    # reader 3 work 30 (11 at 2), reader 4 work 20 (30 at 1); each read two works
    assert readers.liked.toarray().tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 0]]
    assert readers.works_read.tolist() == [2, 2, 2, 2]
    # a reader of 20: readers 1, 2 and 4 read it (one work in common each, equally near);
    # of them 1 and 2 liked 10, nobody liked 30 (reader 3, who did, read nothing in common)
    of_20 = readers.columns_of([20])
    assert readers.neighbours_liked(of_20, readers.columns_of([10, 30, 99])) == pytest.approx(
        [2 / 3, 0, 0]
    )
    # a reader of 10 and 30: reader 3 read both (nearness 2 / (2 x 2) ** 0.5 = 1), the
    # others one (0.5 each): 20 is liked by readers 2 and 4, 1.0 of the 2.5 in all
    both = readers.columns_of([10, 30])
    assert readers.neighbours_liked(both, readers.columns_of([20])) == pytest.approx([0.4])
    # only the nearest one: reader 3, who liked none of 20
    assert readers.neighbours_liked(both, readers.columns_of([20]), k=1).tolist() == [0.0]
    # nothing given, or a book nobody here read
    assert readers.neighbours_liked(readers.columns_of([99]), of_20).tolist() == [0.0]
