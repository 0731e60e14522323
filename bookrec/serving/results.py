"""What bookrec answers, as typed results: one model per result, used end to end.

The library builds them (bookrec.serving.matching: Candidate, Match; bookrec.serving.recommender:
Reason, Recommendation, Recommendations), the JSON API returns them as they are (their schema is
the API's, at /docs), `bookrec recommend` formats them (bookrec.serving.formatting) and the
`recommend` flow returns them as JSON. Serialisation has one name, pydantic's:
`model_dump(mode="json")` for JSON-able data, `model_dump_json()` for the JSON text; the web
layer sends that text as it is (no second validation of the response).

The reader's words (reason_text, the summary) are in the result itself (bookrec.serving.reasons
writes them), so the page shows what the server wrote. The numbers behind them stay beside:
`because` (each reader's book and its cosine), `because_text`, `message`, `space`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer

from bookrec.config import ScorerConfig
from bookrec.serving import reasons
from bookrec.serving.reader_input import ReaderBook

Mode = Literal["personal", "similar", "baseline"]
MatchStatus = Literal["matched", "ambiguous", "not_found"]


class Result(BaseModel):
    """A part of an answer: immutable; serialised by its aliases (the API's field names)."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True)


class Reason(Result):
    """One of the reader's books behind a recommendation."""

    book_id: int
    title: str
    rating: float | None = Field(description="the reader's stars; null: listed without a rating")
    weight: float = Field(
        description="the cosine similarity the reason rests on (1 for kind author; for "
        "co_read the share of this book's readers here who read the recommendation; for "
        "genre the cosine of the two books' Goodreads genres)"
    )
    kind: Literal["text", "corating", "author", "co_read", "genre"] = Field(
        "text",
        description="text (close in content), corating (liked by the same readers), author "
        "(by the same author, and no closeness to tell), co_read (read by many of the "
        "readers here who read this book, and nothing else to tell) or genre (its Goodreads "
        "genres close to this book's, a cosine of at least 0.5, and nothing else to tell)",
    )
    stands_in_by: str | None = Field(
        None,
        description="set where the book is not one of the reader's: read in place of a book of "
        "theirs by this author that nothing here says much of (their best-known book); the "
        "reason names it with its author",
    )

    @field_serializer("weight")
    def _four_places(self, weight: float) -> float:
        return round(weight, 4)  # the JSON's precision; the object keeps the cosine


class Recommendation(Result):
    """One book to read next."""

    rank: int = Field(0, description="1 for the best; 0 before the list is ranked")
    book_id: int
    title: str
    author: str | None
    predicted_rating: float | None = Field(description="null outside the personal mode")
    avg_rating: float = Field(description="Goodreads average rating")
    num_ratings: int
    liked_here: int | None = Field(
        None,
        description="how many readers in the warehouse's ratings liked it, in any edition "
        "(rated it 4 or more: half of the list's popularity); null where the warehouse has no "
        "ratings",
    )
    because: tuple[Reason, ...] = ()
    next_in_series: str | None = Field(
        None, description="set when the book continues a series the reader has read"
    )
    reason_text: str = Field(
        "",
        description="one short reason in a reader's words, naming at most two of their books "
        "(what the page shows)",
    )

    @field_serializer("predicted_rating")
    def _three_places(self, predicted: float | None) -> float | None:
        return None if predicted is None else round(predicted, 3)  # the JSON's precision

    @computed_field(description="the evidence with its numbers (for tools and logs)")
    @property
    def because_text(self) -> str:
        """'close in content to A (text 0.71); readers of B read it too (co-rating 0.62)': the
        similarity each reason rests on, the same in every mode ('' when nothing stands out)."""
        return reasons.evidence_text(self.because)


class Candidate(Result):
    """A catalog book a listed book may be (an ambiguous match), with its Goodreads numbers so
    the reader can tell the candidates apart."""

    book_id: int
    title: str
    author: str | None
    score: float = Field(description="0..100, how close the title (and author) came")
    avg_rating: float | None = Field(None, description="Goodreads average rating")
    num_ratings: int | None = Field(None, description="how many Goodreads ratings it has")


class Match(Result):
    """What became of one listed book.

    status: "matched" (book_id set), "ambiguous" (candidates set) or "not_found".
    method: how it matched: picked, goodreads_id, isbn, exact, most_read, author_spelling,
        series_first, series_entry, series_title, main_title, fuzzy_author, fuzzy_title.
    score: 0..100, how sure (100 for ids and equal keys).
    note: why it was not matched, when there is more to say than "not found"; for a
        "most_read" match, the other books so titled.
    related_ids: catalog books that are this listed book too (never recommended; not sent).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    book: ReaderBook = Field(exclude=True)
    status: MatchStatus
    method: str | None = Field(
        None,
        description="picked, goodreads_id, isbn, exact, most_read, author_spelling, "
        "series_first, series_entry, series_title, main_title, fuzzy_author, ...",
    )
    score: float = 0.0
    book_id: int | None = None
    title: str | None = None
    author: str | None = None
    candidates: tuple[Candidate, ...] = Field((), description="the books it may be (ambiguous)")
    note: str | None = None
    related_ids: tuple[int, ...] = Field((), exclude=True, repr=False)

    @computed_field(description="title and author as the reader gave them")
    @property
    def input(self) -> dict[str, str | None]:
        return {"title": self.book.title, "author": self.book.author}

    @computed_field(description="the reader's stars; null: not rated")
    @property
    def rating(self) -> float | None:
        return self.book.rating

    @computed_field(description="where the book was listed (`book 3`, `row 12 of a file`)")
    @property
    def origin(self) -> str:
        return self.book.origin

    @computed_field(description="the Goodreads shelf the book came from")
    @property
    def shelf(self) -> str | None:
        return self.book.shelf

    @computed_field(
        description="on to-read / currently-reading and unrated: kept out of the history"
    )
    @property
    def wanted(self) -> bool:
        return self.book.wanted

    @computed_field(
        description="the did-not-finish shelf of a book the export left unrated (its rating "
        "then reads as 1 star); null otherwise"
    )
    @property
    def abandoned_on(self) -> str | None:
        return self.book.abandoned_on


class Recommendations(Result):
    """The answer for one reader: how their books matched, and what to read next."""

    mode: Mode
    message: str = Field(description="what the list rests on, with the model's settings")
    matches: tuple[Match, ...] = ()
    items: tuple[Recommendation, ...] = Field(alias="recommendations")
    space: str = Field(description="the embedding space: raw or trained")
    scorer: ScorerConfig = Field(description="the blend's settings behind predicted_rating")
    history_size: int = Field(description="rated books the list rests on")
    counts: dict[str, int] = Field(
        default_factory=dict, description="listed books by status and match method"
    )
    demo_catalog: bool = Field(
        False,
        description="the warehouse holds bookrec's synthetic demo catalog (made-up books and "
        "readers), not Goodreads data",
    )

    model_config = ConfigDict(validate_by_name=True)

    @computed_field(description="what the list rests on in a reader's words (the page's line)")
    @property
    def summary(self) -> str:
        return reasons.status_text(self)
