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


def test_fuzzy_hits_equal_a_scan_of_the_whole_catalog() -> None:
    rng = random.Random(3)
    titles = [" ".join(rng.choices(WORDS, k=rng.randint(1, 6))) for _ in range(3000)]
    catalog = pd.DataFrame(
        {
            "book_id": range(1, len(titles) + 1),
            "title": titles,
            "author": [None] * len(titles),
            "avg_rating": [4.0] * len(titles),
            "num_ratings": [100] * len(titles),
            "goodreads_id": [None] * len(titles),
            "isbn": [None] * len(titles),
        }
    )
    matcher = CatalogMatcher(catalog)
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

    catalog = pd.DataFrame(
        {
            "book_id": [1, 2, 3],
            "title": ["Harry Potter and the Philosopher's Stone (Harry Potter, #1)",
                      "Siddhartha: An Indian Tale", "Émile (Penguin Classics)"],
            "author": ["J.K. Rowling", "Hermann Hesse (Goodreads Author)", None],
            "avg_rating": [4.5, 4.0, 3.8],
            "num_ratings": [100, 50, 10],
            "goodreads_id": [None] * 3,
            "isbn": [None] * 3,
        }
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
