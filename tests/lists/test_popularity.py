"""The list's popularity: Goodreads' rating counts plus how many of the warehouse's readers
liked a book, counted by one query whether from the warehouse or from an evaluation's
training ratings."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates, zscore
from bookrec.lists.popularity import counts_for, liked_counts, liked_counts_of
from bookrec.lists.works import Works

RATINGS = pd.DataFrame(
    {
        "user_id": [1, 2, 3, 1, 2, 4],
        "book_id": [10, 10, 10, 20, 30, 30],
        "rating": [5, 4, 2, 3, 4, 5],
    }
)


def test_the_warehouse_and_a_frame_of_ratings_count_the_same_likes(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert liked_counts(con, 4.0).empty  # no ratings table: Goodreads' counts alone
    con.execute("create table ratings as select * from RATINGS")
    in_warehouse = liked_counts(con, 4.0)
    # 10: two of three readers rated it 4-5; 20: nobody liked it; 30: both did
    assert in_warehouse.to_dict() == {10: 2, 30: 2}
    assert in_warehouse.equals(liked_counts_of(RATINGS, 4.0))
    assert liked_counts_of(RATINGS, 5.0).to_dict() == {10: 1, 30: 1}
    assert counts_for(in_warehouse, np.array([30, 20, 10])).tolist() == [2.0, 0.0, 2.0]
    assert counts_for(None, np.array([1])) is None


def test_a_works_likes_are_summed_over_its_editions() -> None:
    # 10 and 11 are two editions of one work (readers here liked both); 30 is a work alone
    works = Works(
        work_of={10: 10, 11: 10, 30: 30}, series_of={}, position_of={}, main_edition={10: 10},
        is_collection=frozenset(), contains={}, derived_from={}, collections_of={},
        derivatives_of={}, editions_of={10: frozenset({10, 11}), 30: frozenset({30})},
    )  # fmt: skip
    counts = pd.Series([2, 3, 1], index=[10, 11, 30])
    assert counts_for(counts, np.array([11, 30, 20]), works).tolist() == [5.0, 1.0, 0.0]
    assert counts_for(counts, np.array([11, 30, 20])).tolist() == [3.0, 1.0, 0.0]


def _candidates(num_ratings, liked_by=None) -> Candidates:
    ids = np.arange(1, len(num_ratings) + 1, dtype=np.int64)
    vectors = np.eye(len(ids), 4, dtype=np.float32)
    text = BookVectors(ids, vectors, "raw", "test")
    return Candidates.build(
        ids, [""] * len(ids), np.asarray(num_ratings, float), text, None, None, liked_by=liked_by
    )


def test_books_liked_here_rise_among_books_equally_read_on_goodreads() -> None:
    goodreads = [1000, 1000, 10, 5000]
    alone = _candidates(goodreads).popularity_z
    assert np.allclose(alone, zscore(np.log1p(np.asarray(goodreads, float))))
    # nobody here liked anything: Goodreads' half alone, unchanged
    assert np.allclose(_candidates(goodreads, np.zeros(4)).popularity_z, alone)
    both = _candidates(goodreads, np.array([0, 30, 0, 2])).popularity_z
    assert both[1] > both[0]  # the same Goodreads count, liked by 30 readers here
    assert both[1] > both[3]  # above the most read on Goodreads, which 2 readers here liked
    assert both[2] == both.min()  # read by few anywhere, liked by nobody here
    assert abs(both.mean()) < 1e-12 and np.isclose(both.std(), 1.0)  # the scale weights expect


def test_a_few_likes_in_a_young_warehouse_do_not_top_every_list() -> None:
    rng = np.random.default_rng(0)
    goodreads = np.round(10 ** rng.uniform(2, 6, 1000))
    liked = np.zeros(1000)
    middling = np.argsort(goodreads)[495:498]  # three books of middling Goodreads counts
    liked[middling] = 1  # each liked by one reader of this warehouse
    both = _candidates(goodreads, liked).popularity_z
    alone = _candidates(goodreads).popularity_z
    # a like lifts a book above its Goodreads equals, not above the most read books
    assert (both[middling] > alone[middling]).all()
    assert np.argmax(both) == np.argmax(goodreads)
    assert both[middling].max() < np.sort(both)[-50]
