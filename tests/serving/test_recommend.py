"""Matching a reader's books, recommending, the `bookrec` command, and the real export."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bookrec.config import RecommendConfig, ScorerConfig
from bookrec.serving.authors import author_relation, author_spelled_alike
from bookrec.serving.matching import CatalogMatcher, load_catalog, summarize
from bookrec.serving.reader_input import ReaderBook, read_goodreads_export
from bookrec.serving.recommender import Recommender, recommend
from bookrec.serving.title_keys import match_keys
from bookrec.warehouse.connection import connect
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "goodreads_export" / "goodreads_library_export.csv"
ROOT = Path(__file__).resolve().parents[2]
EVERYONE = RecommendConfig(min_num_ratings=0)

FANTASY = "A young mage, dragons, wizards and elves on a magical quest."
CRIME = "A detective investigates a murder; the police hunt a killer in London."
# id, title, author, description, genre, avg_rating, num_ratings, goodreads_id, isbn
CATALOG = [
    (1, "The Dragon Gate (Gate Cycle, #1)", "Ann Vale", FANTASY, "Fantasy", 4.1, 900, 5001, None),
    (2, "Crown of Embers: A Tale", "Ann Vale", FANTASY, "Fantasy", 3.9, 500, None, None),
    (3, "The Elf Road", "Bo Marsh", FANTASY, "Fantasy", 4.0, 700, None, None),
    (4, "Spellbound Sea", "Bo Marsh", FANTASY, "Fantasy", 3.7, 300, None, None),
    (5, "The Last Wizard", "Cy Dunn", FANTASY, "Fantasy", 4.2, 1200, None, "441172717"),
    (6, "Murder at Noon", "Di Frost", CRIME, "Crime", 3.8, 800, None, None),
    (7, "The Cold Case", "Di Frost", CRIME, "Crime", 4.0, 650, None, None),
    (8, "Blood on Baker Street", "Ed Hale", CRIME, "Crime", 3.6, 400, None, None),
    (9, "The Silent Witness", "Ed Hale", CRIME, "Crime", 3.9, 550, None, None),
    (10, "Dead Reckoning", "Fay Lund", CRIME, "Crime", 4.3, 1500, None, None),
    (11, "Dead Reckoning", "Gil Ray", CRIME, "Crime", 3.5, 100, None, None),
    (12, "The Dragon Gate: Illustrated (Gate Cycle, #1)", "Ann Vale", FANTASY, "Fantasy", 4.4,
     100, None, None),
    (13, "Harbor Lights", None, None, None, None, None, None, None),
    (14, "Midnight", "Hal Ito", CRIME, "Crime", 3.9, 300, None, None),
    (15, "Midnight", "Ivy Orr", FANTASY, "Fantasy", 4.0, 300, None, None),
]  # fmt: skip


def build_catalog_warehouse(db_path: Path) -> Path:
    """books in the warehouse layout (with goodreads_id and isbn) plus a ratings table."""
    with connect(db_path) as con:
        con.execute(
            "create or replace table books (book_id bigint, title varchar, author varchar, "
            "description varchar, genres varchar[], avg_rating double, num_ratings bigint, "
            "has_description boolean, goodreads_id bigint, isbn varchar)"
        )
        for b in CATALOG:
            genres = [b[4]] if b[4] else []
            con.execute(
                "insert into books values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [b[0], b[1], b[2], b[3], genres, b[5], b[6], b[3] is not None, b[7], b[8]],
            )
        con.execute(
            "create or replace table ratings (user_id bigint, book_id bigint, rating tinyint)"
        )
        con.execute("insert into ratings values (1, 1, 5), (1, 6, 2)")
    return db_path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The catalog above with real all-MiniLM-L6-v2 vectors."""
    from bookrec.embedding.store import embed_books

    path = build_catalog_warehouse(tmp_path_factory.mktemp("rec") / "rec.duckdb")
    embed_books(path, progress=False)
    return path


@pytest.fixture(scope="module")
def recommender(warehouse: Path) -> Recommender:
    with connect(warehouse, read_only=True) as con:
        return Recommender.from_warehouse(con, ScorerConfig(), EVERYONE)


def _match(recommender: Recommender, title: str, author: str | None = None, **kw):
    return recommender.matcher.match([ReaderBook(title=title, author=author, **kw)])[0]


def test_author_relation() -> None:
    assert author_relation("alanwwatts", "watts", "alanwatts", "watts") == "same"
    assert author_relation("jrrtolkien", "tolkien", "johnronaldreueltolkien", "tolkien") == "same"
    assert author_relation("stephenking", "king", "owenking", "king") == "different"
    # the surname alone, as readers often type it, names the author
    assert author_relation("tolkien", "tolkien", "jrrtolkien", "tolkien") == "same"
    assert author_relation("austen", "austen", "janeausten", "austen") == "same"
    assert author_relation("austen", "austen", "paulauster", "auster") == "different"
    assert author_relation(None, None, "owenking", "king") == "unknown"
    # a family named by its surname names each of them: the catalog credits Jacob Grimm
    assert author_relation("brothersgrimm", "grimm", "jacobgrimm", "grimm") == "same"
    assert author_relation("thebrothersgrimm", "grimm", "jacobgrimm", "grimm") == "same"
    assert author_relation("brotherskaramazov", "karamazov", "jacobgrimm", "grimm") == "different"


def test_an_author_given_takes_their_book_over_an_authorless_exact_title() -> None:
    """The rating files' authorless "Trust (Waverly Beach Cozy Mystery, #1)" is the title
    exactly; a reader who names Cristiane Serruya means her "Trust: A New Beginning" (real
    rows of the shared files). Without an author the exact title stays the match."""
    catalog = pd.DataFrame(
        {
            "book_id": [1, 2],
            "title": [
                "Trust (Waverly Beach Cozy Mystery, #1)",
                "Trust: A New Beginning (Trust Trilogy, #1)",
            ],
            "author": [None, "Cristiane Serruya"],
            "avg_rating": [None, 3.9],
            "num_ratings": [None, 2755],
            "goodreads_id": [None, 16160314],
            "isbn": [None, None],
        }
    )
    matcher = CatalogMatcher(catalog)
    named, bare = matcher.match([ReaderBook("Trust", "Cristiane Serruya"), ReaderBook("Trust")])
    assert (named.status, named.method, named.book_id) == ("matched", "main_title", 2)
    assert (bare.status, bare.method, bare.book_id) == ("matched", "exact", 1)


def test_books_sharing_a_title_before_the_subtitle_are_one_work_unless_the_works_say_not() -> None:
    """The matcher's same_work (never suggested beside a listed book) takes "Batman: Hush" and
    "Batman: The Long Halloween", both Jeph Loeb's "Batman", as one work until the works
    tables tell them apart (a franchise's books: sql/works/02_book_works.sql)."""
    catalog = pd.DataFrame(
        {
            "book_id": [1, 2, 3],
            "title": ["Batman: Hush", "Batman: The Long Halloween", "Batman: Hush"],
            "author": ["Jeph Loeb", "Jeph Loeb", "Jeph Loeb"],
            "avg_rating": [4.2, 4.3, 4.2],
            "num_ratings": [24125, 54781, 10],
            "goodreads_id": [6375845, 106069, None],
            "isbn": [None, None, None],
        }
    )

    def related(works):
        matcher = CatalogMatcher(catalog, works=works)
        return {int(matcher.book_ids[r]) for r in matcher.same_work(0)}

    assert related(None) == {1, 2, 3}
    assert related({1: 1, 2: 2, 3: 1}) == {1, 3}  # the same full title stays one work
    assert related({1: 1, 2: 1, 3: 1}) == {1, 2, 3}


def test_author_spelled_alike() -> None:
    """Where the title is the catalog's exactly, these are the reader's spellings of its
    author, not another author's."""
    assert author_spelled_alike("tolkein", "tolkein", "jrrtolkien", "tolkien")  # swapped
    assert author_spelled_alike("tolstoi", "tolstoi", "leotolstoy", "tolstoy")
    assert author_spelled_alike("dostoyevsky", "dostoyevsky", "fyodordostoevsky", "dostoevsky")
    assert author_spelled_alike("conandoyle", "doyle", "arthurconandoyle", "doyle")
    assert author_spelled_alike("cervantes", "cervantes", "migueldecervantessaavedra", "saavedra")
    # the catalog's name with more words after ("Don Quixote" by Miguel de Cervantes was not
    # found: the catalog credits Miguel de Cervantes Saavedra)
    assert author_spelled_alike(
        "migueldecervantes", "cervantes", "migueldecervantessaavedra", "saavedra"
    )
    # ... but not a name running on into a longer surname ("Thinner|Richard Bach" was
    # Bachman's, Stephen King's pen name)
    assert not author_spelled_alike("richardbach", "bach", "richardbachman", "bachman")
    assert not author_spelled_alike("king", "king", "owenkong", "kong")  # too short to tell
    assert not author_spelled_alike("stephenking", "king", "owenking", "king")
    assert not author_spelled_alike("annvale", "vale", "bomarsh", "marsh")
    assert not author_spelled_alike(None, None, "bomarsh", "marsh")


@pytest.mark.parametrize(
    ("title", "author", "status", "method", "book_id"),
    [
        ("The Dragon Gate", "Ann Vale", "matched", "exact", 1),  # series suffix dropped
        ("the dragon gate (gate cycle #1)", None, "matched", "exact", 1),
        ("Crown of Embers", "Ann Vale", "matched", "main_title", 2),  # subtitle dropped
        ("crown of embers", None, "matched", "main_title", 2),  # ... the one book so titled
        ("Dead Reckoning", "Fay Lund", "matched", "exact", 10),
        ("Dead Reckoning", "Gil  Ray", "matched", "exact", 11),
        ("The Silent Witnes", "Ed Hale", "matched", "fuzzy_author", 9),  # typo, author known
        ("Spelbound Sea", None, "matched", "fuzzy_title", 4),  # typo, clear winner
        ("Harbor Lights", "Kim Lee", "matched", "exact", 13),  # catalog lacks the author
        ("Dead Reckoning", "Someone Else", "not_found", None, None),  # namesake, other author
        ("Murder at Noon", "Forst", "matched", "author_spelling", 6),  # the author misspelt
        ("Midnight", None, "ambiguous", "exact", None),  # two namesakes, as read as each other
        ("dead reckoning", None, "matched", "most_read", 10),  # 15x the other's ratings
        ("A Book Nobody Has", "Zed Nobody", "not_found", None, None),
        ("dragon gate", "Ann Vale", "matched", "exact", 1),  # "The" left out
        ("last wizard", None, "matched", "exact", 5),
        ("The Spellbound Sea", None, "matched", "exact", 4),  # "The" added
        ("gate cycle", None, "matched", "series_first", 1),  # a series' name: its #1
        ("Gate Cycle", "Bo Marsh", "not_found", None, None),  # ... by its own author only
        ("gate", None, "matched", "series_first", 1),  # words of one author's series names
        ("gate cycle book 1", None, "matched", "series_first", 1),  # its name and a number
        ("gate 1", None, "matched", "series_first", 1),
        ("gate cycle 2", None, "not_found", None, None),  # the series has no #2 here
        ("Dead Reckoning by Gil Ray", None, "matched", "exact", 11),  # title and author in one
        ("dead reckoning - fay lund", None, "matched", "exact", 10),
        ("Dead Reckoning by Someone Else", None, "not_found", None, None),
        ("ann vale", None, "not_found", None, None),  # an author's name: her books in the note
        ("Vale", None, "not_found", None, None),  # ... or her surname alone
    ],
)
def test_matching_steps(recommender, title, author, status, method, book_id) -> None:
    match = _match(recommender, title, author)
    assert (match.status, match.method, match.book_id) == (status, method, book_id)
    if title in ("ann vale", "Vale"):
        assert match.note.startswith("Ann Vale is an author: give a title of theirs, e.g. “")
        assert "“The Dragon Gate”" in match.note  # its series note left out
    if status == "ambiguous":
        assert {c.book_id for c in match.candidates} == {14, 15}
    if method == "most_read":  # the namesake is named, and never suggested
        assert match.note.startswith("the most read of 2 books so titled (also Dead Reckoning by")
        assert 11 in match.related_ids


def test_ids_match_first_and_editions_are_related(recommender) -> None:
    by_id = _match(recommender, "Some Other Title", "Ann Vale", goodreads_id=5001)
    assert (by_id.status, by_id.method, by_id.book_id) == ("matched", "goodreads_id", 1)
    by_isbn = _match(recommender, "The Last Wizard", "Cy Dunn", isbns=("0441172717",))
    assert (by_isbn.method, by_isbn.book_id) == ("isbn", 5)
    # The illustrated edition fills the same series slot: the same work, never suggested.
    assert 12 in by_id.related_ids
    assert 2 not in by_id.related_ids


def test_never_returns_a_listed_book(recommender) -> None:
    rng = np.random.default_rng(0)
    titles = {b[0]: (b[1], b[2]) for b in CATALOG if b[5] is not None}
    for _ in range(20):
        listed = rng.choice(sorted(titles), size=rng.integers(1, 6), replace=False)
        books = [
            ReaderBook(
                title=titles[i][0],
                author=titles[i][1],
                rating=None if rng.random() < 0.3 else float(rng.integers(1, 6)),
            )
            for i in listed
        ]
        result = recommender.recommend(books, top_n=20)
        returned = {r.book_id for r in result.items}
        assert result.items and not returned & {int(i) for i in listed}
        if 1 in listed:
            assert 12 not in returned  # another edition of a listed book


def test_alpha_zero_shows_the_book_means_as_predictions(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        flat = Recommender.from_warehouse(con, ScorerConfig(alpha=0.0), EVERYONE)
    history = [
        ReaderBook("The Elf Road", "Bo Marsh", 5),
        ReaderBook("Murder at Noon", "Di Frost", 1),
    ]
    result = flat.recommend(history, top_n=8)
    assert result.mode == "personal" and result.items
    assert [r.predicted_rating for r in result.items] == [r.avg_rating for r in result.items]
    assert not {3, 6} & {r.book_id for r in result.items}


def test_history_steers_the_ranking_and_explains_it(recommender) -> None:
    books = [
        ReaderBook("The Dragon Gate", "Ann Vale", 5),
        ReaderBook("The Elf Road", "Bo Marsh", 5),
        ReaderBook("Murder at Noon", "Di Frost", 1),
        ReaderBook("The Cold Case", "Di Frost", 1),
    ]
    result = recommender.recommend(books, top_n=4)
    genres = {b[0]: b[4] for b in CATALOG}
    assert [genres[r.book_id] for r in result.items[:3]] == ["Fantasy"] * 3
    top = result.items[0]
    assert top.predicted_rating > top.avg_rating
    # explained by the liked books only, never by the disliked ones
    assert top.because and {r.book_id for r in top.because} <= {1, 3}
    assert top.because_text.startswith("close in content to ")
    loving_crime = [ReaderBook(b.title, b.author, 6 - b.rating) for b in books]
    flipped = recommender.recommend(loving_crime, top_n=3)
    assert [genres[r.book_id] for r in flipped.items] == ["Crime"] * 3


def test_unrated_books_give_close_books(recommender) -> None:
    result = recommender.recommend([ReaderBook("Murder at Noon", "Di Frost")], top_n=3)
    assert result.mode == "similar"
    assert all(r.predicted_rating is None for r in result.items)
    genres = {b[0]: b[4] for b in CATALOG}
    assert [genres[r.book_id] for r in result.items] == ["Crime"] * 3
    assert result.items[0].because_text.startswith("close in content to Murder at Noon")


def test_nothing_matched_gives_the_baseline_and_says_so(recommender) -> None:
    result = recommender.recommend([ReaderBook("Nothing Like It", "Nobody", 5)], top_n=3)
    assert result.mode == "baseline"
    assert "your book did not match the catalog" in result.message
    # this warehouse never ran flows.lists: every answer says what that leaves out
    assert "no works tables (run `python -m flows.lists`)" in result.message
    # matched, but only to read: not "did not match"
    wanted = recommender.recommend([ReaderBook("The Elf Road", "Bo Marsh", shelf="to-read")], 3)
    assert wanted.mode == "baseline" and wanted.message.startswith(
        "1 of 1 book matched, all of them books you want to read, not ones you read; here are"
    )
    # the same ranker with no books: popular and well rated. 10 has the most Goodreads
    # ratings (1,500) and the best average (4.3); then 1 (900, 4.1), the one book a reader of
    # this warehouse liked (the other half of popularity, bookrec.lists.popularity), above 5
    # (1,200, 4.2), but one like does not outweigh everything else
    assert [r.book_id for r in result.items] == [
        r.book_id for r in recommender.rank_books([], top_n=3)
    ]
    assert [r.book_id for r in result.items[:2]] == [10, 1]
    top, liked = result.items[:2]
    assert (top.liked_here, liked.liked_here) == (0, 1)  # the warehouse's one 4-5 rating
    assert liked.reason_text.endswith("Goodreads readers; liked by 1 reader here")
    assert top.reason_text.endswith("from 2k Goodreads readers")
    assert all(r.predicted_rating is None and not r.because for r in result.items)


def test_candidate_threshold(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        strict = Recommender.from_warehouse(
            con, ScorerConfig(), RecommendConfig(min_num_ratings=700)
        )
    assert sorted(r.book_id for r in strict.rank_books([], top_n=10)) == [1, 3, 5, 6, 10]


def test_recommend_function_reads_the_warehouse(warehouse: Path) -> None:
    books = read_goodreads_export(EXPORT)
    with connect(warehouse, read_only=True) as con:
        result = recommend(con, books, top_n=5, config=EVERYONE)
    counts = result.counts
    assert counts["matched"] == 5 and counts["not_found"] == 1
    assert counts["history"] == 4  # the to-read book has no rating
    listed = {m.book_id for m in result.matches}
    assert not listed & {r.book_id for r in result.items}
    assert json.loads(result.model_dump_json()) == result.model_dump(mode="json")  # JSON-able


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_json_output(warehouse: Path) -> None:
    run = _cli(
        "recommend",
        "--warehouse",
        str(warehouse),
        "--book",
        "The Dragon Gate|Ann Vale|5",
        "--goodreads-export",
        str(EXPORT),
        "--top",
        "3",
        "--min-num-ratings",
        "0",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["mode"] == "personal" and len(result["recommendations"]) == 3
    one = _cli(*run.args[3:], "--because-count", "1")
    assert one.returncode == 0, one.stderr

    def most_named_in_one_space(output: str) -> int:
        items = json.loads(output)["recommendations"]
        return max(Counter(b["kind"] for b in r["because"]).most_common(1)[0][1] for r in items)

    assert most_named_in_one_space(run.stdout) > 1 and most_named_in_one_space(one.stdout) == 1
    text = _cli(
        "recommend", "--warehouse", str(warehouse), "--book", "Midnight", "--min-num-ratings", "0"
    )
    assert text.returncode == 0, text.stderr
    assert "Ambiguous" in text.stdout and "Midnight (Hal Ito)" in text.stdout


def test_cli_help_explains_with_examples() -> None:
    run = _cli("recommend", "--help")
    assert run.returncode == 0
    assert "examples:" in run.stdout and "--goodreads-export" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--book", "Dune|Frank Herbert|7"], "outside 1 to 5 stars"),
        ([], "no books given"),
        (["--goodreads-export", "pyproject.toml"], "not a Goodreads library export"),
        (["--csv", "missing.csv"], "no such file"),
        (["--book", "Dune", "--top", "0"], "--top must lie in 1..100; got 0"),
        (["--book", "Dune", "--top", "101"], "--top must lie in 1..100"),
        (["--book", "Dune", "--top", "many"], "invalid int value"),
        (["--book", "Dune", "--min-num-ratings", "-1"], "--min-num-ratings must be at least 0"),
        (["--book", "Dune", "--space", "trained"], "flows.encode_embeddings"),
    ],
)
def test_cli_user_mistakes_exit_2_in_one_line(warehouse: Path, args, message) -> None:
    run = _cli("recommend", "--warehouse", str(warehouse), *args)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_cli_warehouse_not_built(tmp_path: Path) -> None:
    missing = _cli("recommend", "--warehouse", str(tmp_path / "none.duckdb"), "--book", "Dune")
    assert missing.returncode == 2 and "flows.prepare_data" in missing.stderr
    books_only = build_catalog_warehouse(tmp_path / "no_vectors.duckdb")
    run = _cli("recommend", "--warehouse", str(books_only), "--book", "Dune")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "flows.embed" in run.stderr


@pytest.mark.real_data
def test_real_export_matches_beyond_exact_titles(
    shared_data: Path, real_lists_warehouse: Path
) -> None:
    db_path = real_lists_warehouse  # prepare_data on ../shared/data, built once a session
    books = read_goodreads_export(
        shared_data / "goodreads_exports" / "goodreads_library_export.csv"
    )
    rated = [b for b in books if b.rating is not None]
    assert len(rated) == 434  # the shared README's count
    with connect(db_path, read_only=True) as con:
        matcher = CatalogMatcher(load_catalog(con))
    matches = matcher.match(rated)
    counts = summarize(matches)
    # By title and author alone (ids removed) as well as with the export's ids.
    from dataclasses import replace

    by_title = summarize(matcher.match([replace(b, goodreads_id=None, isbns=()) for b in rated]))
    assert by_title["matched_exact"] >= 299  # the README's exact-title figure
    assert by_title["matched"] > by_title["matched_exact"]  # main-title / fuzzy add more
    assert counts["matched"] >= by_title["matched"] >= 360
    # No false matches: where both sides name an author, they agree...
    both = [m for m in matches if m.status == "matched" and m.author and m.book.author]
    keys = match_keys(
        pd.DataFrame(
            {
                "title": ["x"] * 2 * len(both),
                "author": [m.book.author for m in both] + [m.author for m in both],
            }
        )
    )
    reader, catalog = keys.iloc[: len(both)], keys.iloc[len(both) :]
    relations = [
        author_relation(a.author_key, a.author_surname, c.author_key, c.author_surname)
        for a, c in zip(reader.itertuples(), catalog.itertuples(), strict=True)
    ]
    assert len(both) > 250 and set(relations) == {"same"}
    # ...and namesakes by other authors stay unmatched.
    by_label = {m.book.title: m for m in matches}
    assert by_label["King Rat"].status == "not_found"
    assert "James Clavell" in by_label["King Rat"].note
    assert by_label["New Moon (Luna #1)"].status == "not_found"


@pytest.mark.real_data
def test_real_titles_typed_without_their_article_or_as_a_series(real_lists_warehouse: Path):
    """What readers of the page type: "lord of the rings", "percy jackson" and "harry potter
    3" were not found and "harry potter" was ambiguous between three of its companions
    ("Harry Potter: Film Wizardry", ...)."""
    with connect(real_lists_warehouse, read_only=True) as con:
        matcher = CatalogMatcher.from_warehouse(con)
    typed = {
        "lord of the rings": ("The Lord of the Rings", "exact"),
        "game of thrones": ("A Game of Thrones (A Song of Ice and Fire, #1)", "exact"),
        "The Dune": ("Dune (Dune, #1)", "exact"),
        # of its #1 editions the most read (9.3M Goodreads ratings)
        "harry potter": (
            "Harry Potter and the Philosopher’s Stone (Harry Potter, #1)",
            "series_first",
        ),
        "wheel of time": ("The Eye of the World (The Wheel of Time, #1)", "series_first"),
        # words of one author's series names
        "percy jackson": (
            "The Lightning Thief (Percy Jackson and the Olympians, #1)",
            "series_first",
        ),
        "narnia": (
            "The Lion, the Witch and the Wardrobe (Chronicles of Narnia, #1)",
            "series_first",
        ),
        # a series' name (or one author's series words) and an entry's number
        "harry potter 3": (
            "Harry Potter and the Prisoner of Azkaban (Harry Potter, #3)",
            "series_entry",
        ),
        "dune book 2": ("Dune Messiah (Dune, #2)", "series_entry"),
        "hunger games #2": ("Catching Fire (The Hunger Games, #2)", "series_entry"),
        "percy jackson 2": (
            "The Sea of Monsters (Percy Jackson and the Olympians, #2)",
            "series_entry",
        ),
        "catch 22": ("Catch-22", "exact"),  # a title that ends in a number stays itself
        # articles left out inside the title too, as readers type on a phone (not found before)
        "catcher in rye": ("The Catcher in the Rye", "exact"),
        "girl with dragon tattoo": ("The Girl with the Dragon Tattoo (Millennium, #1)", "exact"),
        "lion witch and wardrobe": (
            "The Lion, the Witch and the Wardrobe (Chronicles of Narnia, #1)",
            "exact",
        ),
        # numbers in digits where the catalog has words, and words where it has digits (not
        # found before); "3 cups of tea" also the title before its subtitle
        "100 years of solitude": ("One Hundred Years of Solitude", "exact"),
        "1000 splendid suns": ("A Thousand Splendid Suns", "exact"),
        "13 reasons why": ("Thirteen Reasons Why", "exact"),
        "the 4 agreements": ("The Four Agreements", "exact"),
        "5 people you meet in heaven": ("The Five People You Meet in Heaven", "exact"),
        "3 cups of tea": (
            "Three Cups of Tea: One Man's Mission to Promote Peace ... One School at a Time",
            "main_title",
        ),
        # initials of a series or a title, alone (4 letters or more) or before more of it
        "LOTR": ("The Lord of the Rings", "exact"),
        "hp and the chamber of secrets": (
            "Harry Potter and the Chamber of Secrets (Harry Potter, #2)",
            "exact",
        ),
        "hg 2": ("Catching Fire (The Hunger Games, #2)", "series_entry"),
        # a name with and without its leading article is one name (was not found: the series
        # and the title of the same book each took a share of "hgttg")
        "hgttg": (
            "The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)",
            "exact",
        ),
        # the title before its subtitle, as readers name non-fiction (was ambiguous); "Wild"
        # was "The Wild" by another author (a leading "The" tried next)
        "Sapiens": ("Sapiens: A Brief History of Humankind", "main_title"),
        "Wild": ("Wild: From Lost to Found on the Pacific Crest Trail", "main_title"),
        "Atomic Habits": (
            "Atomic Habits: An Easy & Proven Way to Build Good Habits & Break Bad Ones",
            "main_title",
        ),
        # a title and its author typed as one text
        "Dune by Frank Herbert": ("Dune (Dune, #1)", "exact"),
        "1984 - George Orwell": ("1984", "exact"),
        # ... the author first around a dash (was not found; with the whole name, a book
        # about Tolkien "by The Hobbit")
        "Tolkien - The Hobbit": ("The Hobbit (The Lord of the Rings, #0)", "exact"),
        "J.R.R. Tolkien - The Hobbit": ("The Hobbit (The Lord of the Rings, #0)", "exact"),
        # ... a comma as the dash (was not found) where no dash or "by" splits, so an author
        # written "Herbert, Frank" stays whole; a title holding one matches first
        "Dune, Frank Herbert": ("Dune (Dune, #1)", "exact"),
        "Dune - Herbert, Frank": ("Dune (Dune, #1)", "exact"),
        "The Hobbit by Tolkien, J.R.R.": ("The Hobbit (The Lord of the Rings, #0)", "exact"),
        "Tolkien, The Hobbit": ("The Hobbit (The Lord of the Rings, #0)", "exact"),
        "Love, Rosie": ("Love, Rosie", "exact"),
        "The Lion, the Witch and the Wardrobe, C.S. Lewis": (
            "The Lion, the Witch and the Wardrobe (Chronicles of Narnia, #1)",
            "exact",
        ),
    }
    for (title, (want, method)), m in zip(
        typed.items(), matcher.match([ReaderBook(title=t) for t in typed]), strict=True
    ):
        assert m.status == "matched" and m.title == want, (title, m)
        assert method is None or m.method == method, (title, m.method)
    # a number of stars kept in a title not found says how to give the rating
    stars = matcher.match([ReaderBook(title="Dune, 5")])[0]
    assert stars.status == "not_found" and "if 5 is your rating, give it apart" in stars.note
    # a title with a comma that the catalog lacks is no book of the words before it by anyone
    for title in ("Love, Hate & Other Filters", "Sorry, Not Sorry"):
        assert matcher.match([ReaderBook(title=title)])[0].status != "matched", title
    # the reader is told how initials were read; three letters alone are no initials
    # ("abc" was "American Born Chinese")
    lotr = matcher.match([ReaderBook(title="LOTR")])[0]
    assert "“LOTR” read as “the lord of the rings”" in lotr.note
    assert matcher.match([ReaderBook(title="abc")])[0].status == "not_found"
    # words of several authors' series (Harry Potter, Harry Bosch, Harry Hole) name none
    assert matcher.match([ReaderBook(title="harry")])[0].method != "series_first"
    assert matcher.match([ReaderBook(title="harry potter 9")])[0].status == "not_found"
    # an author spelled another way: with the title exactly, that book (was "same title by
    # another author"); in every later step no evidence against it ("harry potter 3" was a
    # Hindi edition with no author); each match says how the author was read
    spelled = {
        ("The Hobbit", "Tolkein"): (
            "author_spelling",
            "The Hobbit (The Lord of the Rings, #0)",
            "J.R.R. Tolkien",
        ),
        ("War and Peace", "Tolstoi"): ("author_spelling", "War and Peace", "Leo Tolstoy"),
        ("The Hound of the Baskervilles", "Conan Doyle"): (
            "author_spelling",
            "The Hound of the Baskervilles (Sherlock Holmes, #5)",
            "Arthur Conan Doyle",
        ),
        ("Don Quixote", "Cervantes"): (
            "author_spelling",
            "Don Quixote",
            "Miguel de Cervantes Saavedra",
        ),
        ("harry potter 3", "Rowlings"): (
            "series_entry",
            "Harry Potter and the Prisoner of Azkaban (Harry Potter, #3)",
            "J.K. Rowling",
        ),
        ("Sapiens", "Harrari"): (
            "main_title",
            "Sapiens: A Brief History of Humankind",
            "Yuval Noah Harari",
        ),
    }
    # a family named by its surname (the catalog credits Jacob Grimm): was not found
    grimm = matcher.match([ReaderBook(title="Grimm's Fairy Tales", author="Brothers Grimm")])[0]
    assert (grimm.status, grimm.title, grimm.author) == (
        "matched",
        "Grimm's Fairy Tales",
        "Jacob Grimm",
    ), grimm
    # a spelling a record of the book credits is that author ("Fyodor Dostoyevsky" is among
    # The Idiot's credits), as is a co-author the records credit after the first (was not
    # found, "same title by another author": Amie Kaufman, Terry Pratchett)
    idiot = matcher.match([ReaderBook(title="The Idiot", author="Dostoyevsky")])[0]
    assert (idiot.status, idiot.method, idiot.author) == ("matched", "exact", "Fyodor Dostoevsky")
    illuminae, omens = matcher.match(
        [
            ReaderBook(title="Illuminae", author="Jay Kristoff"),
            ReaderBook(title="Good Omens", author="Neil Gaiman"),
        ]
    )
    assert (illuminae.status, illuminae.author) == ("matched", "Amie Kaufman"), illuminae
    assert (omens.status, omens.author) == ("matched", "Terry Pratchett"), omens
    assert omens.title.startswith("Good Omens")
    # a title typed alone that a far more read book has before its subtitle: that book, with
    # a note (was Ted Dekker's "Blink", silently); with the author, the one named
    blink, dekker = matcher.match(
        [ReaderBook(title="Blink"), ReaderBook(title="Blink", author="Ted Dekker")]
    )
    assert (blink.status, blink.method, blink.author) == (
        "matched",
        "most_read",
        "Malcolm Gladwell",
    )
    assert "Blink by Ted Dekker" in blink.note, blink.note
    assert (dekker.status, dekker.title, dekker.author) == ("matched", "Blink", "Ted Dekker")
    # nor where the reader typed the book's series note (not Carreyrou's "Bad Blood")
    (flowers,) = matcher.match([ReaderBook(title="Bad Blood (Virgil Flowers, #4)")])
    assert (flowers.status, flowers.author) == ("matched", "John Sandford"), flowers
    books = [ReaderBook(title=t, author=a) for t, a in spelled]
    for book, want, m in zip(books, spelled.values(), matcher.match(books), strict=True):
        assert (m.status, m.method, m.title, m.author) == ("matched", *want), m
        assert m.note.split("; ")[-1] == f"{book.author} read as {m.author}", m.note
    # the one book so titled before its subtitle, known only from the rating files (it was
    # "ambiguous" with that one candidate, and the CLI dropped it), read as its work's main
    # edition, Vonnegut's described "Slaughterhouse-Five"
    lone = matcher.match([ReaderBook(title="Slaughterhouse-Five, or The Children's Crusade")])
    assert (lone[0].status, lone[0].method) == ("matched", "main_title")
    assert (lone[0].title, lone[0].author) == ("Slaughterhouse-Five", "Kurt Vonnegut Jr.")
    # a title known from the rating files only (no author, no description, 1 rating here)
    # reads as the described main edition of its work, the rating files' book among the
    # related; so does a translation the rating files name
    thief, fellowship = matcher.match(
        [ReaderBook("Percy Jackson and the Lightning Thief"), ReaderBook("La Comunidad del Anillo")]
    )
    assert (thief.title, thief.author, thief.method) == (
        "The Lightning Thief (Percy Jackson and the Olympians, #1)",
        "Rick Riordan",
        "exact",
    )
    with connect(real_lists_warehouse, read_only=True) as con:
        as_titled = con.execute(
            "select book_id from books where author is null"
            " and title like 'Percy Jackson and the Lightning Thief%'"
        ).fetchall()
    assert as_titled and as_titled[0][0] in thief.related_ids
    assert fellowship.title == "The Fellowship of the Ring (The Lord of the Rings, #1)"
    # an author's name typed as a title: not found, with their most read books named
    author = matcher.match([ReaderBook(title="stephen king")])[0]
    assert author.status == "not_found" and author.note.startswith("Stephen King is an author")
    assert author.note.endswith("e.g. “The Shining”, “It”, “The Stand”")  # as readers say them
    # ... also where a book's title starts with the name: "J.K. Rowling" was "J. K. Rowling:
    # The Wizard Behind Harry Potter", "Jane Austen" "Jane Austen: The World of Her Novels"
    for name in ("J.K. Rowling", "Jane Austen"):
        author = matcher.match([ReaderBook(title=name)])[0]
        assert author.status == "not_found" and author.note.startswith(f"{name} is an author")
    # ... also typed as both title and author ("J.K. Rowling|J.K. Rowling|5" rated that
    # biography 5 stars; "Stephen King|Stephen King" was not found without a word)
    for name in ("J.K. Rowling", "Stephen King"):
        author = matcher.match([ReaderBook(title=name, author=name, rating=5.0)])[0]
        assert author.status == "not_found" and author.note.startswith(f"{name} is an author")
    # ... and typed where the title goes, one of their titles where the author goes; a
    # subject's name with a biographer, or a title with a comma, is no such name
    swapped = matcher.match([ReaderBook(title="Frank Herbert", author="Dune", rating=5.0)])[0]
    assert (swapped.status, swapped.title, swapped.book.rating) == ("matched", "Dune (Dune, #1)", 5)
    assert "title and author swapped" in swapped.note
    # ... also where the name is a biography's title ("J.R.R. Tolkien: Author of the Century")
    hobbit = matcher.match([ReaderBook(title="J.R.R. Tolkien", author="The Hobbit")])[0]
    assert hobbit.title == "The Hobbit (The Lord of the Rings, #0)"
    for title, author in (("Dickens", "Peter Ackroyd"), ("Love, Hate & Other Filters", None)):
        found = matcher.match([ReaderBook(title=title, author=author)])[0]
        assert "is an author" not in (found.note or ""), (title, found.note)
    # ... and a surname alone, or with more of the name, is the most read author so named
    # ("Tolkien" was two books about him, "Christie" Stephen King's "Christine", "Conan Doyle"
    # nothing at all)
    for typed, name in (
        ("Tolkien", "J.R.R. Tolkien"),
        ("Christie", "Agatha Christie"),
        ("Conan Doyle", "Arthur Conan Doyle"),
        ("Herbert", "Frank Herbert"),
    ):
        author = matcher.match([ReaderBook(title=typed)])[0]
        assert author.status == "not_found" and author.note.startswith(f"{name} is an author")
    # a Harry Potter book as readers name it, with the author or without
    for typed, by in (("Prisoner of Azkaban", "J.K. Rowling"), ("Goblet of Fire", None)):
        found = matcher.match([ReaderBook(title=typed, author=by)])[0]
        assert found.status == "matched" and found.title.startswith(f"Harry Potter and the {typed}")
    # ... a first book with another entry's number, a series before one of its books
    for typed, title in (
        ("Game of Thrones 2", "A Clash of Kings"),
        ("Red Rising 2", "Golden Son"),
        ("The Hunger Games: Catching Fire", "Catching Fire (The Hunger Games, #2)"),
    ):
        found = matcher.match([ReaderBook(title=typed)])[0]
        assert found.status == "matched" and found.title.startswith(title), (typed, found)
    # a title before its subtitle that names no author is still that book
    sapiens = matcher.match([ReaderBook(title="Sapiens")])[0]
    assert sapiens.status == "matched" and sapiens.author == "Yuval Noah Harari"
    # numbers that differ between editions of one book are no other volume (only "volume 3"
    # against "volume ii a" is: tests/serving/test_matching_fuzzy.py)
    editions = {
        ("The Horse and His Boy (The Chronicles of Narnia, Book 3)", "C.S. Lewis"): "#5",
        ("A Storm of Swords, Part 2: Blood and Gold", "George R.R. Martin"): "Part 2 of 2",
        ("The Full Cupboard of Life: More from the No. 1 Ladies' Detective Agency",
         "Alexander McCall Smith"): "#5",
    }  # fmt: skip
    for (title, by), catalog_says in editions.items():
        found = matcher.match([ReaderBook(title=title, author=by)])[0]
        assert found.status == "matched" and catalog_says in found.title, (title, found)


def test_recommend_flow_returns_the_result(prefect_backend, warehouse: Path) -> None:
    from flows.recommend import recommend as recommend_flow

    result = recommend_flow(
        books=["The Dragon Gate|Ann Vale|5", "Murder at Noon|Di Frost|1"],
        goodreads_export=str(EXPORT),
        warehouse=str(warehouse),
        config=RecommendConfig(top=3, min_num_ratings=0),
    )
    assert result["mode"] == "personal" and len(result["recommendations"]) == 3
    assert json.loads(json.dumps(result)) == result


def test_flow_module_cli(warehouse: Path, prefect_api_env) -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "flows.recommend", "--help"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert helped.returncode == 0 and "--goodreads-export" in helped.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "flows.recommend", "--warehouse", str(warehouse), "--book", "X||9"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, env=prefect_api_env,
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        "error: --book 1: rating '9' is outside 1 to 5 stars"
    ]
    # a run: the catalog's loading threads log in the flow run's context (Prefect warned
    # "attempted to send logs to the API without a flow run id" on every run)
    good = subprocess.run(
        [sys.executable, "-m", "flows.recommend", "--warehouse", str(warehouse),
         "--book", "The Dragon Gate|Ann Vale|5", "--min-num-ratings", "0"],
        capture_output=True, text=True, cwd=ROOT, timeout=180, env=prefect_api_env,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr[-2000:]
    assert "without a flow run id" not in good.stderr, good.stderr[-2000:]


def test_personal_predictions_equal_the_scorer(recommender) -> None:
    history, ratings = [1, 3, 6, 13], [5.0, 4.0, 1.0, 2.0]
    items = recommender.rank_books(history, ratings, top_n=20)
    expected = recommender.scorer.predict(history, ratings, [r.book_id for r in items])
    np.testing.assert_allclose([r.predicted_rating for r in items], expected, rtol=1e-5)
    for r in items:  # explained by the liked books only
        assert {b.book_id for b in r.because} <= {1, 3}


def test_one_loved_book_ranks_its_neighbourhood_not_the_best_rated(recommender) -> None:
    """One 5-star crime novel: the list is about crime, not the catalog's best-rated books."""
    loved = [ReaderBook("Murder at Noon", "Di Frost", 5)]
    genres = {b[0]: b[4] for b in CATALOG}
    assert [genres[r.book_id] for r in recommender.recommend(loved, top_n=3).items] == ["Crime"] * 3


def test_every_entry_point_is_the_one_ranker(recommender) -> None:
    """Listed titles, known ids (recommend_all) and "more like this" give the same list."""
    books = [
        ReaderBook("The Dragon Gate", "Ann Vale", 5),
        ReaderBook("Murder at Noon", "Di Frost", 2),
        ReaderBook("The Elf Road", "Bo Marsh"),
    ]
    by_title = recommender.recommend(books, top_n=5)
    by_id = recommender.recommend_ids([1, 6, 3], [5.0, 2.0, None], top_n=5)
    listed = recommender.ranker.recommend([1, 6, 3], [5.0, 2.0, np.nan], top_n=5)
    assert [r.book_id for r in by_title.items] == [r.book_id for r in by_id.items]
    assert [r.book_id for r in by_id.items][:3] == [i.book_id for i in listed][:3]
    assert by_title.mode == by_id.mode == "personal"
    like = recommender.similar(6, top_n=4)
    unrated = recommender.recommend([ReaderBook("Murder at Noon", "Di Frost")], top_n=4)
    assert [r.book_id for r in like] == [r.book_id for r in unrated.items]


def test_a_reader_of_few_books_is_ranked_with_the_few_book_weights(recommender) -> None:
    """The one ranker picks its weights by how many books a reader gave: up to few_books the
    few-book ones (here popularity alone), beyond it the full-history ones."""
    base = recommender.ranker.config

    def ranked(config, ids, ratings) -> list[int]:
        ranker = copy.copy(recommender.ranker)
        ranker.config = config
        return [i.book_id for i in ranker.recommend(ids, ratings, top_n=4)]

    popular_few = dataclasses.replace(
        base,
        few_books=2,
        few_w_pop=1.0,
        few_w_text=0.0,
        few_w_corating=0.0,
        few_w_rating=0.0,
        few_w_genre=0.0,
        few_max_unexplained=10,  # the weights alone: no books with a reason first
    )
    popular_all = dataclasses.replace(
        base, few_books=0, w_pop=1.0, w_text=0.0, w_corating=0.0, w_rating=0.0
    )
    one_book = ([6], [5.0])
    assert ranked(popular_few, *one_book) == ranked(popular_all, *one_book)
    assert ranked(popular_few, *one_book) != ranked(base, *one_book)  # crime neighbours first
    three_books = ([6, 7, 1], [5.0, 4.0, 2.0])  # more than few_books: the full-history weights
    assert ranked(popular_few, *three_books) == ranked(base, *three_books)
