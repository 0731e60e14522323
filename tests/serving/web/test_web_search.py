"""The search index behind the suggestions, on a hand-made catalog (expected order by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from bookrec.serving.web.search import SearchIndex, normalize

# book_id, title, author, avg_rating, num_ratings
CATALOG = [
    (1, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien", 4.3, 3_600_000),
    (2, "The Hobbit", "J.R.R. Tolkien", 4.2, 90_000),  # another edition: shown once
    (3, "The Hobbit: Graphic Novel", "Chuck Dixon", 4.5, 150_000),
    (4, "Hobbits and Dragons", "Ann Vale", 3.9, 500),
    (5, "Dune (Dune, #1)", "Frank Herbert", 4.2, 1_200_000),
    (6, "Dune Messiah (Dune, #2)", "Frank Herbert", 3.9, 230_000),
    (7, "Brontë Sisters", "Émile Zola", 3.5, None),
    (8, "Harry Potter and the Philosopher's Stone", "J.K. Rowling", 4.5, 9_000_000),
    (9, "The Fellowship of the Ring", "J.R.R. Tolkien", 4.4, 2_500_000),
    (10, "Ring of Fire", "Ed Hale", 3.0, 50),
    (11, "Tolkien: A Biography", None, 4.0, 8_000),
    (12, "Frankenstein", "Mary Shelley", 3.8, 1_000),
    (13, "Mistborn (Mistborn, #1)", None, None, None),  # named by the rating files only
    (14, "The Final Empire (Mistborn, #1)", "Brandon Sanderson", 4.5, 1_500_000),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    frame = pd.DataFrame(
        CATALOG, columns=["book_id", "title", "author", "avg_rating", "num_ratings"]
    )
    return SearchIndex(frame)


def _ids(index: SearchIndex, query: str, limit: int = 8) -> list[int]:
    return [s.book_id for s in index.search(query, limit)]


def test_normalize_drops_case_accents_and_punctuation() -> None:
    assert normalize("  Brontë: SISTERS!! ") == "bronte sisters"
    assert normalize("J.R.R. Tolkien") == "j r r tolkien"
    assert normalize(None) == ""


def test_title_start_first_then_other_hits_by_popularity(index) -> None:
    # 1, 3, 4 start with "hobbit" after the article (by popularity); 2 is 1's edition.
    assert _ids(index, "hobbit") == [1, 3, 4]
    assert _ids(index, "The Hobb") == [1, 3]  # 4 has no word "the"
    # 10 starts with "ring", however little rated; then the word hits ("rings", "ring")
    assert _ids(index, "ring") == [10, 1, 9]
    # a title only the rating files name (no count, no author) after the books known well
    assert _ids(index, "mistborn") == [14, 13]


def test_every_word_must_begin_a_title_or_author_word(index) -> None:
    assert _ids(index, "hob tolk") == [1]
    # an author's name: their books and the titles that begin so, by popularity (11 was first)
    assert _ids(index, "tolkien") == [1, 9, 11]
    assert _ids(index, "j r r tolk") == [1, 9]
    assert _ids(index, "ed hale") == [10]
    # a first name alone names no author: the title that begins so comes first
    assert _ids(index, "frank")[0] == 12 and set(_ids(index, "frank")) == {12, 5, 6}
    assert _ids(index, "dune herb") == [5, 6]
    assert _ids(index, "dune tolkien") == []


def test_accents_and_typos(index) -> None:
    assert _ids(index, "bronte") == [7]
    assert _ids(index, "emile zola") == [7]
    assert _ids(index, "hary poter") == [8]  # no word begins so: near spellings
    assert _ids(index, "zzzz") == []


def test_limit_and_suggestion_fields(index) -> None:
    assert _ids(index, "the", limit=2) == [1, 9]  # titles starting with "the" first
    first = index.search("dune", 1)[0]
    assert (first.title, first.author, first.avg_rating, first.num_ratings) == (
        "Dune (Dune, #1)",
        "Frank Herbert",
        4.2,
        1_200_000,
    )
    assert index.search("bronte")[0].num_ratings is None
