"""sql/works on real Goodreads titles (copied from ../shared/data, so no data is needed here):
editions grouped into works, series read from titles, collections and derivatives linked."""

from __future__ import annotations

import duckdb
import pytest

from bookrec.lists.works import build_works, load_works
from bookrec.warehouse.connection import run_sql

# (title, author, Goodreads ratings, goodreads_id): real rows of the shared files.
BOOKS = [
    ("To Kill a Mockingbird", "Harper Lee", 5691311, 2657),
    ("Harper Lee's To Kill a Mockingbird", "Harold Bloom", 7508, 24374),
    ("Mockingbird", "Kathryn Erskine", 21138, 6596547),
    ("Ender’s Game (Ender's Saga, #1)", "Orson Scott Card", 1309236, 375802),
    ("Ender's Game, Volume 1: Battle School (Ender's Saga)", "Christopher Yost", 32247, 6393082),
    ("Anne of Green Gables (Anne of Green Gables, #1)", "L.M. Montgomery", 918700, 8127),
    ("Anne of Avonlea (Anne of Green Gables, #2)", "L.M. Montgomery", 184388, 77390),
    ("Anne of Windy Poplars (Anne of Green Gables, #4)", "L.M. Montgomery", 47657, 65840),
    ("The Complete Anne of Green Gables 8-Book Box Set", "L.M. Montgomery", 104065, 3579),
    (
        "The Complete Anne of Green Gables Boxed Set (Anne of Green Gables, #1-8)",
        "L.M. Montgomery",
        92142,
        3579,
    ),
    ("A Game of Thrones (A Song of Ice and Fire, #1)", "George R.R. Martin", 2355688, 13496),
    ("A Clash of Kings  (A Song of Ice and Fire, #2)", "George R.R. Martin", 890493, 10572),
    ("A Storm of Swords (A Song of Ice and Fire, #3)", "George R.R. Martin", 743700, 62291),
    (
        "A Storm of Swords: Steel and Snow (A Song of Ice and Fire, #3: Part 1 of 2)",
        "George R.R. Martin",
        42072,
        768889,
    ),
    (
        "A Song of Ice and Fire (A Song of Ice and Fire, #1-4)",
        "George R.R. Martin",
        46756,
        9814682,
    ),
    (
        "A Game of Thrones / A Clash of Kings (A Song of Ice and Fire, #1-2)",
        "George R.R. Martin",
        22259,
        5061675,
    ),
    ("Little House in the Big Woods (Little House, #1)", "Laura Ingalls Wilder", 258953, 8337),
    ("Farmer Boy (Little House, #2)", "Laura Ingalls Wilder", 65058, 8252),
    (
        "The Little House Collection (Little House, #1-9)",
        "Laura Ingalls Wilder",
        150166,
        114345,
    ),
    ("The Little House", "Virginia Lee Burton", 40869, 153540),
    ("The Hound of the Baskervilles (Sherlock Holmes, #5)", "Arthur Conan Doyle", 322447, 8921),
    ("The Sign of Four (Sherlock Holmes, #2)", "Arthur Conan Doyle", 145103, 608474),
    ("The Sign of the Four (Sherlock Holmes, #2)", None, None, None),
    (
        "The Annotated Sherlock Holmes: The Four Novels and the Fifty-Six Short Stories "
        "Complete (2 Volume Set)",
        "Arthur Conan Doyle",
        9551,
        892295,
    ),
    (
        "Sherlock Holmes and the Case of the Hound of the Baskervilles (Illustrated Classic "
        "Editions)",
        "Malvina G. Vogel",
        9805,
        653559,
    ),
    ("The House of Silk (Sherlock Holmes, #1)", "Anthony Horowitz", 23541, 11093329),
    ("The 5 Love Languages: The Secret to Love that Lasts", "Gary Chapman", 395531, 23878688),
    (
        "The Five Love Languages: How to Express Heartfelt Commitment to Your Mate",
        "Gary Chapman",
        165675,
        567795,
    ),
    ("The Five Love Languages of Children", "Gary Chapman", 9744, 952),
    ("Genghis: Birth of an Empire (Conqueror, #1)", "Conn Iggulden", 32310, 1),
    ("Genghis: Lords of the Bow (Conqueror, #2)", "Conn Iggulden", 11600, 2),
    # one work by goodbooks-10k's work_id alone: a retitled edition and a translation
    ("Someone Knows My Name", "Lawrence Hill", 22146, 875441),
    ("The Book of Negroes", "Lawrence Hill", 83988, 23316548),
    ("Ruby Red (Precious Stone Trilogy, #1)", "Kerstin Gier", 62978, 8835379),
    ("Rubinrot (Edelstein-Trilogie, #1)", "Kerstin Gier", 144398, 6325285),
    # issue 18: adaptations, companions, split and combined editions, series spelled two ways
    ("The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien", 3662325, 5907),
    ("The Hobbit", "Chuck Dixon", 219962, 659469),
    ("The Hobbit: Graphic Novel", "Chuck Dixon", 155338, 659469),
    ("The History of the Hobbit, Part One: Mr. Baggins", "John D. Rateliff", 108399, 1081560),
    ("The Fellowship of the Ring (The Lord of the Rings, #1)", "J.R.R. Tolkien", 2686920, 61215351),
    ("The Two Towers (The Lord of the Rings, #2)", "J.R.R. Tolkien", 890506, 61215372),
    ("The Lord of the Rings", "J.R.R. Tolkien", 644766, 33),
    ("The Hunger Games (The Hunger Games, #1)", "Suzanne Collins", 7963002, 2767052),
    ("Catching Fire (The Hunger Games, #2)", "Suzanne Collins", 3235667, 6148028),
    ("The Hunger Games: Official Illustrated Movie Companion", "Kate Egan", 119915, 11742691),
    ("The Hunger Games Tribute Guide", "Emily Seife", 67264, 13027304),
    ("The World of the Hunger Games (Hunger Games Trilogy)", "Kate Egan", 15060, 11873368),
    ("Harry Potter and the Sorcerer's Stone (Harry Potter, #1)", "J.K. Rowling", 4602479, 3),
    ("Harry Potter and the Chamber of Secrets (Harry Potter, #2)", "J.K. Rowling", 3597747, 15881),
    (
        "Harry, a History: The True Story of a Boy Wizard, His Fans, and Life Inside the Harry "
        "Potter Phenomenon",
        "Melissa Anelli",
        12308,
        3130430,
    ),
    (
        "The Magical Worlds of Harry Potter: A Treasury of Myths, Legends, and Fascinating Facts",
        "David Colbert",
        13820,
        483445,
    ),
    ("The Way of Kings (The Stormlight Archive, #1)", "Brandon Sanderson", 427106, 7235533),
    ("The Way of Kings, Part 1 (The Stormlight Archive #1.1)", "Brandon Sanderson", 9792, 9329354),
    ("Words of Radiance (The Stormlight Archive, #2)", "Brandon Sanderson", 73572, 17332218),
    ("Dune (Dune, #1)", "Frank Herbert", 1203832, 44767458),
    ("Dune Messiah (Dune, #2)", "Frank Herbert", 236781, 44492285),
    ("Children of Dune (Dune Chronicles #3)", "Frank Herbert", 74133, 112),
    ("The Eye of the World (The Wheel of Time, #1)", "Robert Jordan", 498490, 228665),
    ("The Shadow Rising (Wheel of Time, #4)", "Robert Jordan", 122524, 9539),
    (
        "From the Two Rivers: The Eye of the World, Part 1 (Wheel of time, #1-1)",
        "Robert Jordan",
        13686,
        187049,
    ),
    ("Pride and Prejudice", "Jane Austen", 3944155, 1885),
    ("Mansfield Park", "Jane Austen", 331878, 45032),
    ("Persuasion", "Jane Austen", 653638, 2156),
    ("Pride and Prejudice, Mansfield Park, Persuasion", "Jane Austen", 5984, 14904),
    ("The Complete Novels", "Jane Austen", 32294, 14905),
    (
        "Pride and Prejudice and Zombies (Pride and Prejudice and Zombies, #1)",
        "Seth Grahame-Smith",
        103995,
        5899779,
    ),
    # one series, its name cut short in one title (the real data's spellings)
    (
        "The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)",
        "Douglas Adams",
        1739532,
        386162,
    ),
    (
        "The Restaurant at the End of the Universe (Hitchhiker's Guide, #2)",
        "Douglas Adams",
        153838,
        8695,
    ),
    (
        "Life, the Universe and Everything (The Hitchhiker's Guide to the Galaxy, #3)",
        "Douglas Adams",
        223405,
        8694,
    ),
    # two books numbered #1 of one series name, by two authors
    ("A Study in Scarlet (Sherlock Holmes, #1)", "Arthur Conan Doyle", 505698, 102868),
    # a series whose #1 is an omnibus of its parts
    ("Wool Omnibus (Silo, #1)", "Hugh Howey", 177896, 13453029),
    ("Shift (Silo, #2)", "Hugh Howey", 46518, 17287153),
    # books known only from the rating files (no author) that share a title's start
    ("Trust: A New Beginning (Trust Trilogy, #1)", "Cristiane Serruya", 2755, 16160314),
    ("Trust (Waverly Beach Cozy Mystery, #1)", None, None, None),
    ("Titan (Gaea, #1)", None, None, None),
    ("Titan: The Life of John D. Rockefeller, Sr.", None, None, None),
    ("Batman: Earth One, Volume 2", None, None, None),
    ("Batman: Detective Comics, Volume 2: The Victim Syndicate", None, None, None),
    ("Vacuum Diagrams (Xeelee Sequence, #5)", None, None, None),
    ("Vacuum Diagrams: Stories of the Xeelee Sequence", None, None, None),
    # one author's books under one title before the subtitle, three Goodreads works
    ("Batman: Hush", "Jeph Loeb", 24125, 6375845),
    ("Batman: The Long Halloween", "Jeph Loeb", 54781, 106069),
    ("Batman: Dark Victory", "Jeph Loeb", 22838, 106076),
    # and a play of a novel by its author: two Goodreads works, one work here
    ("Men at Arms: The Play", "Terry Pratchett", 28503, 7557548),
    ("Men at Arms", "Terry Pratchett", 54413, 400354),
    # one series position, two Goodreads works of titles sharing no word: two books
    ("Five Little Pigs (Hercule Poirot, #24)", "Agatha Christie", 19618, 121648),
    ("Evil Under the Sun (Hercule Poirot, #24)", "Agatha Christie", 66847, 16305),
    ("Krew elfów (Saga o Wiedźminie, #3)", "Andrzej Sapkowski", 11981, 68458),
    ("Chrzest ognia (Saga o Wiedźminie, #3)", "Andrzej Sapkowski", 101634, 1876770),
    # ... and two Goodreads works of one book, whose titles share "prodigal son"
    ("Prodigal Son (Dean Koontz's Frankenstein, #1)", "Dean Koontz", 25871, 21337),
    ("Dean Koontz's Frankenstein, Volume 1: Prodigal Son", "Dean Koontz", 25349, 4673605),
]
# the shelves (genres) of the books above that have drawn ones; the others' do not matter here
GENRES = {
    "The Hobbit": ["Fantasy", "Graphic Novels", "Classics", "Fiction", "Comics"],
    "The Hobbit: Graphic Novel": ["fantasy", "graphic-novels", "fiction"],
}
# goodbooks-10k rows (goodreads_book_id, work_id, best_book_id) of books above
GOODBOOKS = [
    (875441, 860779, 23316548),
    (8835379, 6510846, 6325285),
    (6375845, 16256422, 6375845),
    (106069, 680248, 106069),
    (106076, 1399464, 106076),
    (7557548, 9910828, 7557548),
    (400354, 819071, 400354),
    (121648, 2207701, 121648),
    (16305, 907837, 16305),
    (68458, 1877722, 68458),
    (1876770, 1877750, 1876770),
    (21337, 4809336, 21337),
    (4673605, 4724052, 4673605),
]


def works_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding BOOKS and GOODBOOKS, with sql/works run over it."""
    con = duckdb.connect(":memory:")
    run_sql(con, "clean/00_macros.sql")
    con.execute(
        "create table books (book_id bigint, title varchar, author varchar, "
        "num_ratings bigint, goodreads_id bigint, genres varchar[], description varchar, "
        "avg_rating double)"
    )
    con.executemany(
        "insert into books values (?, ?, ?, ?, ?, ?, null, null)",
        [(i + 1, *row, GENRES.get(row[0], [])) for i, row in enumerate(BOOKS)],
    )
    con.execute(
        "create table clean_goodbooks "
        "(goodreads_id bigint, goodreads_work_id bigint, best_goodreads_id bigint)"
    )
    con.executemany("insert into clean_goodbooks values (?, ?, ?)", GOODBOOKS)
    build_works(con)
    return con


@pytest.fixture(scope="module")
def con():
    return works_connection()


def _id(title: str) -> int:
    return next(i + 1 for i, row in enumerate(BOOKS) if row[0] == title)


def _titles(ids) -> set[str]:
    return {BOOKS[i - 1][0] for i in ids}


def test_editions_share_a_work(con):
    works = load_works(con)
    same = [
        ("The Sign of Four (Sherlock Holmes, #2)", "The Sign of the Four (Sherlock Holmes, #2)"),
        (
            "The 5 Love Languages: The Secret to Love that Lasts",
            "The Five Love Languages: How to Express Heartfelt Commitment to Your Mate",
        ),
        (
            "The Complete Anne of Green Gables 8-Book Box Set",
            "The Complete Anne of Green Gables Boxed Set (Anne of Green Gables, #1-8)",
        ),
        (
            "A Storm of Swords (A Song of Ice and Fire, #3)",
            "A Storm of Swords: Steel and Snow (A Song of Ice and Fire, #3: Part 1 of 2)",
        ),
    ]
    for a, b in same:
        assert works.work(_id(a)) == works.work(_id(b)), (a, b)
    different = [
        (
            "The 5 Love Languages: The Secret to Love that Lasts",
            "The Five Love Languages of Children",
        ),
        (
            "Genghis: Birth of an Empire (Conqueror, #1)",
            "Genghis: Lords of the Bow (Conqueror, #2)",
        ),
        ("The Little House", "Little House in the Big Woods (Little House, #1)"),
        ("The House of Silk (Sherlock Holmes, #1)", "The Sign of Four (Sherlock Holmes, #2)"),
    ]
    for a, b in different:
        assert works.work(_id(a)) != works.work(_id(b)), (a, b)


def test_a_book_without_an_author_is_told_apart_by_its_series(con):
    """A book known only from the rating files has no author: it joins a title's one author
    only where it names no other series, and two such books of one title are one work only
    where neither names a series the other does not (or a subtitle names it)."""
    works = load_works(con)
    different = [
        ("Trust (Waverly Beach Cozy Mystery, #1)", "Trust: A New Beginning (Trust Trilogy, #1)"),
        ("Titan (Gaea, #1)", "Titan: The Life of John D. Rockefeller, Sr."),
        (
            "Batman: Earth One, Volume 2",
            "Batman: Detective Comics, Volume 2: The Victim Syndicate",
        ),
    ]
    for a, b in different:
        assert works.work(_id(a)) != works.work(_id(b)), (a, b)
    same = (
        "Vacuum Diagrams (Xeelee Sequence, #5)",
        "Vacuum Diagrams: Stories of the Xeelee Sequence",
    )
    assert works.work(_id(same[0])) == works.work(_id(same[1]))
    # naming the series the author's editions are in, it is their work
    sign = works.work(_id("The Sign of the Four (Sherlock Holmes, #2)"))
    assert sign == works.work(_id("The Sign of Four (Sherlock Holmes, #2)"))


def test_a_franchise_title_of_three_goodreads_works_is_not_one_work(con):
    """Books of one author under one title before the subtitle are editions of one work, unless
    Goodreads counts three works or more among them (goodbooks-10k's work ids): then each is
    its book, by its whole title."""
    works = load_works(con)
    batman = [
        _id(t) for t in ("Batman: Hush", "Batman: The Long Halloween", "Batman: Dark Victory")
    ]
    assert len({works.work(b) for b in batman}) == 3
    # two works only: the play stays with its novel
    assert works.work(_id("Men at Arms: The Play")) == works.work(_id("Men at Arms"))


def test_two_books_numbered_alike_in_a_series_are_two_works(con):
    """One author's two books at one series position are editions of one work, unless
    goodbooks-10k counts them as two Goodreads works and their titles share no word: then the
    series is numbered two ways (real titles of the shared data)."""
    works = load_works(con)
    for a, b in (
        ("Five Little Pigs (Hercule Poirot, #24)", "Evil Under the Sun (Hercule Poirot, #24)"),
        ("Krew elfów (Saga o Wiedźminie, #3)", "Chrzest ognia (Saga o Wiedźminie, #3)"),
    ):
        assert works.work(_id(a)) != works.work(_id(b)), (a, b)
    assert works.work(_id("Prodigal Son (Dean Koontz's Frankenstein, #1)")) == works.work(
        _id("Dean Koontz's Frankenstein, Volume 1: Prodigal Son")
    )


def test_goodbooks_work_ids_join_retitled_and_translated_editions(con):
    works = load_works(con)
    reasons = dict(con.execute("select book_id, reason from book_works").fetchall())
    for a, b in (
        ("Someone Knows My Name", "The Book of Negroes"),
        ("Ruby Red (Precious Stone Trilogy, #1)", "Rubinrot (Edelstein-Trilogie, #1)"),
    ):
        assert works.work(_id(a)) == works.work(_id(b)), (a, b)
        assert "goodbooks-10k work_id" in reasons[max(_id(a), _id(b))]
    reasons = dict(con.execute("select book_id, reason from book_works").fetchall())
    assert reasons[_id("The Sign of the Four (Sherlock Holmes, #2)")].startswith("same")


def test_series_and_positions(con):
    works = load_works(con)
    assert works.series_of[_id("Farmer Boy (Little House, #2)")] == "little house"
    assert works.position_of[_id("Anne of Windy Poplars (Anne of Green Gables, #4)")] == 4.0
    rows = dict(
        con.execute(
            "select book_id, collection_rule from book_series where is_collection"
        ).fetchall()
    )
    assert rows[_id("The Little House Collection (Little House, #1-9)")] == "series range #1-9"
    assert rows[_id("The Complete Anne of Green Gables 8-Book Box Set")] == "box set"
    assert _id("Farmer Boy (Little House, #2)") not in rows


def test_already_read_blocks_editions_collections_and_derivatives(con):
    works = load_works(con)
    read = [
        _id("To Kill a Mockingbird"),
        _id("Ender’s Game (Ender's Saga, #1)"),
        _id("Anne of Green Gables (Anne of Green Gables, #1)"),
        _id("A Game of Thrones (A Song of Ice and Fire, #1)"),
        _id("Little House in the Big Woods (Little House, #1)"),
        _id("The Hound of the Baskervilles (Sherlock Holmes, #5)"),
        _id("The 5 Love Languages: The Secret to Love that Lasts"),
    ]
    blocked = _titles(works.already_read(read)) - _titles(read)
    assert blocked == {
        "Harper Lee's To Kill a Mockingbird",
        "Ender's Game, Volume 1: Battle School (Ender's Saga)",
        "The Complete Anne of Green Gables 8-Book Box Set",
        "The Complete Anne of Green Gables Boxed Set (Anne of Green Gables, #1-8)",
        "A Song of Ice and Fire (A Song of Ice and Fire, #1-4)",
        "A Game of Thrones / A Clash of Kings (A Song of Ice and Fire, #1-2)",
        "The Little House Collection (Little House, #1-9)",
        "The Annotated Sherlock Holmes: The Four Novels and the Fifty-Six Short Stories "
        "Complete (2 Volume Set)",
        "Sherlock Holmes and the Case of the Hound of the Baskervilles (Illustrated Classic "
        "Editions)",
        "The Five Love Languages: How to Express Heartfelt Commitment to Your Mate",
    }
    # Not blocked: a one-word title inside another ("Mockingbird"), the next entries.
    assert "Mockingbird" not in blocked
    assert "Anne of Avonlea (Anne of Green Gables, #2)" not in blocked


def test_every_decision_has_a_reason(con):
    missing = con.execute("select count(*) from work_decisions where reason is null").fetchone()
    assert missing == (0,)
    kinds = {k for (k,) in con.execute("select distinct decision from work_decisions").fetchall()}
    assert kinds == {
        "edition of",
        "series entry",
        "collection",
        "collection contains",
        "derivative of",
        "series spelled two ways",
        "series of one author",
    }


def _blocked_by(works, title: str) -> set[str]:
    return _titles(works.already_read([_id(title)])) - {title}


def test_adaptations_and_companions_are_blocked_with_the_work(con):
    works = load_works(con)
    hobbit = _blocked_by(works, "The Hobbit (The Lord of the Rings, #0)")
    assert {
        "The Hobbit",  # Chuck Dixon's graphic novel, shelved as one
        "The Hobbit: Graphic Novel",
        "The History of the Hobbit, Part One: Mr. Baggins",
        "The Lord of the Rings",  # the omnibus of the series The Hobbit is #0 of
    } <= hobbit
    assert "The Fellowship of the Ring (The Lord of the Rings, #1)" not in hobbit
    games = _blocked_by(works, "The Hunger Games (The Hunger Games, #1)")
    assert {
        "The Hunger Games: Official Illustrated Movie Companion",
        "The Hunger Games Tribute Guide",
        "The World of the Hunger Games (Hunger Games Trilogy)",
    } <= games
    assert "Catching Fire (The Hunger Games, #2)" not in games
    # books about a series are blocked by any of its entries
    potter = _blocked_by(works, "Harry Potter and the Chamber of Secrets (Harry Potter, #2)")
    assert {
        "Harry, a History: The True Story of a Boy Wizard, His Fans, and Life Inside the Harry "
        "Potter Phenomenon",
        "The Magical Worlds of Harry Potter: A Treasury of Myths, Legends, and Fascinating Facts",
    } <= potter
    reasons = dict(
        con.execute(
            "select b.title, d.reason from work_decisions d join books b using (book_id) "
            "where d.decision = 'derivative of'"
        ).fetchall()
    )
    assert "graphic novel" in reasons["The Hobbit"]
    assert "companion" in reasons["The Hunger Games: Official Illustrated Movie Companion"] or (
        "official" in reasons["The Hunger Games: Official Illustrated Movie Companion"]
    )


def test_split_editions_and_series_spelled_two_ways(con):
    works = load_works(con)
    kings = _id("The Way of Kings (The Stormlight Archive, #1)")
    assert works.work(_id("The Way of Kings, Part 1 (The Stormlight Archive #1.1)")) == kings
    eye = _id("The Eye of the World (The Wheel of Time, #1)")
    rivers = _id("From the Two Rivers: The Eye of the World, Part 1 (Wheel of time, #1-1)")
    assert works.work(rivers) == works.work(eye)
    series = works.series_of
    assert series[_id("Children of Dune (Dune Chronicles #3)")] == series[_id("Dune (Dune, #1)")]
    assert series[_id("The Shadow Rising (Wheel of Time, #4)")] == series[eye]
    spelled = dict(
        con.execute(
            "select b.title, d.reason from work_decisions d join books b using (book_id) "
            "where d.decision = 'series spelled two ways'"
        ).fetchall()
    )
    assert spelled["Children of Dune (Dune Chronicles #3)"] == (
        '"dune chronicles" is the series "dune"'
    )
    # a name cut short: "Hitchhiker's Guide" is "The Hitchhiker's Guide to the Galaxy"
    guide = _id("The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)")
    restaurant = _id("The Restaurant at the End of the Universe (Hitchhiker's Guide, #2)")
    life = _id("Life, the Universe and Everything (The Hitchhiker's Guide to the Galaxy, #3)")
    assert series[restaurant] == series[guide] == series[life]
    assert [works.position_of[b] for b in (guide, restaurant, life)] == [1.0, 2.0, 3.0]
    assert spelled[
        "The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)"
    ] == ('"the hitchhikers guide to the galaxy" is the series "hitchhikers guide"')
    split = dict(con.execute("select book_id, reason from book_works").fetchall())
    assert split[_id("The Way of Kings, Part 1 (The Stormlight Archive #1.1)")].startswith(
        "split edition"
    )


def test_combined_editions_contain_their_works(con):
    works = load_works(con)
    austen = {_id(t) for t in ("Pride and Prejudice", "Mansfield Park", "Persuasion")}
    listed = _id("Pride and Prejudice, Mansfield Park, Persuasion")
    assert {works.work(b) for b in austen} <= works.contains[listed]
    assert works.work(_id("Pride and Prejudice")) in works.contains[_id("The Complete Novels")]
    fellowship = _id("The Fellowship of the Ring (The Lord of the Rings, #1)")
    assert works.work(fellowship) in works.contains[_id("The Lord of the Rings")]
    blocked = _blocked_by(works, "Persuasion")
    assert {"Pride and Prejudice, Mansfield Park, Persuasion", "The Complete Novels"} <= blocked
    # a mash-up of the work by another author is a derivative of it
    zombies = "Pride and Prejudice and Zombies (Pride and Prejudice and Zombies, #1)"
    assert zombies in _blocked_by(works, "Pride and Prejudice")


def test_a_range_collection_contains_its_entries_under_every_spelling_of_the_series():
    """ "The Ultimate Hitchhiker's Guide to the Galaxy (#1-5)" holds #1-3 though their titles
    spell the series three ways (the collection's own spelling is not the series' name): a
    reader of it is not offered #1 as "next in series"."""
    con = works_connection()
    ultimate = len(BOOKS) + 1
    con.execute(
        "insert into books values (?, ?, ?, ?, ?, [], null, null)",
        [
            ultimate,
            "The Ultimate Hitchhiker's Guide to the Galaxy "
            "(Hitchhiker's Guide to the Galaxy, #1-5)",
            "Douglas Adams",
            313695,
            13,
        ],
    )
    build_works(con)
    works = load_works(con)
    for title in (
        "The Hitchhiker's Guide to the Galaxy (The Hitchhiker's Guide to the Galaxy, #1)",
        "The Restaurant at the End of the Universe (Hitchhiker's Guide, #2)",
        "Life, the Universe and Everything (The Hitchhiker's Guide to the Galaxy, #3)",
    ):
        assert works.work(_id(title)) in works.contains[ultimate]
        assert _id(title) in works.already_read([ultimate])
