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
