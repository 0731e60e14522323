"""The shared Goodreads export's top 20 on a warehouse built from ../shared/data: no edition,
collection or derivative of a rated book.

The warehouse is the session's real_lists_warehouse (tests/conftest.py: prepare_data, then the
works tables and the co-rating vectors of `flows.lists`), with one shortcut: the real encoder
embeds only the books this reader's list can touch, the ~10,700 candidates and the export's
matched books, instead of all 53k (most of the rest are title-only rating-file books that are
never candidates). Books without a vector take no part in a list either way, so the list is the
one the full warehouse gives with the same settings; it costs ~3-6 minutes of encoding on 2
cores (~9 for all 53k), the most of any test. So the vectors are also kept by content in the
user's cache (~/.cache/bookrec/test-vectors, beside the ONNX exports): a later run on the same
texts and model id loads them, after re-encoding a sample that must give the same vectors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from bookrec.config import EncoderConfig, ListConfig, RecommendConfig
from bookrec.embedding.encoder import Encoder, model_id_of
from bookrec.embedding.onnx_model import default_cache_dir
from bookrec.embedding.store import plan_embedding
from bookrec.embedding.vectors import BookVectors
from bookrec.lists.corating import load_corating
from bookrec.lists.coreaders import co_readers
from bookrec.lists.ease import load_ease
from bookrec.lists.evidence import MIN_CORATING_READERS
from bookrec.lists.genres import load_genres
from bookrec.lists.rules import blocked_mask
from bookrec.lists.works import load_works
from bookrec.serving.matching import CatalogMatcher, load_catalog
from bookrec.serving.reader_input import ReaderBook, read_goodreads_export
from bookrec.serving.reasons import short_title
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect
from tests.lists.test_works_real import _book

pytestmark = [pytest.mark.real_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def export_books(shared_data: Path):
    return read_goodreads_export(shared_data / "goodreads_exports/goodreads_library_export.csv")


@pytest.fixture(scope="module")
def recommender(real_lists_warehouse: Path, export_books) -> Recommender:
    db = real_lists_warehouse
    encoder_config = EncoderConfig()
    plan_embedding(db, model_id_of(encoder_config), encoder_config.chunk_size)  # feat_book_texts
    with connect(db, read_only=True) as con:
        catalog = load_catalog(con)
        works, corating, ease = load_works(con), load_corating(con), load_ease(con)
        genres = load_genres(con)  # the score's genre term and reasons, as served
        readers = co_readers(con, works, ListConfig().liked_rating)  # reasons' counts, as served
        texts = con.execute(
            "select book_id, text, described from feat_book_texts order by book_id"
        ).df()
    matcher = CatalogMatcher(catalog)
    matched = {m.book_id for m in matcher.match(export_books) if m.book_id is not None}
    candidates = catalog[
        catalog["avg_rating"].notna()
        & (catalog["num_ratings"].fillna(0) >= RecommendConfig().min_num_ratings)
    ]["book_id"]
    needed = texts[texts["book_id"].isin(set(candidates) | matched)]
    vectors = cached_vectors(encoder_config, needed["text"].tolist())
    space = BookVectors(
        needed["book_id"].to_numpy(np.int64),
        vectors,
        "raw",
        model_id_of(encoder_config),
        described=needed["described"].to_numpy(bool),
    )
    return Recommender(
        catalog,
        space,
        works=works,
        corating=corating,
        list_config=ListConfig(),
        matcher=matcher,
        ease=ease,  # as served: EASE's score is the full histories' co-reading feature
        genres=genres,
        co_readers=readers,
    )


SAMPLE = 32  # texts re-encoded to check that cached vectors are still the encoder's
# int8 ONNX Runtime quantises activations per batch, so a text's vector moves with the batch it
# was encoded in (cosine 0.98-1.0 between a sample and the whole run here); a changed encoder
# (pooling, export recipe) moves them much further. The model and the texts are in the key.
SAME_MEAN, SAME_MIN = 0.99, 0.95


def cached_vectors(config: EncoderConfig, texts: list[str]) -> np.ndarray:
    """The encoder's vectors of texts, from the cache when this model id has encoded exactly
    these texts before and a sample of them re-encodes to the same vectors; else encoded (and
    cached, written whole or not at all)."""
    model_id = model_id_of(config)
    key = hashlib.sha256("\0".join([model_id, *texts]).encode()).hexdigest()[:24]
    path = default_cache_dir() / "test-vectors" / f"real-export-{key}.npy"
    encoder = Encoder.load(config)
    if path.is_file():
        cached = np.load(path)
        sample = np.linspace(0, len(texts) - 1, SAMPLE).astype(int)
        fresh = encoder.encode([texts[i] for i in sample])
        if cached.shape == (len(texts), fresh.shape[1]):
            cosine = np.sum(cached[sample] * fresh, axis=1)
            if cosine.mean() >= SAME_MEAN and cosine.min() >= SAME_MIN:
                return cached
    vectors = encoder.encode(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    with partial.open("wb") as out:
        np.save(out, vectors)
    partial.replace(path)
    return vectors


def test_top20_of_the_shared_export_holds_nothing_already_read(recommender, export_books):
    result = recommender.recommend(export_books, top_n=20)
    assert result.mode == "personal" and len(result.items) == 20
    matched = [m.book_id for m in result.matches if m.book_id is not None]
    works = recommender.ranker.works
    offending = [
        (r.title, works.why_blocked(r.book_id, matched))
        for r in result.items
        if works.why_blocked(r.book_id, matched)
    ]
    assert offending == []
    # explanations name a similarity, never bare title words
    assert all(r.because and r.because[0].kind in ("text", "corating") for r in result.items)
    authors = [r.author for r in result.items if r.author]
    assert max(authors.count(a) for a in authors) <= ListConfig().max_per_author


def test_more_like_this_holds_nothing_of_the_readers_other_books(recommender, real_lists_warehouse):
    """ "More like this" on The Fellowship of the Ring, clicked by a reader whose list holds The
    Hobbit and "The Great Dune Trilogy" (the page sends the reader's books as `exclude`): none
    of their editions, adaptations, companions or omnibus editions, nor a book a box set of
    theirs holds (Dune), as in the reader's own list. Found by driving the page on the real
    warehouse, where Chuck Dixon's graphic novel of The Hobbit came in (since then barred from
    the Fellowship's list anyway: Tolkien's The Hobbit, #0, is)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        hobbit = _book(con, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien")
        fellowship = _book(
            con, "The Fellowship of the Ring (The Lord of the Rings, #1)", "J.R.R. Tolkien"
        )
        trilogy = _book(con, "The Great Dune Trilogy", "Frank Herbert")
    works = recommender.ranker.works
    mine = [hobbit, trilogy]
    alone = [r.book_id for r in recommender.similar(fellowship, top_n=20)]
    # without the reader's books, Dune is fair "more like this"
    assert any(works.why_blocked(b, mine) for b in alone), "the case no longer arises"
    shown = recommender.similar(fellowship, exclude=mine, top_n=20)
    assert len(shown) == 20
    offending = [
        (r.title, works.why_blocked(r.book_id, [*mine, fellowship]))
        for r in shown
        if works.why_blocked(r.book_id, [*mine, fellowship])
    ]
    assert offending == []


def test_more_like_this_from_a_title_alone_is_not_its_title_words(
    recommender, real_lists_warehouse
):
    """ "More like this" on "The Body Finder", known here by title and author alone (no
    description, no genres: 60% of the candidates are): the list held Stephen King's "The
    Body", "Whose Body?" and "Inside the Human Body (The Magic School Bus, #3)", each "Close in
    story and style". A vector of a title alone is near titles sharing its words; the list's
    text closeness leaves such texts out (bookrec.lists.features._text_closeness)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        seed = _book(con, "The Body Finder (The Body Finder, #1)", "Kimberly Derting")
        described = con.execute(
            "select described from feat_book_texts where book_id = ?", [seed]
        ).fetchall()
    assert described == [(False,)], "the case no longer arises: the book has a description"
    shown = recommender.similar(seed, top_n=10)
    assert len(shown) == 10
    titles = [r.title for r in shown]
    for namesake in (
        "The Body",
        "Whose Body?  (Lord Peter Wimsey, #1)",
        "Inside the Human Body (The Magic School Bus, #3)",
    ):
        assert namesake not in titles
    assert all(reason.kind != "text" for r in shown for reason in r.because)


def test_a_box_set_stands_for_the_books_in_it(recommender, real_lists_warehouse):
    """A box set given is its books read (ListRanker.books_read). Nobody here rated "Harry
    Potter Boxset (Harry Potter, #1-7)" and its description is about an ebook bundle, so "more
    like this" on it led with "Franz Kafka's The Castle" (close in boilerplate); and a box set
    of books 1-5 rated 5 gave a list sharing one book with the five books rated one by one."""
    rowling = "J.K. Rowling"
    with connect(real_lists_warehouse, read_only=True) as con:
        seven = _book(con, "Harry Potter Boxset (Harry Potter, #1-7)", rowling)
        five = _book(con, "Harry Potter Boxed Set, Books 1-5 (Harry Potter, #1-5)", rowling)
        singles = [
            _book(con, f"Harry Potter and the {title} (Harry Potter, #{n})", rowling)
            for n, title in enumerate(
                (
                    "Sorcerer's Stone",
                    "Chamber of Secrets",
                    "Prisoner of Azkaban",
                    "Goblet of Fire",
                    "Order of the Phoenix",
                ),
                start=1,
            )
        ]
    shown = recommender.similar(seven, top_n=10)
    assert len(shown) == 10
    assert "Franz Kafka's The Castle" not in [r.title for r in shown]
    # the reasons name the box set the reader gave, never a book added for it
    assert {reason.book_id for r in shown for reason in r.because} == {seven}
    as_set = [r.book_id for r in recommender.rank_books([five], [5.0], top_n=10)]
    one_by_one = [r.book_id for r in recommender.rank_books(singles, [5.0] * 5, top_n=10)]
    assert len(set(as_set) & set(one_by_one)) >= 7, (as_set, one_by_one)


def _rests_on_its_seed(recommender, seed: int, holds: int | None, widely: int) -> None:
    """ "More like this" on seed holds the book `holds`, at most `widely` books rest on
    nothing of the seed ("Widely ..."), and every reason names the seed as given, never a
    book read for it (ListRanker.books_read)."""
    shown = recommender.similar(seed, top_n=10)
    assert holds is None or holds in [r.book_id for r in shown]
    assert sum(r.reason_text.startswith("Widely") for r in shown) <= widely, shown
    assert {reason.book_id for r in shown for reason in r.because} == {seed}
    # genres shared with a book read for it say nothing of the seed (a title alone has none)
    genre_books = {e.book_id for r in shown for e in r.because if e.kind == "genre"}
    assert all(recommender.genres_of(b) for b in genre_books), shown


def test_a_complete_edition_of_one_work_is_read_as_itself(recommender, real_lists_warehouse):
    """A collection of one work is that work in another edition, often the better described
    one. "The Complete Grimm's Fairy Tales" (a complete edition of "Grimm's Fairy Tales", two
    readers here) read as the title-only "Grimm's Fairy Tales" left "more like this" on it
    nothing to go on: ten bestsellers, each "Widely loved" (Harry Potter first)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        grimm = _book(con, "The Complete Grimm's Fairy Tales", "Jacob Grimm")
        andersen = _book(con, "Fairy Tales", "Hans Christian Andersen")
    _rests_on_its_seed(recommender, grimm, andersen, widely=3)


def test_an_edition_nobody_here_rated_reads_as_the_one_they_did(recommender, real_lists_warehouse):
    """ "Frankenstein: The 1818 Text", the edition with the most Goodreads ratings (so the one
    the catalog shows), was rated by nobody here; "Frankenstein", another edition of the work,
    by 50 readers who liked it. Read without their co-reading, "more like this" on it held
    seven books "Widely loved" and Emma "for classics"."""
    with connect(real_lists_warehouse, read_only=True) as con:
        shown_edition = _book(con, "Frankenstein: The 1818 Text", "Mary Wollstonecraft Shelley")
        dracula = _book(con, "Dracula", "Bram Stoker")
    _rests_on_its_seed(recommender, shown_edition, dracula, widely=2)


def test_a_title_only_series_entry_reads_as_its_entries_that_say_more(
    recommender, real_lists_warehouse
):
    """ "Reckless (Thoughtless, #3)" is known here by its title alone and nobody here rated
    it: "more like this" on it listed ten bestsellers, each "Widely loved". Its #1 and #2, by
    the same author, are described (romance, contemporary): read with them, the list is of
    books close to them, each naming Reckless, and the rules still see only Reckless."""
    with connect(real_lists_warehouse, read_only=True) as con:
        reckless = _book(con, "Reckless (Thoughtless, #3)", "S.C. Stephens")
        first = _book(con, "Thoughtless (Thoughtless, #1)", "S.C. Stephens")
    _rests_on_its_seed(recommender, reckless, None, widely=2)
    ranker = recommender.ranker
    read = ranker.books_read(np.array([reckless]), np.array([np.nan]))
    assert first in read.ids.tolist() and read.ruled_ids.tolist() == [reckless]
    # a long history is read as given: its other books say enough
    many = np.array([reckless, *recommender.cand_ids[:10].tolist()])
    assert first not in ranker.books_read(many, np.full(len(many), 4.0)).ids.tolist()


def test_a_title_only_book_with_nothing_else_reads_as_its_authors_best_known(
    recommender, real_lists_warehouse
):
    """ "The Hidden Oracle (The Trials of Apollo, #1)" is known here by its title alone,
    nobody here rated it, and no entry of its series says more: "more like this" on it listed
    two Rick Riordan books and eight bestsellers, each "Widely loved". Read with its author's
    most-read books that say more, the list rests on them; their reasons name them (what
    their readers loved is true of them, not of the book given), never a book of the list
    itself, and the rules still see only the book given."""
    with connect(real_lists_warehouse, read_only=True) as con:
        oracle = _book(con, "The Hidden Oracle (The Trials of Apollo, #1)", "Rick Riordan")
        thief = _book(
            con, "The Lightning Thief (Percy Jackson and the Olympians, #1)", "Rick Riordan"
        )
    shown = recommender.similar(oracle, top_n=10)
    assert sum(r.reason_text.startswith("Widely") for r in shown) <= 2, shown
    assert thief in {reason.book_id for r in shown for reason in r.because}
    assert all(reason.book_id != r.book_id for r in shown for reason in r.because)
    read = recommender.ranker.books_read(np.array([oracle]), np.array([np.nan]))
    assert thief in read.ids.tolist() and read.ruled_ids.tolist() == [oracle]
    # "Anonymous" is no author: "La vida del Lazarillo de Tormes" is not read as the Bible
    with connect(real_lists_warehouse, read_only=True) as con:
        lazarillo = _book(con, "La vida del Lazarillo de Tormes", "Anonymous")
    alone = recommender.ranker.books_read(np.array([lazarillo]), np.array([np.nan]))
    assert alone.ids.tolist() == [lazarillo]


def test_an_unrated_book_of_a_series_the_reader_disliked_is_not_liked(
    recommender, real_lists_warehouse
):
    """Twilight and New Moon at 1 star and Eclipse with no rating: the list was vampire
    novels "Like Eclipse", each predicted 2.3-2.7 stars. Eclipse is not read as liked: the
    list is that of a reader with only dislikes (well-liked books unlike them), and the rules
    still count Eclipse as read."""
    with connect(real_lists_warehouse, read_only=True) as con:
        twilight = _book(con, "Twilight (The Twilight Saga, #1)", "Stephenie Meyer")
        new_moon = _book(con, "New Moon (The Twilight Saga, #2)", "Stephenie Meyer")
        eclipse = _book(con, "Eclipse (The Twilight Saga, #3)", "Stephenie Meyer")
    ids, ratings = np.array([twilight, new_moon, eclipse]), np.array([1.0, 1.0, np.nan])
    read = recommender.ranker.books_read(ids, ratings)
    assert eclipse not in read.ids.tolist() and eclipse in read.ruled_ids.tolist()
    shown = recommender.recommend_ids(ids.tolist(), [1.0, 1.0, None], top_n=10).items
    assert len(shown) == 10
    assert not any(reason.book_id == eclipse for r in shown for reason in r.because), shown
    series = recommender.ranker.works.series_of
    assert not any(series.get(r.book_id) == series[twilight] for r in shown)
    # an unrated book of another series stays liked beside the dislikes
    with connect(real_lists_warehouse, read_only=True) as con:
        hobbit = _book(con, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien")
    mixed = recommender.ranker.books_read(np.array([twilight, hobbit]), np.array([1.0, np.nan]))
    assert hobbit in mixed.ids.tolist()


def test_a_book_that_shares_the_seeds_genres_says_so(recommender, real_lists_warehouse):
    """A listed book with no closeness in text or co-rating, no author and no share of
    co-readers to tell read "Widely loved: ...", though it shares most of the seed's genres
    (the score weighs them): "more like this" on Educated holds "Lab Girl", now "Like
    “Educated”: memoir, biography", genres both books carry."""
    with connect(real_lists_warehouse, read_only=True) as con:
        educated = _book(con, "Educated", "Tara Westover")
        lab_girl = _book(con, "Lab Girl", "Hope Jahren")
    # a list of 20: where Lab Girl ranks among the co-read memoirs shifts with the build
    shown = recommender.similar(educated, top_n=20)
    by_genre = [r for r in shown if r.because and r.because[0].kind == "genre"]
    assert lab_girl in {r.book_id for r in by_genre}, [(r.title, r.reason_text) for r in shown]
    theirs = {g.lower() for g in recommender.genres_of(educated)}
    for r in by_genre:
        assert r.reason_text.startswith("Like “Educated”: "), r.reason_text
        named = r.reason_text.removeprefix("Like “Educated”: ").split(", ")
        assert set(named) <= theirs & {g.lower() for g in recommender.genres_of(r.book_id)}
        assert r.because[0].weight >= 0.5


def test_genres_shared_with_a_book_read_for_the_seed_are_not_the_seeds(
    recommender, real_lists_warehouse
):
    """ "Throne of Jade (Temeraire, #2)" is known here by its title alone and read with "His
    Majesty's Dragon", #1 of its series. "Jonathan Strange & Mr Norrell" shares #1's genres, so
    "more like this" on #2 rested it on "the genres of Throne of Jade", which has none, and
    read "Widely read": such evidence is left out, and every genre reason names a book with
    genres."""
    with connect(real_lists_warehouse, read_only=True) as con:
        jade = _book(con, "Throne of Jade (Temeraire, #2)", "Naomi Novik")
    assert not recommender.genres_of(jade)
    shown = recommender.similar(jade, top_n=10)
    assert {reason.book_id for r in shown for reason in r.because} == {jade}
    assert not [r.title for r in shown for e in r.because if e.kind == "genre"], shown


def test_a_loved_series_opener_is_followed_by_its_next_entry_in_a_list_of_10(recommender):
    """A reader of one series' first book at 5 stars: wherever its next entry ranks, it leads
    the list (ListConfig.sequels_first). It came past a list of 10's first 50 for 16 of the 78
    most read series openers (The Giver's Gathering Blue, few readers here) and led the list
    of 15 while missing from the list of 10."""
    ranker = recommender.ranker
    layout, cands = ranker.layout, ranker.cands
    openers = np.flatnonzero((layout.code >= 0) & (layout.position == 1.0))
    openers = openers[np.argsort(-cands.popularity[openers], kind="stable")][:60]
    checked = []
    for book_id in cands.book_ids[openers].tolist():
        deep = recommender.recommend_ids([book_id], [5.0], top_n=100).items
        if not any(item.next_in_series for item in deep):
            continue  # no next entry among the candidates
        top = recommender.recommend_ids([book_id], [5.0], top_n=10).items
        checked.append((book_id, top[0].next_in_series is not None))
    assert len(checked) >= 30, "too few series openers with a next entry to check"
    assert [b for b, led in checked if not led] == []


def test_next_in_series_is_the_next_of_the_narrower_series(recommender, real_lists_warehouse):
    """Discworld's books name a second series: "The Wee Free Men" at 5 stars was followed by
    Monstrous Regiment (Discworld #31), not A Hat Full of Sky (Tiffany Aching #2); and the
    reason names the narrower series ("Next in Tiffany Aching after ...", not Discworld)."""
    expected = {
        ("The Wee Free Men (Discworld, #30; Tiffany Aching, #1)", "Terry Pratchett"):
            "A Hat Full of Sky (Discworld, #32; Tiffany Aching, #2)",
        ("Guards! Guards! (Discworld, #8; City Watch, #1)", "Terry Pratchett"):
            "Men at Arms (Discworld, #15; City Watch #2)",
        ("Mort (Discworld, #4; Death, #1)", "Terry Pratchett"):
            "Reaper Man (Discworld, #11; Death, #2)",
    }  # fmt: skip
    with connect(real_lists_warehouse, read_only=True) as con:
        books = {_book(con, *book): nxt for book, nxt in expected.items()}
    for book_id, nxt in books.items():
        top = recommender.recommend_ids([book_id], [5.0], top_n=10).items
        assert (top[0].title, top[0].next_in_series is not None) == (nxt, True)
        series = nxt.split("; ")[1].split("#")[0].strip(" ,")
        assert top[0].reason_text.startswith(f"Next in {series} after"), top[0].reason_text
    # Discworld's own entries (no second series) are read in any order: none blocked after
    # another, nor "next" after one
    ranker = recommender.ranker
    with connect(real_lists_warehouse, read_only=True) as con:
        maurice, pyramids, gods = (
            _book(con, title, "Terry Pratchett")
            for title in (
                "The Amazing Maurice and His Educated Rodents (Discworld, #28)",
                "Pyramids (Discworld, #7)",
                "Small Gods (Discworld, #13)",
            )
        )
    blocked, next_up = blocked_mask(
        ranker.cands, ranker.works, [maurice], [5.0], ranker.config, ranker.layout
    )
    at = {int(b): p for p, b in enumerate(ranker.cands.book_ids)}
    assert not blocked[[at[pyramids], at[gods]]].any()
    assert not next_up
    # The Truth stands in lists as Pratchett's, not as Stephen Briggs' more rated Stage
    # Adaptation (one goodbooks-10k work): its main edition, with co-reading here
    with connect(real_lists_warehouse, read_only=True) as con:
        truth = _book(
            con, "The Truth (Discworld, #25; Industrial Revolution, #2)", "Terry Pratchett"
        )
        briggs = _book(con, "The Truth: Stage Adaptation", "Stephen Briggs")
    assert truth in at and briggs not in at


def test_a_reader_part_way_through_a_series_is_offered_its_gaps_and_its_next(
    recommender, real_lists_warehouse
):
    """A reader of Harry Potter #1, #2, #4 and #6 may be offered #3, #5 and #7, each "next"
    after the book of theirs before it (only #3 was, the first entry left; full histories'
    hidden books are such gaps); two of them at most in a list. A dislike in the series
    shuts all three."""
    titles = {
        n: f"Harry Potter and the {name} (Harry Potter, #{n})"
        for n, name in (
            (1, "Philosopher’s Stone"),
            (2, "Chamber of Secrets"),
            (3, "Prisoner of Azkaban"),
            (4, "Goblet of Fire"),
            (5, "Order of the Phoenix"),
            (6, "Half-Blood Prince"),
            (7, "Deathly Hallows"),
        )
    }
    with connect(real_lists_warehouse, read_only=True) as con:
        book = {n: _book(con, title, "J.K. Rowling") for n, title in titles.items()}
    ranker = recommender.ranker
    at = {int(b): p for p, b in enumerate(ranker.cands.book_ids)}
    given = [book[n] for n in (1, 2, 4, 6)]
    blocked, next_up = blocked_mask(
        ranker.cands, ranker.works, given, [5.0] * 4, ranker.config, ranker.layout
    )
    assert {at[book[n]] for n in (3, 5, 7)} <= next_up
    assert not blocked[[at[book[n]] for n in (3, 5, 7)]].any()
    top = recommender.recommend_ids(given, [5.0] * 4, top_n=10).items
    potter = [item for item in top if item.title.startswith("Harry Potter and the")]
    assert len(potter) == 2
    for item in potter:
        n = int(item.title.rsplit("#", 1)[1].rstrip(")"))
        assert n in (3, 5, 7) and item.next_in_series is not None
        assert short_title(titles[n - 1]) in item.reason_text, item.reason_text
    blocked, next_up = blocked_mask(
        ranker.cands, ranker.works, given, [5.0, 5.0, 1.0, 5.0], ranker.config, ranker.layout
    )
    assert not {at[book[n]] for n in (3, 5, 7)} & next_up
    assert blocked[[at[book[n]] for n in (3, 5, 7)]].all()


def test_a_series_book_listed_unrated_keeps_its_authors_place_for_the_next_entry(
    recommender, real_lists_warehouse
):
    """ "Guards! Guards!" listed without a rating beside The Hobbit (5) and Dune (4): its next
    entry does not lead the list (only a rated like's does), and Pratchett's two places went
    to The Color of Magic and Small Gods, ranked above Men at Arms. The next entry takes the
    first of its author's places (rules.sequels_before_their_authors)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        guards = _book(con, "Guards! Guards! (Discworld, #8; City Watch, #1)", "Terry Pratchett")
        hobbit = _book(con, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien")
        dune = _book(con, "Dune (Dune, #1)", "Frank Herbert")
    top = recommender.recommend_ids([guards, hobbit, dune], [None, 5.0, 4.0], top_n=10).items
    pratchett = [item.title for item in top if item.author == "Terry Pratchett"]
    assert pratchett[:1] == ["Men at Arms (Discworld, #15; City Watch #2)"], pratchett


def test_a_book_read_in_place_of_the_readers_names_its_author(recommender, real_lists_warehouse):
    """A book known by its title alone, with no co-reading here (Ted Dekker's "Blink" on the
    benchmark's warehouse), is read through its author's best-known books: a reason resting
    on one names it with the author's name, never as a book the reader gave ("Readers who
    loved “Red”")."""
    reader = recommender.ranker.book_reader
    with connect(real_lists_warehouse, read_only=True) as con:
        ids = np.array(
            [b for (b,) in con.execute("select book_id from books where author is not null")
             .fetchall()], np.int64,
        )  # fmt: skip
    stood_for = {
        book: entries
        for book, entries in reader._stand_ins(ids).items()
        if entries and not any(named_as_given for _, named_as_given in entries)
    }
    assert len(stood_for) >= 20, "too few books read through their author's others"
    named = 0
    for book in sorted(stood_for)[:20]:
        author = recommender.ranker._author_of[book]
        items = recommender.recommend_ids([book], [5.0], top_n=10).items
        for item in items:
            for reason in item.because:
                if reason.book_id == book:
                    continue
                assert reason.stands_in_by == author, (book, reason)
                quoted = f"“{short_title(reason.title)}”"
                if quoted in item.reason_text:
                    assert f"{author}'s {quoted}" in item.reason_text, item.reason_text
                    named += 1
    assert named, "no reason rested on a book read in place of the reader's"


def test_readers_who_loved_a_book_are_more_than_one_or_two(recommender, real_lists_warehouse):
    """ "Readers who loved “Shatter Me” also loved this" rested on the two readers here who
    read it (ALS gives such a book their taste): a book fewer than MIN_CORATING_READERS
    readers here read is named by its genres, its text or its author instead."""
    ranker = recommender.ranker
    with connect(real_lists_warehouse, read_only=True) as con:
        shatter = _book(con, "Shatter Me (Shatter Me, #1)", "Tahereh Mafi")
        hunger = _book(con, "The Hunger Games (The Hunger Games, #1)", "Suzanne Collins")
    readers = ranker.cands.co_readers
    (few,) = readers.readers_of[readers.columns_of_books(ranker.works, [shatter])]
    assert 0 < few < MIN_CORATING_READERS
    assert ranker.cands.book_ids.tolist().count(hunger) == 1
    items = recommender.recommend_ids([shatter], [5.0], top_n=20).items
    kinds = {r.kind for item in items for r in item.because if r.book_id == shatter}
    assert kinds and "corating" not in kinds, kinds
    # a book enough readers read still is: The Hunger Games' readers here
    items = recommender.recommend_ids([hunger], [5.0], top_n=10).items
    assert any(r.kind == "corating" for item in items for r in item.because)


def test_every_next_entry_of_a_few_book_reader_is_shortlisted(recommender, real_lists_warehouse):
    """A series opener listed unrated beside The Hobbit (5) and Dune (4): its next entry may
    move up to its author's first place in the list (rules.sequels_before_their_authors), so
    the reader's shortlist must hold it. Past the shortlist, its column was another
    candidate's, or one past the end ("Forest of Secrets" unrated beside "Firestar's Quest"
    at 5: IndexError)."""
    ranker = recommender.ranker
    layout, cands = ranker.layout, ranker.cands
    with connect(real_lists_warehouse, read_only=True) as con:
        hobbit = _book(con, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien")
        dune = _book(con, "Dune (Dune, #1)", "Frank Herbert")
    openers = np.flatnonzero((layout.code >= 0) & (layout.position == 1.0))
    openers = openers[np.argsort(-cands.popularity[openers], kind="stable")][:80]
    past_the_cheap_shortlist = 0
    for opener in cands.book_ids[openers].tolist():
        ids = np.array([opener, hobbit, dune], np.int64)
        ratings = np.array([np.nan, 5.0, 4.0])
        blocked, next_up = ranker._rules(ids, ratings, ())
        leads = ranker._leads(ids, ratings, next_up)
        feats = next(ranker._block_features([(ids, ratings)], [blocked], 10, [leads]))
        past_the_cheap_shortlist += len(next_up - set(feats.positions.tolist()))
        kept = ranker._kept(len(ids), next_up, leads)
        feats = next(ranker._block_features([(ids, ratings)], [blocked], 10, [kept]))
        assert next_up <= set(feats.positions.tolist()), opener
        recommender.recommend_ids(ids.tolist(), [None, 5.0, 4.0], top_n=10)
    assert past_the_cheap_shortlist, "no next entry past the cheap shortlist: nothing checked"


def test_a_book_typed_by_its_original_title_is_not_suggested_back(recommender):
    """ "Le Petit Prince" and "Cien años de soledad" (as the rating files title them) at 5
    stars: The Little Prince and One Hundred Years of Solitude were #9 and #10 of the list."""
    books = [
        ReaderBook(title="Le Petit Prince", author="Antoine de Saint-Exupéry", rating=5.0),
        ReaderBook(title="Cien años de soledad", author="Gabriel García Márquez", rating=5.0),
    ]
    answer = recommender.recommend(books, top_n=30)
    assert [m.status for m in answer.matches] == ["matched", "matched"]
    titles = {item.title for item in answer.items}
    assert not titles & {"The Little Prince", "One Hundred Years of Solitude"}, titles


def test_a_few_book_list_holds_few_books_with_no_reason(recommender, real_lists_warehouse):
    """ "The Purpose Driven Life" at 5 stars listed ten books read by everyone, each "Widely
    loved" (To Kill a Mockingbird, Harry Potter, ...): beyond ListConfig.few_max_unexplained
    such books give way to the best-ranked ones with a reason (The Shack, Blue Like Jazz)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        book = _book(con, "The Purpose Driven Life: What on Earth Am I Here for?", "Rick Warren")
    # the few-book weights `evaluate` chose on each seed of the shared data, and a limit of
    # 2 (the default 3 is what this list holds unlimited, since the works rules of 2026-12-07)
    tuned = dataclasses.replace(
        recommender.ranker.config,
        few_w_pop=4.0,
        few_w_text=1.0,
        few_w_corating=0.5,
        few_max_unexplained=2,
    )
    ranker = recommender.ranker.with_config(tuned)
    most = tuned.few_max_unexplained
    unlimited = ranker.with_config(dataclasses.replace(tuned, few_max_unexplained=10))

    def unexplained(r) -> int:
        return sum(not item.evidence for item in r.recommend([book], [5.0], top_n=10))

    assert unexplained(unlimited) > most, "the case no longer arises"
    assert unexplained(ranker) <= most
    # a list of 20 holds twice as many at most
    assert sum(not i.evidence for i in ranker.recommend([book], [5.0], top_n=20)) <= 2 * most
