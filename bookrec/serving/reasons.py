"""Why a book is suggested and what happened to the reader's books, in the reader's words.

The page shows these lines as they are: one short reason per book ("Readers who loved “Dune”
also loved this", "Like “The Name of the Wind”: fantasy, magic"), naming at most two of the
reader's books (in quotes: "Like “It”"), and a status line without the model's vocabulary.
The Recommender writes them into every result (bookrec.serving.results:
Recommendation.reason_text, Recommendations.summary).
The numbers behind them (cosine similarities, the blend, the space) stay in `because`,
`because_text` (evidence_text), `message` and `space`, and in `bookrec recommend`'s table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bookrec.config import ListConfig
from bookrec.lists.candidates import reader_roles

if TYPE_CHECKING:  # the results call these functions for their text fields
    from bookrec.serving.results import Match, Reason, Recommendation, Recommendations

_DISLIKED_RATING = ListConfig().disliked_rating
_LIKED_RATING = ListConfig().liked_rating
MAX_NAMED = 2  # reader's books named in one reason
MAX_TITLE = 48  # characters of a named title before it is cut
MAX_GENRES = 2
# Shelves nearly every book carries say nothing about why this one fits.
VAGUE_GENRES = frozenset(
    {"fiction", "nonfiction", "audiobook", "books", "novels", "adult", "adult fiction",
     "literature", "kindle", "ebooks", "book club", "favorites", "to read", "owned", "default"}
)  # fmt: skip
# Goodreads' genre names and readers' shelf names as a sentence says them ("Like “Goodnight
# Moon”: classics, childrens" read as a typo); shelves come hyphenated ("young-adult")
GENRE_WORDS = {
    "childrens": "children's",
    "science fiction fantasy": "science fiction and fantasy",
    "mystery thriller": "mystery and thriller",
    "biography memoir": "biography and memoir",
    "ya": "young adult",
}
_SERIES_NOTE = re.compile(r"\s*\([^()]*#[^()]*\)\s*$")  # "Dune (Dune Chronicles, #1)"
# the series a title's note names: "(Discworld, #25; Industrial Revolution, #2)"
_NOTED_SERIES = re.compile(r"\(([^()]*#[^()]*)\)\s*$")

GenresOf = Callable[[int], Sequence[str]]

# Said above every answer from a warehouse of the synthetic demo catalog (warehouse_info), so a
# reader who types "The Hobbit" there learns why it is not found.
DEMO_CATALOG = (
    "Demo catalog: made-up books by made-up authors, for trying bookrec out. Real Goodreads "
    "books come once the warehouse is built from the Goodreads files."
)


@functools.lru_cache(maxsize=65536)  # the same reader's books are named again and again
def short_title(title: str) -> str:
    """A title as a reader says it: no series note, no subtitle, at most MAX_TITLE characters."""
    text = _SERIES_NOTE.sub("", title).strip() or title
    main, colon, _ = text.partition(": ")
    if colon and len(main) >= 3:
        text = main
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def named(title: str) -> str:
    """A reader's book named in a sentence: its short title in quotes, so "It" or two titles
    holding "and" ("Pride and Prejudice" and "Jane Eyre") read as titles."""
    return f"“{short_title(title)}”"


def named_reason(reason: Reason) -> str:
    """The book a reason rests on, named: with its author where it is not the reader's but
    stands in for a book of theirs by that author ("Ted Dekker's “Red”" for a reader of his
    "Blink", which nobody here read: "Readers who loved “Red”" named a book they never gave)."""
    if reason.stands_in_by:
        return f"{reason.stands_in_by}'s {named(reason.title)}"
    return named(reason.title)


def _names(reasons: Sequence[Reason]) -> str:
    titles: list[str] = []
    for r in reasons:
        title = named_reason(r)
        if title not in titles:
            titles.append(title)
    return " and ".join(titles[:MAX_NAMED])


def _shared_genres(book_id: int, other_id: int, genres_of: GenresOf | None) -> list[str]:
    if genres_of is None:
        return []
    theirs = {_genre_words(g) for g in genres_of(other_id)}
    chosen: list[str] = []
    for genre in (_genre_words(g) for g in genres_of(book_id)):
        # "historical" adds nothing after "historical fiction"
        if genre in theirs and genre not in VAGUE_GENRES and not any(genre in c for c in chosen):
            chosen.append(genre)
    return chosen[:MAX_GENRES]


def _genre_words(genre: str) -> str:
    """A genre or shelf as a sentence says it: "young-adult" and "Young Adult" are "young
    adult", "Childrens" is "children's" (GENRE_WORDS)."""
    words = " ".join(genre.lower().replace("-", " ").replace("_", " ").split())
    return GENRE_WORDS.get(words, words)


# The Goodreads average from which a book without other evidence is "widely loved"
WIDELY_LOVED_RATING = 4.0


def _popularity(item: Recommendation) -> str:
    """'4.3★ from 2.4M Goodreads readers; liked by 212 readers here': both halves of the
    list's popularity (bookrec.lists.popularity), the second where any reader here liked it."""
    n = item.num_ratings
    count = f"{n / 1e6:.1f}M" if n >= 1e6 else f"{round(n / 1e3)}k" if n >= 1e3 else str(n)
    text = f"{item.avg_rating:.1f}★ from {count} Goodreads readers"
    if item.liked_here:
        readers = "reader" if item.liked_here == 1 else "readers"
        text += f"; liked by {item.liked_here} {readers} here"
    return text


def _widely(item: Recommendation) -> str:
    """'Widely loved: 4.3★ from 2.4M Goodreads readers; ...': a book with nothing else to say
    is there for how it is read and liked ("loved" only where the crowd's average says so: 3.7
    stars from millions is "read")."""
    loved = item.avg_rating >= WIDELY_LOVED_RATING
    return f"Widely {'loved' if loved else 'read'}: {_popularity(item)}"


def _like(item: Recommendation, reason: Reason, genres_of: GenresOf | None) -> str:
    genres = _shared_genres(item.book_id, reason.book_id, genres_of)
    title = named_reason(reason)
    if genres:
        return f"Like {title}: {', '.join(genres)}"
    return f"Close in story and style to {title}"


def _series_name(title: str, key: str | None = None) -> str | None:
    """The series a title's note names ("Dune Chronicles"); where it names several, the one
    whose name is `key` (the works' series, bookrec.lists.works: "industrial revolution" for
    "The Truth (Discworld, #25; Industrial Revolution, #2)"), else the first."""
    found = _NOTED_SERIES.search(title)
    if not found:
        return None
    names = [part.split("#")[0].strip().rstrip(",").strip() for part in found.group(1).split(";")]
    names = [name for name in names if name]
    wanted = _squashed(key) if key else None
    return next((n for n in names if _squashed(n) == wanted), names[0] if names else None)


def _squashed(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold().removeprefix("the "))


def _next_in_series(
    item: Recommendation,
    reasons: Sequence[Reason],
    series_after: str | None = None,
    series_key: str | None = None,
) -> str:
    """'Next in The Kingkiller Chronicle after “The Name of the Wind”': after series_after (the
    reader's entry it follows) when known, else after a reason that is an entry of the same
    series (the evidence may name other books first), else without names. series_key: the
    works' name of the series (which of two a title names: _series_name)."""
    series = _series_name(item.title, series_key)
    if series_after:
        return _next_after(series or _series_name(series_after, series_key), series_after)
    earlier = [r for r in reasons if series and _series_name(r.title, series_key) == series]
    if earlier:
        return _next_after(series, earlier[0].title)
    return "Next in a series you liked"


def _next_after(series: str | None, after: str) -> str:
    """ "Next in Dune Chronicles after “Dune Messiah”"; the series left unnamed where its name
    is the title's ("Next in Ender's Shadow after “Ender's Shadow”" said it twice)."""
    if not series:
        return f"Next after {named(after)}"
    if series.casefold() == short_title(after).casefold():
        return f"Next after {named(after)} in its series"
    return f"Next in {series} after {named(after)}"


def reason_text(
    item: Recommendation,
    mode: str,
    genres_of: GenresOf | None = None,
    series_after: str | None = None,
    series_key: str | None = None,
) -> str:
    """One short sentence saying why `item` is suggested, naming at most two reader's books.

    Args:
        item: a recommendation with its `because` (the evidence the ranking kept).
        mode: the result's mode (personal, similar, baseline).
        genres_of: a book_id's Goodreads genres (most voted first), to say what two books
            share; None: the reason names the book without genres.
        series_after: the title of the reader's book a "next in series" item follows (None:
            found among the reasons, if there).
        series_key: the works' name of the series a "next in series" item is next in (its
            title may name two: "Next in Industrial Revolution", not Discworld).
    """
    reasons = list(item.because)
    if item.next_in_series:
        return _next_in_series(item, reasons, series_after, series_key)
    if not reasons:
        if mode == "baseline":
            return f"One of the best-rated books: {_popularity(item)}"
        return _widely(item)
    first = reasons[0]
    if first.kind == "author":  # by the author of a book the reader gave, nothing else to say
        if first.stands_in_by:  # not the reader's book: the author is what they gave
            return f"More by {item.author}"
        return f"More by {item.author}, author of {named(first.title)}"
    if first.kind == "co_read":  # read by most readers here of a book the reader gave
        share = round(100 * first.weight)
        return f"{share}% of the readers here who read {named_reason(first)} read it too"
    if first.kind == "corating":
        fellows = [r for r in reasons if r.kind == "corating"]
        return f"Readers who loved {_names(fellows)} also loved this"
    if first.kind == "genre":  # shares that book's genres, and nothing else to say
        genres = _shared_genres(item.book_id, first.book_id, genres_of)
        if genres:
            return f"Like {named_reason(first)}: {', '.join(genres)}"
        return _widely(item)  # only shelves that say nothing in common ("fiction")
    return _like(item, first, genres_of)


def evidence_text(because: Sequence[Reason]) -> str:
    """'close in content to A (text 0.71); readers of B read it too (co-rating 0.62)': the
    similarity each reason rests on, for tools and logs ('' when nothing stands out)."""
    parts = []
    for r in because:
        if r.kind == "corating":
            parts.append(f"readers of {r.title} read it too (co-rating {r.weight:.2f})")
        elif r.kind == "author":
            parts.append(f"by the author of {r.title}")
        elif r.kind == "co_read":
            parts.append(f"read by {r.weight:.0%} of the readers here of {r.title}")
        elif r.kind == "genre":
            parts.append(f"shares the genres of {r.title} (genres {r.weight:.2f})")
        else:
            parts.append(f"close in content to {r.title} (text {r.weight:.2f})")
    return "; ".join(parts)


def restates_the_reason(because: Sequence[Reason]) -> bool:
    """Whether the evidence says no more than the reason does: one reason by author, or by the
    share of the readers here who read the book too, whose book and number the reason names.
    (One by shared genres may read "Widely ..." where the shared ones say nothing: its
    evidence line is shown.)"""
    return len(because) == 1 and because[0].kind in ("author", "co_read")


def books_counted(n: int) -> str:
    """'1 book', '2 books'."""
    return f"{n} book" if n == 1 else f"{n} books"


def _little_known(result: Recommendations, books: int) -> str:
    """What to say when no listed book rests on closeness to the reader's books: nothing is
    known of those but their titles and authors (no description, no genres, no readers here
    who rated them), so the list is their series, their authors and well-loved books, or, where
    their authors wrote books that say more, books close to those (the reasons name them:
    ListRanker.books_read reads such a book with its author's most-read ones)."""
    if not result.items:
        return ""
    of = "it beyond its title and author" if books == 1 else "them beyond titles and authors"
    evidence = [r for item in result.items for r in item.because if r.kind != "author"]
    if not evidence:
        if _only_dislikes(result):
            # the blend's "for you" stars rest on those ratings alone: all of them low
            return (
                f"you rated no book above {_DISLIKED_RATING:g} stars, so there is nothing you "
                "liked to go on: these are well-loved books (their “for you” stars lean on your "
                "low ratings)"
            )
        if not _liked_any(result):  # a well-known book at 3 stars: known, but not liked
            return (
                f"you rated no book {_LIKED_RATING:g} stars or more, so there is little to go "
                "on: these are mostly well-loved books"
            )
        return f"little is known here of {of}, so these are mostly well-loved books"
    given = {m.book_id for m in result.matches if m.status == "matched"}
    if given and not any(r.book_id in given for r in evidence):
        whose = "its author's" if books == 1 else "their authors'"
        return f"little is known here of {of}, so these rest on {whose} best-known books"
    return ""


def _only_dislikes(result: Recommendations) -> bool:
    """Whether the reader rated books and every one at or below ListConfig.disliked_rating (a
    list without evidence is then one of well-loved books with nothing liked to go on, not a
    list on little knowledge: Twilight and New Moon at 1 star are well known)."""
    rated = _ratings_read(result)
    rated = rated[~np.isnan(rated)]
    return bool(len(rated) and rated.max() <= _DISLIKED_RATING)


def _liked_any(result: Recommendations) -> bool:
    """Whether any of the reader's books counts as liked, as the ranker counts it
    (candidates.reader_roles: rated high enough, or listed without a rating)."""
    liked, _ = reader_roles(_ratings_read(result), ListConfig())
    return bool(liked.any())


def _ratings_read(result: Recommendations) -> np.ndarray:
    """The ratings of the reader's books read as the list reads them (read_books), NaN where
    unrated."""
    books = read_books(result.matches)
    return np.array([np.nan if r is None else r for r in books.values()], np.float64)


def read_books(matches: Sequence[Match]) -> dict[int, float | None]:
    """The reader's matched books read (not to-read), by book_id: the mean of its ratings
    where a book is listed more than once (Dune at 5 and at 1 reads as one Dune at 3), None
    where it was never rated. What the list rests on (Recommender.recommend_matches) and what
    the line above it says of the ratings (Dune 4 + Dune 2 said "little is known here of it"
    where it was a 3) are read here alike."""
    rated, unrated = listed_ratings(matches)
    # plain sums: np.mean costs ~10 us a call, per listed book
    books: dict[int, float | None] = {b: sum(r) / len(r) for b, r in rated.items()}
    for b in unrated:
        books.setdefault(b, None)
    return books


def listed_ratings(matches: Sequence[Match]) -> tuple[dict[int, list[float]], list[int]]:
    """The reader's matched books read (not to-read): each rated book's ratings as listed (a
    book listed twice has two), and the books listed without a rating, in the order given."""
    rated: dict[int, list[float]] = {}
    unrated: list[int] = []
    for m in matches:
        if m.status != "matched" or m.book.wanted:
            continue
        if m.book.rating is None:
            unrated.append(m.book_id)
        else:
            rated.setdefault(m.book_id, []).append(m.book.rating)
    return rated, unrated


def _unsure(counts: Mapping[str, int]) -> int:
    """How many of the reader's books need a look: ambiguous, or read and not found (a book
    to read that is not in the catalog changes nothing)."""
    not_found = counts.get("not_found", 0) - counts.get("not_found_to_read", 0)
    return counts.get("ambiguous", 0) + not_found


def _unrated(result: Recommendations) -> int:
    """Books read and listed without stars (they steer the list too: they count as liked),
    as the list counts them (read_books: a book also listed with a rating is a rated one)."""
    return sum(r is None for r in read_books(result.matches).values())


def personal_warning(result: Recommendations) -> bool:
    """Whether a personal list's line (status_text) warns of something beyond the books it
    rests on: little known of them (or only dislikes, every "for you" star low), or books
    that need a look."""
    if result.mode != "personal":
        return False
    little = _little_known(result, result.history_size + _unrated(result))
    return bool(little) or _unsure(result.counts) > 0


def status_text(result: Recommendations, counts: Mapping[str, int] | None = None) -> str:
    """The page's line above the list: what the list rests on, in plain words."""
    counts = counts if counts is not None else result.counts
    listed = len(result.matches)
    unsure = _unsure(counts)
    need = "needs" if unsure == 1 else "need"  # "1 of your books needs", "2 ... need"
    check = f"; {unsure} of your books {need} a look (above)" if unsure else ""
    wanted = sum(m.status == "matched" and m.book.wanted for m in result.matches)
    if result.mode == "personal":
        rated = books_counted(result.history_size)
        unrated = _unrated(result)
        also = f" and {unrated} without stars" if unrated else ""
        apart = f" ({wanted} on your to-read shelves left out)" if wanted else ""
        little = _little_known(result, result.history_size + unrated)
        little = f"; {little}" if little else ""
        return f"Picked for you from the {rated} you rated{also}{apart}{little}{check}."
    if result.mode == "similar" and not listed:  # "more like this", a reader of unrated ids
        given = counts.get("given", 1)
        close = "Close to this book" if given == 1 else f"Close to these {given} books"
        little = _little_known(result, given)
        return f"{close}; {little}." if little else f"{close} and well rated."
    if result.mode == "similar":
        # the books it rests on: those found and read (a rated book not found for sure is
        # among those that need a look, not "without stars")
        found = sum(m.status == "matched" and not m.book.wanted for m in result.matches)
        if found == 1:
            yours = "The one book found has no stars" if unsure else "Your book has no stars"
        else:
            yours = f"None of your {found} books{' found' if unsure else ''} has stars"
        little = _little_known(result, max(found, 1))
        about = f"and {little}" if little else "so these are close to yours and well rated"
        return f"{yours} yet, {about}; rate a few for picks made for you{check}."
    if wanted:
        return (
            f"The {wanted} matched books are on your to-read or currently-reading shelf, so "
            "these are the best-rated books (yours left out); add books you have read for picks "
            f"made for you{check}."
        )
    if not listed:
        return "The best-rated books of the catalog."
    return (
        "None of your books were found in the catalog, so these are simply the best-rated "
        f"books, not picks for you{check}."
    )
