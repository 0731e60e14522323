"""The fuzzy title search's length window finds what a scan of the whole catalog finds."""

from __future__ import annotations

import random

import pandas as pd
from rapidfuzz import fuzz, process

from bookrec.serving.matching import CatalogMatcher

WORDS = [
    "the",
    "of",
    "a",
    "shadow",
    "king",
    "night",
    "river",
    "war",
    "sea",
    "house",
    "girl",
    "last",
    "dark",
    "stone",
    "wind",
    "blood",
]


def _catalog(titles: list, authors: list, avg_ratings: list, num_ratings: list) -> pd.DataFrame:
    """A catalog frame as load_catalog gives it: ids 1.., no Goodreads ids or ISBNs."""
    return pd.DataFrame(
        {
            "book_id": range(1, len(titles) + 1),
            "title": titles,
            "author": authors,
            "avg_rating": avg_ratings,
            "num_ratings": num_ratings,
            "goodreads_id": [None] * len(titles),
            "isbn": [None] * len(titles),
        }
    )


def test_fuzzy_hits_equal_a_scan_of_the_whole_catalog() -> None:
    rng = random.Random(3)
    titles = [" ".join(rng.choices(WORDS, k=rng.randint(1, 6))) for _ in range(3000)]
    matcher = CatalogMatcher(_catalog(titles, [None] * len(titles), [4.0] * len(titles),
                                      [100] * len(titles)))  # fmt: skip
    queries = rng.sample(matcher._fuzzy_choices, 150)
    queries += [q[:i] + "x" + q[i + 1 :] for q in queries for i in [rng.randrange(len(q))]]
    for query in queries:
        for cutoff in (60.0, 90.0, 96.0):
            scan = process.extract(
                query, matcher._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=20
            )
            assert matcher._fuzzy_hits(query, cutoff, 20) == [(i, s) for _, s, i in scan]


def test_a_readers_keys_are_the_macros_whether_the_catalog_spells_them_or_not() -> None:
    from bookrec.serving.reader_input import ReaderBook
    from bookrec.serving.title_keys import key_maker

    catalog = _catalog(
        ["Harry Potter and the Philosopher's Stone (Harry Potter, #1)",
         "Siddhartha: An Indian Tale", "Émile (Penguin Classics)"],
        ["J.K. Rowling", "Hermann Hesse (Goodreads Author)", None],
        [4.5, 4.0, 3.8],
        [100, 50, 10],
    )  # fmt: skip
    matcher = CatalogMatcher(catalog)
    books = [
        ReaderBook("Harry Potter and the Philosopher's Stone (Harry Potter, #1)", "J.K. Rowling"),
        ReaderBook("Siddhartha: An Indian Tale", "Hermann  Hesse"),  # author spelt otherwise
        ReaderBook("EMILE", None),  # title spelt otherwise
        ReaderBook("Émile (Penguin Classics)", None),
    ]
    macros = key_maker().keys([b.title for b in books], [b.author for b in books])
    assert matcher.keys(books) == macros
    assert macros[0].series_key == "harry potter #1" and macros[1].author_key == "hermannhesse"


def test_another_volume_is_never_offered_however_close_its_title() -> None:
    """The shared export's "... Volume 1" and "... Volume 3" were each offered "Volume II A"
    (their titles before the subtitle are one): another volume is another book. The real
    catalog's rows, as it writes them (no author)."""
    from bookrec.serving.reader_input import ReaderBook

    hall = "The Science Fiction Hall of Fame"
    catalog = _catalog(
        [f"{hall}: Volume II A ({hall}, #2A)", f"{hall}, Volume One, 1929-1964",
         "Harry Potter and the Chamber of Secrets (Harry Potter, #2)"],
        [None, None, "J.K. Rowling"],
        [4.3, 4.4, 4.4],
        [900, 8000, 3_000_000],
    )  # fmt: skip
    matcher = CatalogMatcher(catalog)
    one, three, two_a, potter = matcher.match(
        [
            ReaderBook(f"{hall}: Volume 1 ({hall}, #1)", "Robert Silverberg"),
            ReaderBook(f"{hall}: Volume 3: The Nebula Winners", "George W. Proctor"),
            ReaderBook(f"{hall}: Volume 2A ({hall}, #2A)", "Ben Bova"),
            ReaderBook("Harry Potter and the Chamber of Secret (Harry Potter, #2)", None),
        ]
    )
    offered = lambda m: {c.book_id for c in m.candidates} | {m.book_id} - {None}  # noqa: E731
    assert 1 not in offered(one) and 1 not in offered(three)
    assert offered(two_a) == {1}  # "II A" is "2A": the same volume, still offered
    assert potter.status == "matched" and potter.book_id == 3  # one number, the same: found


def test_a_series_book_typed_without_its_series_name() -> None:
    """Readers name Harry Potter's books "Goblet of Fire" or "The Prisoner of Azkaban": both
    were not found, with the author too. Only "<series' name> and the <title>" reads so, and
    without the author only a book widely read (MatchConfig.series_title_min_ratings): the
    rating files' authorless "Asterix and the Secret Weapon" is nobody's "Secret Weapon",
    and "Foundation and Empire" no book called "Empire"."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["Harry Potter and the Goblet of Fire (Harry Potter, #4)",
         "Harry Potter and the Prisoner of Azkaban (Harry Potter, #3)",
         "Asterix and the Secret Weapon (Asterix #29)", "Foundation and Empire (Foundation, #2)"],
        ["J.K. Rowling", "J.K. Rowling", None, "Isaac Asimov"],
        [4.6, 4.6, None, 4.2],
        [3_400_000, 3_800_000, None, 190_000],
    )  # fmt: skip
    matcher = CatalogMatcher(catalog)
    goblet, azkaban, by_king, weapon, empire, weapon_by = matcher.match(
        [
            ReaderBook("Goblet of Fire", None),
            ReaderBook("The Prisoner of Azkaban", "Rowling"),
            ReaderBook("Goblet of Fire", "Stephen King"),
            ReaderBook("Secret Weapon", None),
            ReaderBook("Empire", None),
            ReaderBook("The Secret Weapon", "René Goscinny"),
        ]
    )
    assert (goblet.status, goblet.book_id, goblet.method) == ("matched", 1, "series_title")
    assert goblet.note == (
        "“Goblet of Fire” read as “Harry Potter and the Goblet of Fire (Harry Potter, #4)”"
    )
    assert (azkaban.status, azkaban.book_id) == ("matched", 2)
    assert by_king.status == "not_found"
    assert weapon.status == "not_found" and empire.status == "not_found"
    assert weapon_by.status == "not_found"  # an author the catalog does not know is no "same"


def test_a_series_book_named_by_its_first_book_or_its_series() -> None:
    """ "Game of Thrones 2" was not found and "The Hunger Games: Catching Fire" ambiguous
    between The Hunger Games and its film companion: a first book's title with another
    entry's number is that entry, and a series (or its first book) before one of its books'
    titles is that book."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["A Game of Thrones (A Song of Ice and Fire, #1)",
         "A Clash of Kings (A Song of Ice and Fire, #2)",
         "The Hunger Games (The Hunger Games, #1)", "Catching Fire (The Hunger Games, #2)",
         "The Hunger Games: Official Illustrated Movie Companion",
         "Harry Potter and the Goblet of Fire (Harry Potter, #4)"],
        ["George R.R. Martin", "George R.R. Martin", "Suzanne Collins", "Suzanne Collins",
         "Kate Egan", "J.K. Rowling"],
        [4.4, 4.4, 4.3, 4.3, 4.4, 4.6],
        [2_300_000, 890_000, 7_900_000, 3_200_000, 120_000, 3_400_000],
    )  # fmt: skip
    matcher = CatalogMatcher(catalog)
    clash, by_king, catching, goblet, companion = matcher.match(
        [
            ReaderBook("Game of Thrones 2", None),
            ReaderBook("Game of Thrones 2", "Stephen King"),
            ReaderBook("The Hunger Games: Catching Fire", None),
            ReaderBook("Harry Potter: The Goblet of Fire", "Rowling"),
            ReaderBook("The Hunger Games: Official Illustrated Movie Companion", None),
        ]
    )
    assert (clash.status, clash.book_id, clash.method) == ("matched", 2, "series_entry")
    assert by_king.status != "matched"
    assert (catching.status, catching.book_id, catching.method) == ("matched", 4, "series_title")
    assert (goblet.status, goblet.book_id) == ("matched", 6)
    assert (companion.status, companion.book_id) == ("matched", 5)  # its own title first


def test_a_title_the_catalog_has_as_typed_is_never_read_as_a_series_book() -> None:
    """The series readings come after the article and number forms: "The Prisoner's Dilemma"
    is the catalog's "Prisoner's Dilemma", not Benedict Society #3, and "Trust No 1" is "Trust
    No One", not a series' first book."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["Prisoner's Dilemma",
         "The Mysterious Benedict Society and the Prisoner's Dilemma (The Mysterious Benedict "
         "Society, #3)",
         "Trust No One (The 39 Clues: Cahills vs. Vespers, #5)",
         "Trust: A New Beginning (Trust Trilogy, #1)"],
        ["William Poundstone", "Trenton Lee Stewart", "Linda Sue Park", "Cristiane Serruya"],
        [3.9, 4.2, 4.1, 3.6],
        [2_000, 23_000, 9_000, 8_000],
    )  # fmt: skip
    dilemma, trust = CatalogMatcher(catalog).match(
        [ReaderBook("The Prisoner's Dilemma", None), ReaderBook("Trust No 1", None)]
    )
    assert (dilemma.status, dilemma.book_id) == ("matched", 1)
    assert (trust.status, trust.book_id) == ("matched", 3)


def test_a_volume_typed_as_titled_is_that_volume_not_the_series_first_book() -> None:
    """ "The Walking Dead, Vol. 1" by Robert Kirkman was read as the series' #1, the novel
    "Rise of the Governor (The Walking Dead #1)", not the comic "Vol. 01: Days Gone Bye" (a
    number's leading zeros are dropped from title keys). A series' name and a number with no
    volume so titled is still its entry."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["The Walking Dead, Vol. 01: Days Gone Bye", "Rise of the Governor (The Walking Dead #1)",
         "The Fall of the Governor (The Walking Dead #3)",
         "Harry Potter and the Prisoner of Azkaban (Harry Potter, #3)"],
        ["Robert Kirkman", "Robert Kirkman", "Robert Kirkman", "J.K. Rowling"],
        [4.3, 3.9, 3.9, 4.6],
        [164_000, 13_000, 5_000, 3_000_000],
    )  # fmt: skip
    vol, plain, third, potter = CatalogMatcher(catalog).match(
        [ReaderBook("The Walking Dead, Vol. 1", "Robert Kirkman"),
         ReaderBook("The Walking Dead Volume 1"), ReaderBook("The Walking Dead 3"),
         ReaderBook("harry potter 3")]
    )  # fmt: skip
    assert (vol.status, vol.book_id) == ("matched", 1)
    assert (plain.status, plain.book_id) == ("matched", 1)
    assert (third.status, third.book_id, third.method) == ("matched", 3, "series_entry")
    assert (potter.status, potter.book_id, potter.method) == ("matched", 4, "series_entry")


def test_a_title_by_a_known_author_is_never_another_book_spelled_alike() -> None:
    """ "Alice in Wonderland" by Lewis Carroll was ambiguous with one candidate, the rating
    files' authorless "Malice in Wonderland" (97 to the title): with the author in the
    catalog, their own books are the ones searched; not found, the hint names theirs."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["Malice in Wonderland (Dulcie O'Neil, #5)",
         "Alice's Adventures in Wonderland (Alice's Adventures in Wonderland, #1)"],
        [None, "Lewis Carroll"],
        [None, 4.0],
        [None, 400_000],
    )  # fmt: skip
    by_him, alone = CatalogMatcher(catalog).match(
        [ReaderBook("Alice in Wonderland", "Lewis Carroll"), ReaderBook("Alice in Wonderland")]
    )
    assert (by_him.status, by_him.candidates) == ("not_found", ())
    assert "did you mean “Alice's Adventures in Wonderland" in by_him.note
    assert by_him.related_ids == (2,)
    # with no author the near title is still offered as a candidate
    assert alone.status == "ambiguous" and alone.candidates[0].book_id == 1


def test_an_authorless_exact_title_yields_to_the_authors_book_spelled_nearly_so() -> None:
    """ "The Colour of Magic" by Terry Pratchett matched the rating files' authorless "The
    Colour of Magic" exactly (no vector worth the name, no Discworld in the list), not his
    "The Color of Magic". Without the author, the exact title still wins; a title of the
    author's only roughly alike does not take over."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["The Colour of Magic", "The Color of Magic (Discworld, #1; Rincewind, #1)",
         "Mort (Discworld, #4; Death, #1)"],
        [None, "Terry Pratchett", "Terry Pratchett"],
        [None, 4.0, 4.2],
        [None, 367_000, 160_000],
    )  # fmt: skip
    matcher = CatalogMatcher(catalog)
    by_him, alone, other = matcher.match(
        [ReaderBook("The Colour of Magic", "Terry Pratchett"), ReaderBook("The Colour of Magic"),
         ReaderBook("Mortal", "Terry Pratchett")]
    )  # fmt: skip
    assert (by_him.status, by_him.book_id, by_him.method) == ("matched", 2, "fuzzy_author")
    assert (alone.status, alone.book_id, alone.method) == ("matched", 1, "exact")
    assert other.book_id != 3


def test_a_book_not_found_names_the_closest_title_as_a_hint_only() -> None:
    """ "Gone Gril" (89 to "Gone Girl", under every match cut-off) and "Dnue" by Frank Herbert
    were "not found" with nothing more, where the page's search offers the book: they stay not
    found (a hint is no match) and say what to type. A title typed with an author is hinted
    only among that author's books ("The Croning" by Laird Barron came near "The Drowning")."""
    from bookrec.serving.reader_input import ReaderBook

    catalog = _catalog(
        ["Gone Girl", "Sharp Objects", "Dune (Dune, #1)", "The Drowning (Patrik Hedström, #6)"],
        ["Gillian Flynn", "Gillian Flynn", "Frank Herbert", None],
        [4.1, 4.0, 4.2, 3.9],
        [2_500_000, 900_000, 1_200_000, 30_000],
    )
    matcher = CatalogMatcher(catalog)
    typed = [
        ReaderBook("Gone Gril", "Gillian Flynn"),
        ReaderBook("Gone Gril"),
        ReaderBook("Dnue", "Frank Herbert"),
        ReaderBook("The Croning", "Laird Barron"),
        ReaderBook("Xyzzy Plugh"),
        # the author misspelt too: among the books of a surname spelled alike (was no hint)
        ReaderBook("Dnue", "Frank Herbet"),
    ]
    by_author, alone, dune, croning, nothing, misspelt = matcher.match(typed)
    found = (by_author, alone, dune, croning, nothing, misspelt)
    assert [m.status for m in found] == ["not_found"] * 6
    assert by_author.note == alone.note == "did you mean “Gone Girl” by Gillian Flynn?"
    assert misspelt.note == "did you mean “Dune (Dune, #1)” by Frank Herbert?"
    assert dune.note == "did you mean “Dune (Dune, #1)” by Frank Herbert?"
    assert croning.note is None and nothing.note is None
    # the book hinted at is never suggested back ("Count of Monte Christo" came back as #2)
    assert by_author.related_ids == alone.related_ids == (1,)
    assert dune.related_ids == misspelt.related_ids == (3,)
    assert croning.related_ids == nothing.related_ids == ()
