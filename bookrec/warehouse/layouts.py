"""The public Goodreads file layouts bookrec reads, exactly as their sources distribute them.

Each layout names how its files are recognised, the raw table they land in (all columns text),
the columns a file must have, and the ones read when present. Columns not listed are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """One file layout: where its rows land and which columns matter."""

    name: str
    raw_table: str
    file_pattern: re.Pattern[str]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def matches(self, file_name: str) -> bool:
        return bool(self.file_pattern.fullmatch(file_name))


BEST_BOOKS_EVER = Layout(
    name="best_books_ever",
    raw_table="raw_best_books_ever",
    file_pattern=re.compile(r"books_1\.Best_Books_Ever\.csv", re.IGNORECASE),
    required=("bookId", "title", "author", "rating", "description", "genres", "numRatings"),
    optional=("series", "language", "isbn", "pages", "publisher", "firstPublishDate"),
    description='Kaggle "Best Books Ever" (books_1.Best_Books_Ever.csv)',
)

BOOK_SHARDS = Layout(
    name="book_shards",
    raw_table="raw_book_shards",
    # book1-100k.csv, book100k-200k.csv, ..., book4000k-5000k.csv
    file_pattern=re.compile(r"book\d+k?-\d+k\.csv", re.IGNORECASE),
    required=("Id", "Name", "Authors", "Rating"),
    optional=("RatingDistTotal", "pagesNumber", "ISBN", "Language", "PublishYear", "Description"),
    description='Kaggle "Goodreads Book Datasets With User Rating" book*.csv shards',
)

USER_RATINGS = Layout(
    name="user_ratings",
    raw_table="raw_user_ratings",
    file_pattern=re.compile(r"user_rating_\d+_to_\d+\.csv", re.IGNORECASE),
    required=("ID", "Name", "Rating"),
    description='Kaggle "Goodreads Book Datasets With User Rating" user_rating_*.csv',
)

BEST_BOOKS_10K = Layout(
    name="best_books_10k",
    raw_table="raw_best_books_10k",
    file_pattern=re.compile(r"goodreads_data\.csv", re.IGNORECASE),
    required=("Book", "Author", "Description", "Genres", "Avg_Rating", "Num_Ratings", "URL"),
    description='Kaggle "Best Books (10k) Multi-Genre Data" (goodreads_data.csv)',
)

GOODBOOKS_BOOKS = Layout(
    name="goodbooks_books",
    raw_table="raw_goodbooks_books",
    file_pattern=re.compile(r"books\.csv", re.IGNORECASE),
    required=("goodreads_book_id", "isbn", "authors", "title", "average_rating", "ratings_count"),
    # work_id / best_book_id: Goodreads' own work of each book and that work's best edition
    optional=("original_title", "language_code", "work_id", "best_book_id"),
    description="goodbooks-10k books.csv",
)

GOODBOOKS_DETAILS = Layout(
    name="goodbooks_details",
    raw_table="raw_goodbooks_details",
    file_pattern=re.compile(r"book_details\.csv", re.IGNORECASE),
    required=("isbn_10", "description"),
    optional=("num_pages",),
    description="goodbooks-10k extra/book_details.csv",
)

GOODBOOKS_GENRES = Layout(
    name="goodbooks_genres",
    raw_table="raw_goodbooks_genres",
    file_pattern=re.compile(r"genres\.csv", re.IGNORECASE),
    required=("isbn_10", "genre"),
    description="goodbooks-10k extra/genres.csv",
)

LAYOUTS: tuple[Layout, ...] = (
    BEST_BOOKS_EVER,
    BOOK_SHARDS,
    USER_RATINGS,
    BEST_BOOKS_10K,
    GOODBOOKS_BOOKS,
    GOODBOOKS_DETAILS,
    GOODBOOKS_GENRES,
)
LAYOUTS_BY_NAME = {layout.name: layout for layout in LAYOUTS}

# Text ratings of the user_rating files, as Goodreads shows them. The cleaning SQL has its own
# copy (sql/clean/00_rating_texts.sql); tests/test_prepare.py keeps the two equal.
RATING_TEXTS = {
    "it was amazing": 5,
    "really liked it": 4,
    "liked it": 3,
    "it was ok": 2,
    "did not like it": 1,
}
NO_RATING_TEXT = "This user doesn't have any rating"
