"""The warehouse built from the real Goodreads files in ../shared/data (skips without them)."""

from __future__ import annotations

import duckdb
import pytest

from tests.warehouse.test_prepare import query

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real_warehouse(real_lists_warehouse):
    """The session's one warehouse built from ../shared/data (tests/conftest.py): prepare_data
    as `flows.prepare_data` runs it; the tables added after it leave these untouched."""
    return real_lists_warehouse


def test_every_rating_row_is_a_rating_or_a_rejected_row(real_warehouse):
    (n_raw,) = query(real_warehouse, "select count(*) from raw_user_ratings")[0]
    assert n_raw == 125_564  # the shared README's row count
    (n_ratings,) = query(real_warehouse, "select count(*) from ratings")[0]
    (n_rejected,) = query(
        real_warehouse, "select count(*) from rejected_rows where layout = 'user_ratings'"
    )[0]
    assert n_ratings + n_rejected == n_raw


def test_every_table_of_the_real_warehouse_says_what_it_holds(real_warehouse):
    """Every table prepare_data and lists build from the real layouts carries its comment
    (sql/meta/table_comments.sql): a table added without one fails here."""
    from tests.warehouse.test_explore import undescribed

    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        assert undescribed(con) == ([], [])


def test_user_count_matches_the_files(real_warehouse):
    (n_users,) = query(real_warehouse, "select count(distinct user_id) from ratings")[0]
    (n_empty,) = query(
        real_warehouse, "select count(*) from rejected_rows where reason = 'user has no ratings'"
    )[0]
    assert n_users + n_empty == 2_747  # every user id of the three files


def test_match_rates_reach_the_measured_coverage(real_warehouse):
    (share_matched,) = query(
        real_warehouse,
        "select avg((b.source <> 'user_ratings')::int) from ratings r join books b using (book_id)",
    )[0]
    (share_described,) = query(
        real_warehouse,
        "select avg(b.has_description::int) from ratings r join books b using (book_id)",
    )[0]
    # shared README: any book at all 50%, a book with a description 39% of rating rows
    assert share_matched >= 0.50
    assert share_described >= 0.39


def test_known_books_merge_across_layouts(real_warehouse):
    rows = query(
        real_warehouse,
        "select sources, has_description, avg_rating > 4 from books "
        "where title_key = 'the hunger games' and author_key = 'suzannecollins'",
    )
    assert rows == [(["best_books_10k", "goodbooks_10k"], True, True)]


def test_a_rating_title_with_a_series_note_is_the_book_of_that_series(real_warehouse):
    """The rating files' "Snuff (Discworld, #39; City Watch #8)" was Chuck Palahniuk's "Snuff"
    (the most rated of the two so titled), so Pratchett's readers made Palahniuk "read by
    readers of Mort"; "Dawn (Xenogenesis, #1)" was Erin Hunter's. Without a series note the
    most rated book so titled is still taken. Each series a key's rating titles name is matched
    apart: "Night Watch (Watch #1)" was Pratchett's, "City of Bones (Harry Bosch, #8; ...)"
    Cassandra Clare's, "The Crossing (The Border Trilogy, #2)" Connelly's."""
    rows = query(
        real_warehouse,
        "select r.title_key, r.rating_series, c.author, r.match_type "
        "from merge_rating_titles as r join merge_catalog_books as c using (book_key) "
        "where r.title_key in ('snuff', 'dawn', 'the crossing', 'city of bones') order by all",
    )
    assert rows == [
        ("city of bones", "harry bosch", "Michael Connelly", "title and series"),
        ("city of bones", "the mortal instruments", "Cassandra Clare", "title and series"),
        ("dawn", "", "Erin Hunter", "title, ambiguous"),
        ("dawn", "xenogenesis", "Octavia E. Butler", "title and series"),
        ("snuff", "", "Chuck Palahniuk", "title, ambiguous"),
        ("snuff", "discworld", "Terry Pratchett", "title and series"),
        ("the crossing", "", "Cormac McCarthy", "title, ambiguous"),
        ("the crossing", "harry bosch", "Michael Connelly", "title and series"),
        ("the crossing", "the border trilogy", "Cormac McCarthy", "title and series"),
    ]
    # the ratings follow: Lukyanenko's Night Watch has its readers' 5
    watch = query(
        real_warehouse,
        "select b.author, count(*) from ratings join books as b using (book_id) "
        "where b.title = 'Night Watch (Watch, #1)' group by all",
    )
    assert watch == [("Sergei Lukyanenko", 5)]
    # every title so matched went to a book whose own series note names its series
    disagree = query(
        real_warehouse,
        "select r.title, c.title from merge_rating_titles as r "
        "join merge_catalog_books as c using (book_key) where r.match_type = 'title and series' "
        "and series_note_name(r.title) is distinct from series_note_name(c.title)",
    )
    assert disagree == []
