"""The JSON API's request and response bodies (they also make the OpenAPI docs at /docs).

Requests forbid unknown fields, so a misspelt "rating" is a 422 naming it, not silently ignored.
A recommendation, its reasons and a match are the library's own results
(bookrec.serving.results); the bodies here only wrap them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from bookrec.config import WebConfig
from bookrec.serving.results import Match, Recommendation, Recommendations

_LIMITS = WebConfig()

# Every id of a request body: an id past BIGINT would overflow numpy and DuckDB (a 500), so
# it is refused here (422). Strict: `true` is not 1, "5" is not 5. (A Field's own ge/le on an
# Int64 field would replace these bounds, so top_n, bounded tighter, is a strict int.)
Int64 = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63 - 1)]
# A rating is a number of stars; strict refuses `true` (which lax parsing reads as 1 star).
Stars = Annotated[float, Strict(), Field(ge=1, le=5)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class BookIn(_Request):
    """A book of the reader's list: `book_id` from /api/books, or a title to match."""

    book_id: Int64 | None = Field(None, description="catalog id from GET /api/books")
    title: str | None = Field(None, min_length=1, max_length=500)
    author: str | None = Field(None, max_length=300)
    rating: Stars | None = Field(None, description="1..5 stars; null: not rated")
    shelf: str | None = Field(
        None,
        max_length=100,
        description="the Goodreads shelf; an unrated book on `to-read` or `currently-reading` "
        "is never suggested and no part of the history",
    )

    @model_validator(mode="after")
    def _needs_id_or_title(self) -> BookIn:
        if self.book_id is None and not (self.title and self.title.strip()):
            raise ValueError("give a book_id or a title")
        return self


class RecommendIn(_Request):
    books: list[BookIn] = Field(
        min_length=1,
        description=f"the reader's books (at most {_LIMITS.max_books}; more is refused)",
    )
    top_n: int = Field(
        10, ge=1, le=_LIMITS.max_top_n, strict=True, description="how many books to suggest"
    )


class SimilarIn(_Request):
    book_id: Int64 = Field(description="the book to find more like")
    exclude: list[Int64] = Field(
        default_factory=list,
        description="the reader's books: never suggested, nor their other editions, "
        "collections, adaptations or companions",
    )
    top_n: int = Field(10, ge=1, le=_LIMITS.max_top_n, strict=True)


class BookOut(_Response):
    book_id: int
    title: str
    author: str | None
    avg_rating: float | None = Field(description="Goodreads average rating")
    num_ratings: int | None


class SearchOut(_Response):
    query: str
    books: list[BookOut]


# The answers are the library's results (bookrec.serving.results), one model each.
RecommendOut = Recommendations


class SimilarOut(_Response):
    book: BookOut
    recommendations: tuple[Recommendation, ...]
    demo_catalog: bool = Field(
        False, description="the books are bookrec's synthetic demo catalog, not Goodreads data"
    )


class ImportOut(_Response):
    counts: dict[str, int]
    matches: tuple[Match, ...]


class HealthOut(_Response):
    status: Literal["ok", "unavailable"]
    warehouse: str
    books: int | None = None
    candidates: int | None = None
    space: str | None = None
    demo_catalog: bool | None = Field(
        None, description="the books are bookrec's synthetic demo catalog, not Goodreads data"
    )
    error: str | None = None


class ErrorOut(BaseModel):
    error: str = Field(description="what was wrong, in one sentence, with the fix")
    detail: list[dict] | None = Field(None, description="each invalid field (422 only)")
