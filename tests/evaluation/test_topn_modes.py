"""The pieces of the reader-mode protocol, each on data small enough to check by hand: EASE's
closed form, the hygiene rates, the few-book cuts, the "more like this" relevant sets."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bookrec.evaluation.hygiene import after_dislike_flags, hygiene_flags
from bookrec.evaluation.topn import relevant_works
from bookrec.evaluation.topn_modes import (
    few_book_cases,
    more_like_this_cases,
    specific_cases,
    unrated,
)
from bookrec.lists.ease import Ease, ease_weights
from bookrec.lists.works import Works


def make_works(
    editions: dict[int, list[int]],
    contains: dict[int, list[int]] | None = None,
    derived: dict[int, list[int]] | None = None,
    series: dict[int, tuple[str, float]] | None = None,
) -> Works:
    """Works from hand-written links: work id -> its edition ids, collection -> works,
    derivative -> works, book -> (series, position)."""
    contains, derived, series = contains or {}, derived or {}, series or {}
    work_of = {b: w for w, books in editions.items() for b in books}

    def reverse(links: dict[int, list[int]]) -> dict[int, frozenset[int]]:
        out: dict[int, set[int]] = {}
        for book, works in links.items():
            for w in works:
                out.setdefault(w, set()).add(book)
        return {w: frozenset(b) for w, b in out.items()}

    return Works(
        work_of=work_of,
        series_of={b: s for b, (s, _) in series.items()},
        position_of={b: p for b, (_, p) in series.items()},
        main_edition={w: books[0] for w, books in editions.items()},
        is_collection=frozenset(contains),
        contains={b: frozenset(w) for b, w in contains.items()},
        derived_from={b: frozenset(w) for b, w in derived.items()},
        collections_of=reverse(contains),
        derivatives_of=reverse(derived),
        editions_of={w: frozenset(books) for w, books in editions.items()},
    )


# --- EASE ------------------------------------------------------------------------------------


def test_ease_closed_form_matches_a_ridge_regression_per_column():
    # column j of B regresses item j on the other items (B_jj = 0): solve each one directly
    rng = np.random.default_rng(0)
    x = (rng.random((12, 5)) < 0.45).astype(np.float64)
    reg = 2.0
    b = ease_weights(sp.csr_matrix(x), reg)
    # read by rows (a reader's books): float32 in C order, whatever order LAPACK answers in
    assert b.dtype == np.float32 and b.flags.c_contiguous
    assert np.allclose(np.diag(b), 0.0)
    for j in range(5):
        others = [i for i in range(5) if i != j]
        a = x[:, others]
        direct = np.linalg.solve(a.T @ a + reg * np.eye(4), a.T @ x[:, j])
        assert np.allclose(b[others, j], direct, atol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        ease_weights(sp.csr_matrix(x), 0.0)


def test_ease_scores_sum_the_history_rows_and_skip_books_it_does_not_know():
    # books 10, 20, 30 read by 2+ readers; 40 by one reader only: left out of EASE's items
    x = sp.csr_matrix(np.array([[1, 1, 0, 1], [1, 1, 1, 0], [0, 1, 1, 0], [1, 0, 1, 0]], float))
    ease = Ease.fit(x, np.array([10, 20, 30, 40]), reg=1.0, min_readers=2)
    assert ease.book_ids.tolist() == [10, 20, 30]
    b = ease.weights
    scores = ease.scores([10, 20, 40], np.array([30, 10, 40]))
    assert scores[0] == pytest.approx(b[0, 2] + b[1, 2])
    assert scores[1] == pytest.approx(b[0, 0] + b[1, 0])  # its own diagonal: 0
    assert scores[2] == -np.inf


# --- hygiene ---------------------------------------------------------------------------------


def test_hygiene_flags_editions_collections_and_derivatives_of_history_and_list():
    # works 1 (books 1, 11), 2 (2, 12), 3, 4, 5; 100 collects works 1 and 2; 200 adapts work 3;
    # 300 adapts work 5
    works = make_works(
        {1: [1, 11], 2: [2, 12], 3: [3], 4: [4], 5: [5], 100: [100], 200: [200], 300: [300]},
        contains={100: [1, 2]},
        derived={200: [3], 300: [5]},
    )
    history = [1]
    items = [11, 3, 4, 200, 12, 2, 300, 5, 100]
    flags = hygiene_flags(works, history, items)
    # 11: an edition of the reader's book 1; 200: adapts 3, listed above it; 2: an edition of 12
    # listed above it; 300: adapts 5, listed below it (the derivative is flagged wherever it
    # stands, not the book it adapts); 100: a collection of the reader's work 1
    assert flags.tolist() == [True, False, False, True, False, True, True, False, True]
    assert hygiene_flags(works, history, items, k=3).tolist() == [True, False, False]
    assert hygiene_flags(works, [], [3, 4, 5]).tolist() == [False, False, False]


def test_after_dislike_flags_only_series_whose_last_read_entry_was_disliked():
    series = {b: ("saga", float(b)) for b in (1, 2, 3, 4)} | {
        b: ("cycle", float(b - 10)) for b in (11, 12, 13)
    }
    works = make_works({b: [b] for b in (1, 2, 3, 4, 11, 12, 13, 50)}, series=series)
    # saga: read #1 (5 stars) and #2 (1 star): #3, #4 continue past a dislike
    # cycle: read #1 at 2 stars, then #2 at 5: continuing it is fine
    history, ratings = [1, 2, 11, 12], [5, 1, 2, 5]
    flags = after_dislike_flags(works, history, ratings, [3, 13, 50, 4])
    assert flags.tolist() == [True, False, False, True]
    # unrated books are no dislike
    unknown = [np.nan] * 4
    assert not after_dislike_flags(works, history, unknown, [3, 13, 50, 4]).any()


# --- few-book cuts ---------------------------------------------------------------------------


def _books():
    return {
        1: (np.arange(10, 20, dtype=np.int64), np.array([5, 4, 2, 5, 3, 4, 1, 5, 4, 2], float)),
        2: (np.arange(20, 26, dtype=np.int64), np.array([1, 2, 3, 5, 5, 4], float)),
        3: (np.array([30, 31], dtype=np.int64), np.array([5, 5], float)),
    }


def test_relevant_leaves_out_the_works_read_through_the_history():
    """Full histories and every mode: another edition of a training book, or a work its
    collection holds, is no hit (full histories counted them until 2026-12-05)."""
    works = make_works({1: [1, 2], 3: [3], 4: [4], 5: [5]}, contains={5: [4]})
    # 2 is an edition of 1, 4 is in the collection 5 the reader has; 3 is new
    assert relevant_works(works, np.array([1, 5]), [2, 3, 4]) == {3}
    assert relevant_works(works, np.array([3]), [2, 3, 4]) == {1, 4}
    assert relevant_works(works, np.zeros(0, np.int64), [2]) == {1}


def test_relevant_leaves_out_the_series_entries_before_the_earliest_one_read():
    """A reader whose history holds #3 has read #1 (the random split hid it): the main entries
    before the earliest one given are no hit, as the list never offers them; a gap (#2 between
    #1 and #3), a prequel novella (#0.5) and a box set of the series still count."""
    series = {b: ("saga", float(b)) for b in (1, 2, 3, 4)} | {5: ("saga", 0.5), 6: ("saga", 1.0)}
    works = make_works({b: [b] for b in range(1, 8)}, contains={6: [1, 2, 3]}, series=series)
    assert relevant_works(works, np.array([3]), [1, 2, 4, 5, 6, 7]) == {4, 5, 6, 7}
    assert relevant_works(works, np.array([1, 3]), [2, 4]) == {2, 4}
    # the earliest entry of the history decides, wherever it sits in the history
    assert relevant_works(works, np.array([4, 2]), [1, 3]) == {3}
    assert relevant_works(works, np.array([7]), [1, 2]) == {1, 2}


def test_few_book_cut_keeps_no_hidden_book_and_relevant_is_the_rest_rated_4_5():
    books = _books()
    # books 13 and 17 are two editions of one work (13): keeping one makes the other not relevant
    works = make_works({b: [b] for b in range(10, 32) if b != 17} | {13: [13, 17]})
    cases = few_book_cases(books, works, (1, 3, 5), seed=0)
    for size, found in cases.items():
        for case in found:
            ids, ratings = books[case.key]
            assert len(case.history) == size
            assert set(case.history) <= set(ids.tolist())
            rest = [b for b in ids.tolist() if b not in set(case.history.tolist())]
            rating = dict(zip(ids.tolist(), ratings.tolist(), strict=True))
            expected = {works.work(b) for b in rest if rating[b] >= 4}
            expected -= {works.work(int(b)) for b in case.history}
            assert case.relevant == expected
            assert not case.relevant & {works.work(int(b)) for b in case.history}
            # the ratings travel with their books
            assert case.ratings.tolist() == [rating[int(b)] for b in case.history]
    # reader 3 has 2 books: a 1-book cut only; the cuts nest; the draw is seeded
    assert [c.key for c in cases[3]] == [1, 2] and 3 in [c.key for c in cases[1]]
    by_key = {c.key: c for c in cases[3]}
    for case in cases[1]:
        if case.key in by_key:
            assert case.history[0] == by_key[case.key].history[0]
    again = few_book_cases(books, works, (1, 3, 5), seed=0)
    assert [c.history.tolist() for c in again[5]] == [c.history.tolist() for c in cases[5]]
    other = few_book_cases(books, works, (5,), seed=1)
    assert [c.history.tolist() for c in other[5]] != [c.history.tolist() for c in cases[5]]
    # another shuffle of the same seed: other cuts of the same readers (more to learn from)
    shuffled = few_book_cases(books, works, (1, 3, 5), seed=0, shuffle=1)
    assert [c.key for c in shuffled[5]] == [c.key for c in cases[5]]
    assert [c.history.tolist() for c in shuffled[5]] != [c.history.tolist() for c in cases[5]]
    first = few_book_cases(books, works, (5,), seed=0, shuffle=0)[5]
    assert [c.history.tolist() for c in first] == [c.history.tolist() for c in cases[5]]
    # unrated: the same books and relevant sets, every rating unknown
    for a, b in zip(unrated(cases[3]), cases[3], strict=True):
        assert a.history.tolist() == b.history.tolist() and a.relevant == b.relevant
        assert np.isnan(a.ratings).all()


def test_more_like_this_relevant_is_what_the_seeds_likers_liked():
    books = {
        1: (np.array([10, 11, 12], np.int64), np.array([5, 4, 2], float)),
        2: (np.array([10, 13, 14], np.int64), np.array([4, 5, 5], float)),
        3: (np.array([10, 11, 15], np.int64), np.array([2, 5, 5], float)),
        4: (np.array([11, 16], np.int64), np.array([4, 1], float)),
    }
    # 18 is a collection containing work 10: liked by nobody, but never relevant to seed 10
    works = make_works({b: [b] for b in range(10, 19)}, contains={18: [10]})
    cases = more_like_this_cases(books, works, np.arange(10, 19), 2, 100, seed=0)
    by_seed = {c.key: c for c in cases}
    # 10 liked by readers 1, 2 (3 rated it 2); 11 by 1, 3, 4; the others by fewer than 2
    assert set(by_seed) == {10, 11}
    assert by_seed[10].relevant == {11, 13, 14}
    assert by_seed[11].relevant == {10, 15}
    assert by_seed[10].history.tolist() == [10] and np.isnan(by_seed[10].ratings).all()
    # at most max_seeds, seeded
    assert len(more_like_this_cases(books, works, np.arange(10, 19), 2, 1, seed=0)) == 1


def test_more_like_this_beyond_popularity_keeps_what_goes_with_the_seed():
    """Of a seed's relevant works, only those two or more of its likers liked, at `lift`
    times the share of all readers who liked them: a book every reader liked is not."""
    liked = np.array([5.0, 5.0, 5.0, 5.0])
    books = {
        1: (np.array([10, 11, 12, 13], np.int64), liked),
        2: (np.array([10, 11, 12, 14], np.int64), liked),
        3: (np.array([10, 15, 12, 14], np.int64), liked),
        4: (np.array([16, 17, 12, 14], np.int64), liked),
        5: (np.array([16, 17, 12, 15], np.int64), liked),
        6: (np.array([16, 17, 12, 15], np.int64), liked),
    }
    works = make_works({b: [b] for b in range(10, 19)})
    cases = more_like_this_cases(books, works, np.arange(10, 19), 3, 100, seed=0)
    seed = next(c for c in cases if c.key == 10)
    assert seed.relevant == {11, 12, 13, 14, 15}
    # 11: 2 of the 3 likers against 2 of 6 readers (2x); 12: every reader (1x); 13: one liker;
    # 14: 2 of 3 against 3 of 6 (1.33x); 15: 1 liker
    (specific,) = [c for c in specific_cases(cases, books, works, 1.5) if c.key == 10]
    assert specific.relevant == {11}
    assert specific.history.tolist() == [10] and np.isnan(specific.ratings).all()
    assert [c.relevant for c in specific_cases(cases, books, works, 1.2) if c.key == 10] == [
        {11, 14}
    ]
    # a seed left with nothing relevant is dropped
    assert not [c for c in specific_cases(cases, books, works, 2.5) if c.key == 10]
