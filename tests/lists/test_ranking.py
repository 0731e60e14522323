"""The list's constraints on real titles: nothing already read in any form, one edition per work,
"next in series" only after a liked entry, at most N per author and per series."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from bookrec.config import ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates, reader_roles, zscore
from bookrec.lists.coreaders import CoReaders, works_of
from bookrec.lists.evidence import Evidence, by_shared_genres, read_by_their_readers
from bookrec.lists.features import reader_features
from bookrec.lists.genres import BookGenres
from bookrec.lists.learned import FEATURES
from bookrec.lists.reader_list import ListRanker
from bookrec.lists.rules import (
    SeriesLayout,
    _follows_a_given_entry,
    blocked_mask,
    pick,
    rank,
    sequels_before_their_authors,
)
from bookrec.lists.works import load_works
from tests.lists.test_works import BOOKS, works_connection


@pytest.fixture(scope="module")
def setup():
    works = load_works(works_connection())
    ids = np.arange(1, len(BOOKS) + 1, dtype=np.int64)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(ids), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    text = BookVectors(ids, vectors, "raw", "test")
    corating = BookVectors(ids, vectors[:, ::-1].copy(), "corating", "test")
    num = np.array([r[2] or 0 for r in BOOKS], np.float64)
    authors = [r[1] or "" for r in BOOKS]
    cands = Candidates.build(ids, authors, num, text, corating, works)
    return works, cands, text, corating


def _id(title):
    return next(i + 1 for i, r in enumerate(BOOKS) if r[0] == title)


def _without(setup, book_id: int) -> tuple[Candidates, dict[int, int]]:
    """The fixture's candidates with one book left out (no text, too few ratings...), and each
    candidate's position by book id."""
    works, _, text, corating = setup
    ids = np.array([b for b in range(1, len(BOOKS) + 1) if b != book_id], np.int64)
    fewer = Candidates.build(
        ids,
        [BOOKS[b - 1][1] or "" for b in ids],
        np.array([BOOKS[b - 1][2] or 0 for b in ids], np.float64),
        text,
        corating,
        works,
    )
    return fewer, {int(b): i for i, b in enumerate(fewer.book_ids)}


def test_one_edition_per_work_the_most_rated(setup):
    works, cands, *_ = setup
    kept = set(cands.book_ids.tolist())
    assert _id("The 5 Love Languages: The Secret to Love that Lasts") in kept
    assert (
        _id("The Five Love Languages: How to Express Heartfelt Commitment to Your Mate") not in kept
    )
    assert _id("The Sign of Four (Sherlock Holmes, #2)") in kept
    assert _id("The Sign of the Four (Sherlock Holmes, #2)") not in kept  # no ratings


def test_next_in_series_only_after_a_liked_entry(setup):
    works, cands, *_ = setup
    config = ListConfig()
    anne1 = _id("Anne of Green Gables (Anne of Green Gables, #1)")
    anne2 = _id("Anne of Avonlea (Anne of Green Gables, #2)")
    anne4 = _id("Anne of Windy Poplars (Anne of Green Gables, #4)")
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    blocked, next_up = blocked_mask(cands, works, [anne1], [5.0], config)
    assert not blocked[pos[anne2]] and pos[anne2] in next_up
    assert blocked[pos[anne4]]  # later entries wait for #2
    # the box sets holding #1 are never suggested
    box = _id("The Complete Anne of Green Gables 8-Book Box Set")
    assert box in pos and blocked[pos[box]]  # a candidate, and barred
    # a disliked series gets no next entry
    ender = _id("Ender’s Game (Ender's Saga, #1)")
    blocked, next_up = blocked_mask(cands, works, [anne1, ender], [2.0, 5.0], config)
    assert blocked[pos[anne2]] and pos[anne2] not in next_up
    # a series the reader never read: only its first entry
    farmer = _id("Farmer Boy (Little House, #2)")
    woods = _id("Little House in the Big Woods (Little House, #1)")
    blocked, _ = blocked_mask(cands, works, [anne1], [5.0], config)
    assert blocked[pos[farmer]] and not blocked[pos[woods]]


def test_caps_per_author_and_series(setup):
    """At most max_per_author books of one author and max_per_series of one series, each cap
    on its own: a series here is one author's, so both caps at 1 would not tell whether the
    series cap holds."""
    works, cands, *_ = setup
    order = np.argsort(-cands.popularity)

    def picked(max_per_author: int, max_per_series: int) -> tuple[list[str], list[str]]:
        config = dataclasses.replace(
            ListConfig(), max_per_author=max_per_author, max_per_series=max_per_series
        )
        chosen = pick(order, cands, works, 20, config)
        authors = [cands.authors[i] for i in chosen if cands.authors[i]]
        series = [works.series_of.get(int(cands.book_ids[i])) for i in chosen]
        return authors, [s for s in series if s]

    authors, _ = picked(1, 99)
    assert len(authors) == len(set(authors))
    authors, series = picked(99, 1)
    assert len(series) == len(set(series))
    assert len(authors) > len(set(authors))  # the series cap alone lets an author in twice
    _, uncapped = picked(99, 99)
    assert len(uncapped) > len(set(uncapped))  # without it, a series comes twice


def test_ranker_never_lists_what_was_read_in_any_form(setup):
    works, cands, text, corating = setup
    read = [
        _id("To Kill a Mockingbird"),
        _id("Ender’s Game (Ender's Saga, #1)"),
        _id("A Game of Thrones (A Song of Ice and Fire, #1)"),
        _id("The Hound of the Baskervilles (Sherlock Holmes, #5)"),
    ]
    ranker = ListRanker(cands, text, corating, works, ListConfig())
    items = ranker.recommend(read, [5, 5, 4, 5], top_n=len(BOOKS))
    listed = {i.book_id for i in items}
    assert not listed & works.already_read(read)
    got = {BOOKS[b - 1][0] for b in listed}
    assert "A Clash of Kings  (A Song of Ice and Fire, #2)" in got
    assert next(
        i for i in items if i.book_id == _id("A Clash of Kings  (A Song of Ice and Fire, #2)")
    ).next_in_series


def test_scores_combine_z_scored_features(setup):
    works, cands, text, corating = setup
    feats = reader_features(
        cands, text, corating, np.array([1, 4]), np.array([5.0, 4.0]), ListConfig()
    )
    assert abs(feats.pop.mean()) < 1e-9 and abs(feats.pop.std() - 1) < 1e-9
    only_pop = dataclasses.replace(ListConfig(), w_pop=1.0, w_text=0.0, w_corating=0.0)
    order = rank(feats.score(only_pop), np.zeros(len(cands.book_ids), bool), 3)
    assert list(order) == list(np.argsort(-cands.popularity, kind="stable")[:3])


def test_a_lone_low_rating_is_never_liked():
    config = ListConfig()
    liked, disliked = reader_roles(np.array([1.0]), config)
    assert not liked.any() and disliked.all()
    # below 10 ratings a 3 is neither liked nor disliked, whatever the reader's mean
    liked, disliked = reader_roles(np.array([3.0, 2.0, 1.0]), config)
    assert not liked.any() and list(disliked) == [False, True, True]
    # from 10 ratings on, >= the reader's own mean counts too, but never a 2
    ratings = np.array([3.0] * 5 + [1.0] * 5)
    liked, disliked = reader_roles(ratings, config)
    assert list(liked) == [True] * 5 + [False] * 5
    low = np.array([2.0] * 10)
    assert not reader_roles(low, config)[0].any()
    # a book listed without a rating counts as liked
    liked, _ = reader_roles(np.array([np.nan, 1.0]), config)
    assert list(liked) == [True, False]


def test_no_next_in_series_after_a_dislike(setup):
    works, cands, text, corating = setup
    config = ListConfig()
    anne1 = _id("Anne of Green Gables (Anne of Green Gables, #1)")
    anne2 = _id("Anne of Avonlea (Anne of Green Gables, #2)")
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    for rating in (1.0, 2.0):
        blocked, next_up = blocked_mask(cands, works, [anne1], [rating], config)
        assert blocked[pos[anne2]] and not next_up
    # a liked #1 and a disliked #2: the series is not continued either
    got1 = _id("A Game of Thrones (A Song of Ice and Fire, #1)")
    got2 = _id("A Clash of Kings  (A Song of Ice and Fire, #2)")
    got3 = _id("A Storm of Swords (A Song of Ice and Fire, #3)")
    blocked, next_up = blocked_mask(cands, works, [got1, got2], [5.0, 1.0], config)
    assert blocked[pos[got3]] and pos[got3] not in next_up
    # an unrated listed book continues its series (it counts as liked)
    blocked, next_up = blocked_mask(cands, works, [anne1], [np.nan], config)
    assert pos[anne2] in next_up
    items = ListRanker(cands, text, corating, works, config).recommend([anne1], [1.0], top_n=30)
    assert not any(i.next_in_series for i in items)


def test_dislikes_push_down_their_author_and_neighbours(setup):
    works, cands, text, corating = setup
    config = ListConfig()
    ranker = ListRanker(cands, text, corating, works, config)
    holmes = _id("The Hound of the Baskervilles (Sherlock Holmes, #5)")
    doyle = {i for i, a in enumerate(cands.authors) if a == "Arthur Conan Doyle"}
    neutral = ranker.score([], [])
    disliked = ranker.score([holmes], [1.0])
    feats = ranker.features([holmes], [1.0])
    assert feats.author_penalty is not None and feats.dislike is not None
    # the score drops by w_dislike x z(closeness to it) and the penalty on its author
    expected = config.w_dislike * feats.dislike + config.dislike_author_penalty * (
        feats.author_penalty
    )
    np.testing.assert_allclose(neutral - disliked, expected, atol=1e-9)
    assert {int(i) for i in np.flatnonzero(feats.author_penalty)} == doyle
    # ...and the disliked book read by nobody else counts nothing toward the reader's taste
    assert not feats.liked_ids.size and not np.any(feats.corating)


def test_a_few_book_list_is_whole_whatever_the_re_rank_depth(setup):
    """The limit on books with no reason picks from the re-ranker's depth: with no re-rank
    depth (0), or one shorter than the list, the list is still as long as asked (it held 1
    book, or failed); and a reader with no candidate left gets an empty list."""
    works, cands, text, corating = setup
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    for depth in (0, 5):
        config = ListConfig(few_rerank_depth=depth, few_max_unexplained=1)
        ranker = ListRanker(cands, text, corating, works, config)
        assert len(ranker.recommend([kings], [5.0], top_n=20)) == 20
    ranker = ListRanker(cands, text, corating, works, ListConfig(few_max_unexplained=1))
    every = [int(b) for b in cands.book_ids if b != kings]
    assert ranker.recommend([kings], [5.0], top_n=10, exclude=every) == []


def test_the_next_entry_of_a_liked_series_leads_the_list(setup):
    """ "The Lightning Thief" at 5 stars had "The Sea of Monsters" tenth on the real data,
    behind nine books everyone here read. The next entry of a liked series now leads the
    list (ListConfig.sequels_first), the rest in the order of the score; none follows a
    dislike."""
    works, cands, text, corating = setup
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    radiance = _id("Words of Radiance (The Stormlight Archive, #2)")
    plain = ListRanker(cands, text, corating, works, ListConfig(sequels_first=0))
    by_score = [i.book_id for i in plain.recommend([kings], [5.0], top_n=30)]
    assert by_score.index(radiance) >= 10  # not even in the top 10 by its score here
    ranker = ListRanker(cands, text, corating, works, ListConfig())
    items = ranker.recommend([kings], [5.0], top_n=10)
    assert items[0].book_id == radiance and items[0].next_in_series
    assert [i.book_id for i in items[1:]] == [b for b in by_score if b != radiance][:9]
    disliked = [i.book_id for i in ranker.recommend([kings], [1.0], top_n=10)]
    assert radiance not in disliked
    # excluded (on the reader's to-read shelf, or their list behind "more like this"), it is
    # never listed, however it would lead
    for rating in (5.0, None):
        shown = ranker.recommend([kings], [rating], top_n=10, exclude=[radiance])
        assert radiance not in [i.book_id for i in shown] and len(shown) == 10
    # given alone without a rating it asks for books like it (ListRanker.like_this): the
    # next entry leads as well
    assert ranker.recommend([kings], [None], top_n=10)[0].book_id == radiance
    # listed without a rating beside another book, The Way of Kings still leads to Words of
    # Radiance, in its place
    other = next(int(b) for b in cands.book_ids if b not in (kings, radiance))
    unrated = ranker.recommend([kings, other], [None, None], top_n=50)
    assert [i.book_id for i in unrated] == [
        i.book_id for i in plain.recommend([kings, other], [None, None], top_n=50)
    ]
    assert next(i for i in unrated if i.book_id == radiance).next_in_series
    # a long history is ranked by its score alone
    many = [kings, *(int(b) for b in cands.book_ids[:6] if b not in (kings, radiance))]
    long = ListRanker(cands, text, corating, works, ListConfig(few_books=len(many) - 1))
    plain = ListRanker(
        cands, text, corating, works, ListConfig(few_books=len(many) - 1, sequels_first=0)
    )
    assert long.recommend(many, [5.0] * len(many)) == plain.recommend(many, [5.0] * len(many))


def test_only_dislikes_get_well_liked_books_unlike_them(setup):
    works, cands, text, corating = setup
    avg = np.linspace(3.5, 4.5, len(cands.book_ids))
    rated = dataclasses.replace(cands, avg_rating=avg)
    ranker = ListRanker(rated, text, corating, works, ListConfig())
    mock = _id("To Kill a Mockingbird")
    feats = ranker.features([mock], [1.0])
    assert feats.quality is not None and len(feats.liked_ids) == 0
    items = ranker.recommend([mock], [1.0], top_n=5)
    assert items and all(i.book_id != mock and not i.evidence for i in items)
    assert all(cands.authors[i.position] != "Harper Lee" for i in items)
    # a reader who likes something gets no quality term: their closeness decides
    assert ranker.features([mock], [5.0]).quality is None


def test_nobody_gets_the_popular_well_rated_list_under_the_rules(setup):
    works, cands, text, corating = setup
    config = dataclasses.replace(ListConfig(), max_per_author=1)
    ranker = ListRanker(cands, text, corating, works, config)
    items = ranker.recommend([], None, top_n=8)
    authors = [cands.authors[i.position] for i in items if cands.authors[i.position]]
    assert len(authors) == len(set(authors))
    assert items[0].book_id == int(cands.book_ids[np.argmax(cands.popularity)])
    with pytest.raises(ValueError, match="1..5"):
        ranker.recommend([1], [7.0])
    with pytest.raises(ValueError, match="ratings"):
        ranker.recommend([1, 2], [5.0])


def test_next_in_series_is_the_next_main_entry(setup):
    works, cands, text, corating = setup
    config = ListConfig()
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    blocked, next_up = blocked_mask(cands, works, [kings], [5.0], config)
    assert [int(cands.book_ids[p]) for p in next_up] == [
        _id("Words of Radiance (The Stormlight Archive, #2)")
    ]
    # the split "Part 1 (#1.1)" is an edition of #1: not even a candidate beside it
    assert _id("The Way of Kings, Part 1 (The Stormlight Archive #1.1)") not in pos
    hobbit = _id("The Hobbit (The Lord of the Rings, #0)")
    blocked, next_up = blocked_mask(cands, works, [hobbit], [5.0], config)
    fellowship = _id("The Fellowship of the Ring (The Lord of the Rings, #1)")
    assert pos[fellowship] in next_up
    assert blocked[pos[_id("The Lord of the Rings")]]  # the omnibus
    assert blocked[pos[_id("The History of the Hobbit, Part One: Mr. Baggins")]]
    # after The Fellowship of the Ring, The Hobbit (#0) is barred, and so is its graphic novel
    # (on the real data it came in at #3 of the list)
    blocked, next_up = blocked_mask(cands, works, [fellowship], [5.0], config)
    dixon = next(p for b, p in pos.items() if BOOKS[b - 1][:2] == ("The Hobbit", "Chuck Dixon"))
    assert blocked[pos[hobbit]] and blocked[dixon]
    # Dune / Dune Chronicles are one series: after Dune #1, #2 is next and #3 waits
    dune = _id("Dune (Dune, #1)")
    blocked, next_up = blocked_mask(cands, works, [dune], [5.0], config)
    assert pos[_id("Dune Messiah (Dune, #2)")] in next_up
    assert blocked[pos[_id("Children of Dune (Dune Chronicles #3)")]]


def test_next_in_series_crosses_a_series_name_cut_short(setup):
    """After The Hitchhiker's Guide #1, #2 is next though its title names the series
    "Hitchhiker's Guide" (on the real data the list offered #3, "Life, the Universe and
    Everything", as next in series)."""
    works, cands, *_ = setup
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    guide = _id("The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)")
    restaurant = _id("The Restaurant at the End of the Universe (Hitchhiker's Guide, #2)")
    life = _id("Life, the Universe and Everything (The Hitchhiker's Guide to the Galaxy, #3)")
    blocked, next_up = blocked_mask(cands, works, [guide], [5.0], ListConfig())
    assert next_up == {pos[restaurant]}
    assert blocked[pos[life]]


def test_next_in_series_follows_an_entry_given_directly(setup):
    """#3 is not "next" after #1 where the catalog holds no #2 (on the real data: Pern #16 ->
    #21, Jack Ryan #3 -> #6); after a box set of #1-2, #3 is."""
    works, cands, text, corating = setup
    game = _id("A Game of Thrones (A Song of Ice and Fire, #1)")
    clash = _id("A Clash of Kings  (A Song of Ice and Fire, #2)")
    storm = _id("A Storm of Swords (A Song of Ice and Fire, #3)")
    no_clash, pos = _without(setup, clash)
    blocked, next_up = blocked_mask(no_clash, works, [game], [5.0], ListConfig())
    assert blocked[pos[storm]] and not next_up
    box = _id("A Game of Thrones / A Clash of Kings (A Song of Ice and Fire, #1-2)")
    assert works.last_position_of[box] == 2.0
    blocked, next_up = blocked_mask(no_clash, works, [box], [5.0], ListConfig())
    assert next_up == {pos[storm]}


def test_an_entry_is_next_where_it_directly_follows_one_given() -> None:
    """Series 0: the reader gave #1, #2, #4 and #6 (unsorted): #3, #5 and #7 follow one of
    theirs, #8 does not. Series 1: a #1-3 box set (reach 3): #4 follows it, #2 and #3 inside
    its range do not, #5 skips one. Series 2: nothing given, #2 has none before it."""
    layout = SimpleNamespace(
        code=np.array([0, 0, 0, 0, 1, 1, 1, 1, 2]),
        position=np.array([3.0, 5.0, 7.0, 8.0, 2.0, 3.0, 4.0, 5.0, 2.0]),
    )
    series = np.array([0, 0, 0, 0, 1, -1])
    at = np.array([4.0, 1.0, 6.0, 2.0, 1.0, np.nan])
    reach = np.array([4.0, 1.0, 6.0, 2.0, 3.0, np.nan])
    follows = _follows_a_given_entry(series, at, reach, layout, np.arange(9))
    assert follows.tolist() == [True, True, True, False, False, False, True, False, True]


def test_next_in_series_never_goes_back_before_the_first_entry_given(setup):
    """A reader who gives #2 of a series is not sent back to #1: the next entry is #3, and
    where the catalog holds no later entry, the series has none (found on the page: "Next in
    Harry Potter after Prisoner of Azkaban" was #1)."""
    works, cands, *_ = setup
    config = ListConfig()
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    game = _id("A Game of Thrones (A Song of Ice and Fire, #1)")
    clash = _id("A Clash of Kings  (A Song of Ice and Fire, #2)")
    storm = _id("A Storm of Swords (A Song of Ice and Fire, #3)")
    blocked, next_up = blocked_mask(cands, works, [clash], [5.0], config)
    assert blocked[pos[game]] and pos[storm] in next_up
    # #1 and #3 given: #2, the gap after the first, is next, and it follows #1
    blocked, next_up = blocked_mask(cands, works, [game, storm], [5.0, 4.0], config)
    assert pos[clash] in next_up
    layout = SeriesLayout.build(cands, works)
    assert layout.entry_before(np.array([storm, game]), pos[clash]) == game
    assert layout.entry_before(np.array([clash]), pos[storm]) == clash
    assert layout.entry_before(np.array([storm]), pos[game]) is None
    # an unrated #2 counts as liked: the same
    blocked, next_up = blocked_mask(cands, works, [clash], [np.nan], config)
    assert blocked[pos[game]] and pos[storm] in next_up
    hunger = _id("The Hunger Games (The Hunger Games, #1)")
    fire = _id("Catching Fire (The Hunger Games, #2)")
    blocked, next_up = blocked_mask(cands, works, [fire], [5.0], config)
    assert blocked[pos[hunger]] and pos[hunger] not in next_up
    # a reader of #1 still gets #2
    blocked, next_up = blocked_mask(cands, works, [hunger], [5.0], config)
    assert pos[fire] in next_up
    # another author numbering the series' name alike (Horowitz's #1 under Doyle's "Sherlock
    # Holmes") has a series of their own: never "next" after Doyle's #1, a way into Horowitz's
    scarlet = _id("A Study in Scarlet (Sherlock Holmes, #1)")
    silk = _id("The House of Silk (Sherlock Holmes, #1)")
    assert works.series_of[scarlet] != works.series_of[silk]
    blocked, next_up = blocked_mask(cands, works, [scarlet], [5.0], config)
    assert pos[silk] not in next_up and not blocked[pos[silk]]
    assert pos[_id("The Sign of Four (Sherlock Holmes, #2)")] in next_up


def test_a_box_set_never_stands_for_its_series(setup):
    works, cands, *_ = setup
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    box = _id("A Song of Ice and Fire (A Song of Ice and Fire, #1-4)")
    first = _id("A Game of Thrones (A Song of Ice and Fire, #1)")
    layout = SeriesLayout.build(cands, works)
    assert pos[box] in layout.minor and pos[box] not in layout.order
    blocked, _ = blocked_mask(cands, works, [], [], ListConfig(), layout)
    assert blocked[pos[box]] and not blocked[pos[first]]


def test_rankers_that_read_books_alike_share_one_book_reader(setup):
    """ "More like this" and another config's ranker read a reader's books as the ranker they
    come from (one BookReader, its lookups built once), unless the config reads them otherwise
    (another few_books or disliked_rating)."""
    works, cands, text, corating = setup
    ranker = ListRanker(cands, text, corating, works, ListConfig())
    assert ranker.like_this().book_reader is ranker.book_reader
    heavier = dataclasses.replace(ranker.config, w_pop=3.0)
    assert ranker.with_config(heavier).book_reader is ranker.book_reader
    for other in ({"few_books": 3}, {"disliked_rating": 1.0}):
        changed = ranker.with_config(dataclasses.replace(ranker.config, **other))
        assert changed.book_reader is not ranker.book_reader
        assert changed.book_reader.serves(changed.config.few_books, changed.config.disliked_rating)


def test_a_box_set_given_is_its_books_read(setup):
    """The list reads a collection nobody here rated as the works it holds (their texts and
    readers say more than the box set's own), the rules still see the box set, and every
    reason names it; one its readers rated keeps its own co-reading."""
    works, cands, text, corating = setup
    box = _id("A Song of Ice and Fire (A Song of Ice and Fire, #1-4)")
    config = ListConfig(w_rating=0.0)
    rated = ListRanker(cands, text, corating, works, config).books_read(
        np.array([box]), np.array([5.0])
    )
    assert rated.ids.tolist() == [box] and rated.stands_for == {}
    unread = corating.book_ids != box  # nobody here rated the box set: no co-rating vector
    corating = BookVectors(corating.book_ids[unread], corating.vectors[unread], "corating", "t")
    num = np.array([r[2] or 0 for r in BOOKS], np.float64)
    cands = Candidates.build(text.book_ids, [r[1] or "" for r in BOOKS], num, text, corating, works)
    ranker = ListRanker(cands, text, corating, works, config)
    game = _id("A Game of Thrones (A Song of Ice and Fire, #1)")
    clash = _id("A Clash of Kings  (A Song of Ice and Fire, #2)")
    storm = _id("A Storm of Swords (A Song of Ice and Fire, #3)")
    read = ranker.books_read(np.array([box, clash]), np.array([5.0, 3.0]))
    # #2 given rated 3 keeps its own rating; #1 and #3 come in with the box set's
    assert dict(zip(read.ids.tolist(), read.ratings.tolist(), strict=True)) == {
        clash: 3.0,
        game: 5.0,
        storm: 5.0,
    }
    assert read.stands_for == {game: box, storm: box}
    assert set(read.ruled_ids.tolist()) == {box, clash, game, storm}
    items = ranker.recommend([box], [5.0], top_n=8, because_count=2)
    shown = {item.book_id for item in items}
    assert not shown & {game, clash, storm, box}
    named = {e.book_id for item in items for e in item.evidence} | {
        item.follows for item in items if item.follows is not None
    }
    assert named == {box}
    # a book that is no collection: nothing added
    plain = ranker.books_read(np.array([game]), np.array([4.0]))
    assert plain.ids.tolist() == [game] and plain.stands_for == {}


def test_one_list_holds_no_book_and_its_collection_or_companion(setup):
    works, cands, *_ = setup
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    config = dataclasses.replace(ListConfig(), max_per_author=5, max_per_series=5)
    hobbit = pos[_id("The Hobbit (The Lord of the Rings, #0)")]
    omnibus = pos[_id("The Lord of the Rings")]
    history = pos[_id("The History of the Hobbit, Part One: Mr. Baggins")]
    for order in ([hobbit, omnibus, history], [omnibus, history, hobbit]):
        chosen = pick(np.array(order), cands, works, 3, config)
        # the omnibus holds The Hobbit, and the history is about it: one of the three only
        assert chosen == order[:1]


def test_a_book_predicted_below_three_stars_comes_after_every_other(setup):
    works, cands, text, corating = setup
    # the predicted rating enters through the rule alone (its score weight is 0 here); no caps,
    # so the whole list can be asked for
    # (and no limit on books with no reason: they would come last too)
    config = dataclasses.replace(
        ListConfig(),
        w_rating=0.0,
        few_w_rating=0.0,
        max_per_author=99,
        max_per_series=99,
        few_max_unexplained=10,
    )
    reader = ([_id("To Kill a Mockingbird")], [5.0])
    every = len(cands.book_ids)

    def ranker(min_predicted: float, low: int | None) -> ListRanker:
        def predict(rated_ids, ratings):
            predicted = np.full(every, 4.0)
            if low is not None:
                predicted[cands.book_ids == low] = 2.5
            return predicted

        rule = dataclasses.replace(config, min_predicted=min_predicted)
        return ListRanker(cands, text, corating, works, rule, predict=predict)

    first = ranker(3.0, None).recommend(*reader, top_n=5)[0].book_id
    # without the rule the low prediction changes nothing; with it the book comes last
    assert ranker(0.0, first).recommend(*reader, top_n=5)[0].book_id == first
    assert first not in [i.book_id for i in ranker(3.0, first).recommend(*reader, top_n=5)]
    # a list that runs short is as long as before (here The Hunger Games' movie companion takes
    # its place, and the book cannot follow its own companion); it never comes before another
    whole = [i.book_id for i in ranker(3.0, first).recommend(*reader, top_n=every)]
    before = [i.book_id for i in ranker(0.0, first).recommend(*reader, top_n=every)]
    assert len(whole) == len(before) and first not in whole[:-1]
    # a reader who rated nothing gets no prediction, so no such rule
    unrated = ranker(3.0, first).recommend(reader[0], None, top_n=5)
    assert unrated[0].book_id == ranker(0.0, None).recommend(reader[0], None, top_n=5)[0].book_id


def test_weighted_zscores_are_those_of_the_candidates_each_value_stands_for():
    """A shortlist's z-scores (Features.weights): a value standing for k candidates counts as
    k of them, so the mean and spread are those of the whole catalog it stands for."""
    values = np.array([3.0, 1.0, 2.0, 5.0])
    weights = np.array([1.0, 3.0, 2.0, 1.0])
    expanded = np.repeat(values, weights.astype(int))
    want = (values - expanded.mean()) / expanded.std()
    np.testing.assert_allclose(zscore(values, weights=weights), want)
    np.testing.assert_allclose(zscore(values, weights=np.ones(4)), zscore(values))
    assert not zscore(np.full(3, 2.0), weights=np.array([1.0, 5.0, 2.0])).any()


def test_a_series_is_entered_at_its_start_only(setup):
    """A reader new to a series meets its first entry, or nothing of it: not #2 where #1 is
    no candidate (on the real data "The Restaurant at the End of the Universe (Hitchhiker's
    Guide, #2)", whose #1 in that spelling of the series is known only from the rating
    files)."""
    works, cands, text, corating = setup
    first = _id("Little House in the Big Woods (Little House, #1)")
    second = _id("Farmer Boy (Little House, #2)")
    fewer, pos = _without(setup, first)
    reader = ([_id("To Kill a Mockingbird")], [5.0])
    blocked, _ = blocked_mask(fewer, works, *reader, ListConfig())
    assert second in pos and blocked[pos[second]]
    # with #1 among the candidates, #1 is the way in and #2 waits
    every = {int(b): i for i, b in enumerate(cands.book_ids)}
    blocked, _ = blocked_mask(cands, works, *reader, ListConfig())
    assert not blocked[every[first]] and blocked[every[second]]
    # a reader of #1 still gets #2 next, #1 a candidate or not
    blocked, next_up = blocked_mask(fewer, works, [first], [5.0], ListConfig())
    assert pos[second] in next_up
    # a #0 prequel does not bar #1: The Fellowship of the Ring stays the way into The Lord of
    # the Rings without The Hobbit among the candidates
    hobbit = _id("The Hobbit (The Lord of the Rings, #0)")
    fellowship = _id("The Fellowship of the Ring (The Lord of the Rings, #1)")
    no_hobbit, at = _without(setup, hobbit)
    blocked, _ = blocked_mask(no_hobbit, works, *reader, ListConfig())
    assert not blocked[at[fellowship]]
    # an omnibus at #1 (no range: the parts of #1) is the way in, not #2 after it
    wool, shift = _id("Wool Omnibus (Silo, #1)"), _id("Shift (Silo, #2)")
    blocked, _ = blocked_mask(cands, works, *reader, ListConfig())
    assert not blocked[every[wool]] and blocked[every[shift]]
    blocked, next_up = blocked_mask(cands, works, [wool], [5.0], ListConfig())
    assert every[shift] in next_up


def test_the_re_rankers_inputs_know_the_series_and_the_author(setup):
    """What the few-book re-ranker sees of each candidate beside the linear terms: whether the
    rules call it next in series, whether a liked book's author wrote it, its highest co-rating
    cosine to a liked book, and its series entry."""
    works, cands, text, corating = setup
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    radiance_id, dune_id = (
        _id("Words of Radiance (The Stormlight Archive, #2)"),
        _id("Dune (Dune, #1)"),
    )
    # three readers here read The Way of Kings (one its split edition): two went on to Words
    # of Radiance (one of them did not like it), one to Dune
    split = _id("The Way of Kings, Part 1 (The Stormlight Archive #1.1)")
    readers = CoReaders.build(
        [1, 1, 2, 2, 3, 3],
        [kings, radiance_id, split, radiance_id, kings, dune_id],
        works,
        liked=[True, True, True, False, True, True],
    )
    cands = dataclasses.replace(
        cands,
        co_readers=readers,
        co_reader_cols=readers.columns_of(works_of(works, cands.book_ids)),
    )
    config = dataclasses.replace(ListConfig(), few_rerank_depth=len(BOOKS))
    ranker = ListRanker(cands, text, corating, works, config)
    positions, rows = ranker.rerank_inputs([kings], [5.0])
    row = {int(cands.book_ids[p]): x for p, x in zip(positions, rows, strict=True)}
    column = {name: FEATURES.index(name) for name in FEATURES}
    radiance = row[_id("Words of Radiance (The Stormlight Archive, #2)")]
    assert radiance[column["next_in_series"]] == 1 and radiance[column["by_liked_author"]] == 1
    assert radiance[column["in_series"]] == 1 and radiance[column["series_position"]] == 2
    dune = row[_id("Dune (Dune, #1)")]
    assert dune[column["next_in_series"]] == 0 and dune[column["by_liked_author"]] == 0
    assert dune[column["in_series"]] == 1 and dune[column["series_position"]] == 1
    closest = corating.vectors[corating.index_of([kings])[0]] @ corating.vectors.T
    for book, x in row.items():
        at = corating.index_of([book])[0]
        assert x[column["closest_co_reading"]] == pytest.approx(closest[at], abs=1e-5)
    assert radiance[column["co_read_share"]] == pytest.approx(2 / 3)
    assert dune[column["co_read_share"]] == pytest.approx(1 / 3)
    others = [x for b, x in row.items() if b not in (radiance_id, dune_id)]
    assert all(x[column["co_read_share"]] == 0 for x in others)
    # the readers nearest a reader of The Way of Kings: all three, equally near; one of the two
    # who read Words of Radiance liked it, the one who read Dune liked it
    assert radiance[column["neighbours_liked"]] == pytest.approx(1 / 3)
    assert dune[column["neighbours_liked"]] == pytest.approx(1 / 3)
    assert all(x[column["neighbours_liked"]] == 0 for x in others)
    # how many of the reader's liked books its author wrote: Sanderson one, Herbert none; with
    # Dune and Dune Messiah liked too, Herbert's books count two
    assert radiance[column["liked_by_its_author"]] == pytest.approx(np.log1p(1))
    assert dune[column["liked_by_its_author"]] == 0
    messiah_id = _id("Dune Messiah (Dune, #2)")
    positions, more = ranker.rerank_inputs([kings, dune_id, messiah_id], [5.0, 5.0, 4.0])
    by_book = {int(cands.book_ids[p]): x for p, x in zip(positions, more, strict=True)}
    children = by_book[_id("Children of Dune (Dune Chronicles #3)")]
    assert children[column["liked_by_its_author"]] == pytest.approx(np.log1p(2))
    assert children[column["by_liked_author"]] == 1
    assert by_book[radiance_id][column["liked_by_its_author"]] == pytest.approx(np.log1p(1))
    # the cosine of its genres to the liked books': none known here, then Words of Radiance's
    # the same as The Way of Kings', Dune's one of two shared, the rest none
    assert all(x[column["genre_closeness"]] == 0 for x in row.values())
    genres = BookGenres.of(
        {
            kings: ["Fantasy", "Epic Fantasy"],
            radiance_id: ["Fantasy", "Epic Fantasy"],
            dune_id: ["Science Fiction", "Fantasy"],
        }
    )
    with_genres = dataclasses.replace(
        cands, genres=genres, genre_rows=genres.rows_of(cands.book_ids)
    )
    ranker = ListRanker(with_genres, text, corating, works, config)
    positions, rows = ranker.rerank_inputs([kings], [5.0])
    closeness = {
        int(cands.book_ids[p]): x[column["genre_closeness"]]
        for p, x in zip(positions, rows, strict=True)
    }
    assert closeness.pop(radiance_id) == pytest.approx(1.0)
    assert closeness.pop(dune_id) == pytest.approx(0.5)
    assert not any(closeness.values())
    # a book in no series
    hobbit_dixon = next(b for b in row if BOOKS[b - 1][:2] == ("The Hobbit", "Chuck Dixon"))
    assert row[hobbit_dixon][column["in_series"]] == 0
    assert row[hobbit_dixon][column["series_position"]] == 0
    # how widely read the reader's books are here: The Way of Kings' 3 readers (the split
    # edition's one counted with its work), the same for every candidate; a book nobody here
    # read adds nothing to the mean, and a reader of only such books has 0
    given = np.array([x[column["given_read_here"]] for x in row.values()])
    assert given == pytest.approx(np.log1p(3))
    _, with_dune = ranker.rerank_inputs([kings, dune_id], [5.0, 5.0])
    both = (np.log1p(3) + np.log1p(1)) / 2
    assert with_dune[:, column["given_read_here"]] == pytest.approx(both)
    _, unread = ranker.rerank_inputs([hobbit_dixon], [5.0])
    assert (unread[:, column["given_read_here"]] == 0).all()


def test_a_bare_item_rests_on_the_liked_book_most_of_whose_readers_read_it(setup):
    """An item with nothing closer to tell is explained by the reader's book whose readers here
    read it most ("79% of the readers here who read “The Hobbit” read it too"), from at least
    MIN_CO_READ_SHARE of at least MIN_CO_READERS readers."""
    works, cands, text, corating = setup
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    dune, hobbit = _id("Dune (Dune, #1)"), _id("The Hobbit (The Lord of the Rings, #0)")
    anne = _id("Anne of Green Gables (Anne of Green Gables, #1)")
    # 12 readers of The Way of Kings: 8 read Dune, 2 The Hobbit; Anne's 3 readers all did too
    pairs = [(reader, kings) for reader in range(12)]
    pairs += [(reader, dune) for reader in range(8)] + [(reader, hobbit) for reader in range(2)]
    pairs += [(reader, book) for reader in (20, 21, 22) for book in (anne, dune)]
    readers = CoReaders.build([u for u, _ in pairs], [b for _, b in pairs], works)
    cands = dataclasses.replace(
        cands,
        co_readers=readers,
        co_reader_cols=readers.columns_of(works_of(works, cands.book_ids)),
    )
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    chosen = [pos[dune], pos[hobbit]]
    found = read_by_their_readers(cands, works, np.array([kings, anne]), chosen, [(), ()])
    assert found == [(Evidence(kings, "co_read", pytest.approx(8 / 12)),), ()]
    # an item already explained keeps its evidence; a book of 3 readers explains nothing
    told = (Evidence(kings, "text", 0.6),)
    assert read_by_their_readers(cands, works, np.array([kings]), chosen, [told, ()])[0] == told
    assert read_by_their_readers(cands, works, np.array([anne]), chosen, [(), ()]) == [(), ()]


def test_a_bare_item_rests_on_the_liked_book_whose_genres_it_shares_most(setup):
    """An item with nothing else to tell is explained by the reader's book whose Goodreads
    genres are closest to its own, at a cosine of at least MIN_GENRE (half of them shared
    where both have as many, rounding aside: "Like
    “Sapiens”: history, science"); below that, or without genres, it stays bare."""
    works, cands, text, corating = setup
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    dune, hobbit = _id("Dune (Dune, #1)"), _id("The Hobbit (The Lord of the Rings, #0)")
    anne = _id("Anne of Green Gables (Anne of Green Gables, #1)")
    children = _id("Children of Dune (Dune Chronicles #3)")
    genres = BookGenres.of(
        {
            kings: ["Fantasy", "Epic Fantasy", "Fiction", "Adventure"],
            dune: ["Science Fiction", "Fiction", "Space", "Adventure"],  # 2 of 4 with kings
            hobbit: ["Fantasy", "Classics", "Fiction", "Adventure", "Young Adult", "Childrens",
                     "Epic Fantasy", "Magic"],  # 4 of kings' 4, of its own 8
            anne: ["Classics", "Romance", "Fiction", "Historical"],
        }
    )  # fmt: skip
    cands = dataclasses.replace(cands, genres=genres, genre_rows=genres.rows_of(cands.book_ids))
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    chosen = [pos[dune], pos[hobbit], pos[children], pos[anne]]
    found = by_shared_genres(cands, np.array([anne, kings]), chosen, [(), (), (), ()])
    assert found == [
        (Evidence(kings, "genre", pytest.approx(0.5)),),
        (Evidence(kings, "genre", pytest.approx(4 / np.sqrt(32))),),  # not Anne's 2 of 8
        (),  # no genres known
        (),  # never itself; Kings shares 1 of its 4
    ]
    # an item already explained keeps its evidence; a reader whose books have no genres, none
    told = (Evidence(kings, "co_read", 0.6),)
    assert by_shared_genres(cands, np.array([kings]), chosen[:1], [told]) == [told]
    assert by_shared_genres(cands, np.array([children]), chosen, [(), (), (), ()]) == [()] * 4
    # half shared where both have as many, rounding aside: 4 of 8 and 8 computes to
    # 0.49999999999999994, 1 of 2 and 2 to 0.4999999999999999
    eight = [f"Genre {i}" for i in range(8)]
    for theirs, mine in ((eight, eight[4:] + ["Other 1", "Other 2", "Other 3", "Other 4"]),
                         (["Fantasy", "Magic"], ["Fantasy", "Horror"])):  # fmt: skip
        half = BookGenres.of({kings: theirs, dune: mine})
        halved = dataclasses.replace(cands, genres=half, genre_rows=half.rows_of(cands.book_ids))
        found = by_shared_genres(halved, np.array([kings]), [pos[dune]], [()])
        assert [e.kind for e in found[0]] == ["genre"], (theirs, mine)


def test_more_like_this_weighs_the_seeds_genres(setup):
    """A "more like this" list (one book, no rating) adds z(closeness of each book's genres to
    the seed's), ListConfig.like_this_genre: a book sharing them rises, one sharing none falls,
    one whose genres are not known sits at the median; other lists weigh them as
    ListConfig.genre_for says."""
    works, cands, text, corating = setup
    dune = _id("Dune (Dune, #1)")
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    anne = _id("Anne of Green Gables (Anne of Green Gables, #1)")
    children = _id("Children of Dune (Dune Chronicles #3)")
    avonlea = _id("Anne of Avonlea (Anne of Green Gables, #2)")
    genres = BookGenres.of(
        {
            dune: ["Science Fiction", "Fantasy", "Adventure"],
            kings: ["Science Fiction", "Fantasy", "Adventure"],
            children: ["Science Fiction"],  # the median of those known
            anne: ["Classics", "Young Adult"],
            avonlea: ["Classics"],
        }
    )
    with_genres = dataclasses.replace(
        cands, genres=genres, genre_rows=genres.rows_of(cands.book_ids)
    )
    pos = {int(b): i for i, b in enumerate(cands.book_ids)}
    # (every place by the score: no limit on books with no reason, which would come last)
    config = ListConfig(like_this_genre=1.0, few_w_genre=0.0, few_max_unexplained=10)
    ranker = ListRanker(with_genres, text, corating, works, config)
    feats = ranker.like_this().features([dune], [None])
    assert feats.genre is not None
    unknown = np.delete(feats.genre, [pos[b] for b in (dune, kings, children, anne, avonlea)])
    assert feats.genre[pos[kings]] > unknown.max() > feats.genre[pos[anne]]
    assert unknown.min() == unknown.max() == feats.genre[pos[children]]
    # a reader's list weighs them as ListConfig.genre_for says: here none, rated or not
    assert ranker.features([dune], [5.0]).genre is None
    assert ranker.features([dune, kings], [None, None]).genre is None
    # the seed alone through the main ranker is scored as its "more like this" list is
    # (what the evaluation's diagnostic row without the rules reads)
    assert ranker.features([dune], [None]).genre == pytest.approx(feats.genre)
    assert np.array_equal(ranker.score([dune], [None]), ranker.like_this().score([dune], [None]))
    assert not np.array_equal(ranker.score([dune], [None]), ranker.score([dune], [5.0]))
    # a reader of few books (few_w_genre) or of many (w_genre), where their weight is not 0
    few = ranker.with_config(dataclasses.replace(config, few_w_genre=1.5))
    assert few.features([dune], [5.0]).genre == pytest.approx(feats.genre)
    assert (
        few.features(
            [dune, kings],
            [5.0, 5.0],
        ).genre
        is not None
    )
    many = [dune, *(int(b) for b in cands.book_ids[:6] if b != dune)]
    assert few.features(many, [5.0] * len(many)).genre is None
    full = ranker.with_config(dataclasses.replace(config, few_books=1, w_genre=1.0))
    assert full.features(many, [5.0] * len(many)).genre is not None

    def places(genre_weight):
        listed = ListRanker(
            with_genres,
            text,
            corating,
            works,
            dataclasses.replace(config, like_this_genre=genre_weight),
        ).recommend([dune], [None], top_n=len(cands.book_ids))
        return {item.book_id: rank for rank, item in enumerate(listed)}

    plain, heavy = places(0.0), places(20.0)
    assert heavy[kings] == 1 < plain[kings]  # after the next entry (Dune Messiah), first
    assert heavy.get(anne, len(cands.book_ids)) > plain[anne]
    # without genre weight the list is that of candidates with no genres known
    unknown_genres = ListRanker(cands, text, corating, works, config)
    assert places(0.0) == {
        item.book_id: rank
        for rank, item in enumerate(
            unknown_genres.recommend([dune], [None], top_n=len(cands.book_ids))
        )
    }


def test_an_authors_next_in_series_takes_the_first_of_that_authors_places():
    """Positions 0-5 by authors a, b, a, c, a, b; 4 (author a) is next in series: it moves to
    a's first place and a's other books down one of a's places; b's and c's stay. One next
    in series past the order (7, by a) joins it; one of an author not in it (6) joins at the
    end."""
    authors = ["a", "b", "a", "c", "a", "b", "d", "a"]
    order = np.array([0, 1, 2, 3, 4, 5])
    assert sequels_before_their_authors(order, {4}, authors).tolist() == [4, 1, 0, 3, 2, 5]
    assert sequels_before_their_authors(order, {4, 7, 6}, authors).tolist() == [
        4, 1, 7, 3, 0, 5, 6, 2
    ]  # fmt: skip
    # already first among its author's books, or no next: the same order
    assert sequels_before_their_authors(order, {0}, authors).tolist() == order.tolist()
    assert sequels_before_their_authors(order, set(), authors) is order
