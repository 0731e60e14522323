"""The JSON API's request and response bodies (they also make the OpenAPI docs at /docs).

Requests forbid unknown fields, so a misspelt "rating" is a 422 naming it, not silently ignored.
Responses allow extra fields: what the Recommender's result objects add later reaches clients.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from bookrec.config import WebConfig

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
        default_factory=list, description="book ids never to suggest (the reader's books)"
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


class CandidateOut(_Response):
    book_id: int
    title: str
    author: str | None
    score: float
    avg_rating: float | None = Field(None, description="Goodreads average rating")
    num_ratings: int | None = Field(None, description="how many Goodreads ratings it has")


class MatchOut(_Response):
    input: dict[str, str | None] = Field(description="title and author as the reader gave them")
    rating: float | None
    status: Literal["matched", "ambiguous", "not_found"]
    method: str | None = Field(description="picked, goodreads_id, isbn, exact, main_title, ...")
    score: float
    book_id: int | None
    title: str | None
    author: str | None
    candidates: list[CandidateOut] = Field(description="the books an ambiguous entry may be")
    shelf: str | None = Field(None, description="the Goodreads shelf the book came from")
    wanted: bool = Field(
        False, description="on to-read / currently-reading and unrated: kept out of the history"
    )


class ReasonOut(_Response):
    book_id: int
    title: str
    rating: float | None
    weight: float = Field(description="the cosine similarity the reason rests on")
    kind: str = Field("text", description="text (close in content) or corating (same readers)")


class RecommendationOut(_Response):
    rank: int
    book_id: int
    title: str
    author: str | None
    predicted_rating: float | None = Field(description="null outside the personal mode")
    avg_rating: float = Field(description="Goodreads average rating")
    num_ratings: int
    because: list[ReasonOut]
    because_text: str = Field(description="the evidence with its numbers (for tools and logs)")
    reason_text: str = Field(
        description="one short reason in a reader's words, naming at most two of their books "
        "(what the page shows)"
    )
    next_in_series: str | None = Field(
        None, description="set when the book continues a series the reader has read"
    )


class RecommendOut(_Response):
    mode: Literal["personal", "similar", "baseline"]
    message: str = Field(description="what the list rests on, with the model's settings")
    summary: str = Field(description="the same in a reader's words (what the page shows)")
    counts: dict[str, int]
    matches: list[MatchOut]
    recommendations: list[RecommendationOut]


class SimilarOut(_Response):
    book: BookOut
    recommendations: list[RecommendationOut]


class ImportOut(_Response):
    counts: dict[str, int]
    matches: list[MatchOut]


class HealthOut(_Response):
    status: Literal["ok", "unavailable"]
    warehouse: str
    books: int | None = None
    candidates: int | None = None
    space: str | None = None
    error: str | None = None


class ErrorOut(BaseModel):
    error: str = Field(description="what was wrong, in one sentence, with the fix")
    detail: list[dict] | None = Field(None, description="each invalid field (422 only)")
