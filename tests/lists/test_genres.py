"""A reader's genres (bookrec.lists.genres): cosines worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from bookrec.lists.genres import GENRES_KEPT, BookGenres

GENRES = BookGenres.of(
    {
        7: ["Fantasy", "Magic"],
        3: ["Fantasy", "Romance", "Magic"],
        5: [],  # a title known only from the rating files
        9: ["Horror"],
    }
)


def test_a_book_is_its_row_and_a_book_without_genres_has_none():
    assert GENRES.book_ids.tolist() == [3, 7, 9]
    assert GENRES.rows_of([7, 5, 3, 42]).tolist() == [1, -1, 0, -1]


def test_closeness_is_the_cosine_to_the_liked_books_summed():
    rows = GENRES.rows_of([3, 9, 5, 7])
    # one liked book (Fantasy, Magic) against (Fantasy, Romance, Magic): 2 shared of 2 and 3
    got = GENRES.closeness([7], rows)
    assert got == pytest.approx([2 / np.sqrt(6), 0.0, 0.0, 1.0])
    # two liked books: their unit rows summed, over the genres Fantasy, Magic, Romance
    summed = np.array([1 / np.sqrt(2) + 1 / np.sqrt(3)] * 2 + [1 / np.sqrt(3)])
    own = {3: np.array([1, 1, 1]) / np.sqrt(3), 7: np.array([1, 1, 0]) / np.sqrt(2)}
    want = [own[b] @ summed / np.linalg.norm(summed) for b in (3, 7)]
    assert GENRES.closeness([7, 3], GENRES.rows_of([3, 7])) == pytest.approx(want)


def test_nothing_known_is_zero():
    rows = GENRES.rows_of([3, 7])
    assert not GENRES.closeness([5, 42], rows).any()  # liked books without genres
    assert not GENRES.closeness([], rows).any()
    assert not GENRES.closeness([7], np.array([-1, -1])).any()
    assert not BookGenres.of({}).closeness([7], rows).any()


def test_a_genre_counts_once_and_only_the_first_ones_kept():
    many = [f"genre {i}" for i in range(GENRES_KEPT + 3)]
    genres = BookGenres.of({1: many, 2: ["genre 0", "genre 0"], 3: many[GENRES_KEPT:]})
    rows = genres.rows_of([1, 2, 3])
    # book 1 keeps GENRES_KEPT genres, one of them book 2's only genre, none of book 3's
    assert genres.closeness([2], rows) == pytest.approx([1 / np.sqrt(GENRES_KEPT), 1.0, 0.0])


def test_cosines_pair_two_books_genres():
    """Each pair's cosine (the reasons' "Like X: genres"), 0 where either has none."""
    got = GENRES.cosines(GENRES.rows_of([3, 5, 9]), GENRES.rows_of([7, 3, 42]))
    want = [[2 / np.sqrt(6), 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]  # 5, 42: none
    assert np.allclose(got, want)
    assert GENRES.cosines(GENRES.rows_of([5, 9, 7]), GENRES.rows_of([9, 3])).tolist() == [
        [0.0, 0.0],
        [1.0, 0.0],
        pytest.approx([0.0, 2 / np.sqrt(6)]),
    ]
    assert GENRES.cosines(GENRES.rows_of([5]), GENRES.rows_of([7])).tolist() == [[0.0]]
