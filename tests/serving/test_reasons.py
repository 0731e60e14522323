"""The reasons and the status line the page shows, in a reader's words."""

from __future__ import annotations

from bookrec.config import ScorerConfig
from bookrec.serving.formatting import format_result
from bookrec.serving.matching import summarize
from bookrec.serving.reader_input import ReaderBook
from bookrec.serving.reasons import (
    evidence_text,
    reason_text,
    restates_the_reason,
    short_title,
    status_text,
)
from bookrec.serving.results import Match, Reason, Recommendation, Recommendations

GENRES = {
    1: ("Fantasy", "Fiction", "Magic", "Epic Fantasy"),
    2: ("Science Fiction", "Fiction"),
    10: ("Fiction", "Fantasy", "Magic", "Young Adult"),
}
WIND = "The Name of the Wind (The Kingkiller Chronicle, #1)"


def _reason(book_id: int, title: str, rating: float | None, weight: float, kind="text") -> Reason:
    return Reason(book_id=book_id, title=title, rating=rating, weight=weight, kind=kind)


def _item(*because: Reason, series: str | None = None) -> Recommendation:
    return Recommendation(
        book_id=10, title="A Wizard's Tale", author="Ann Vale", predicted_rating=4.1,
        avg_rating=4.2, num_ratings=123_456, because=because, next_in_series=series,
    )  # fmt: skip


def test_titles_lose_series_notes_and_subtitles() -> None:
    assert short_title(WIND) == "The Name of the Wind"
    assert short_title("Transition: Becoming Who I Was Always Meant to Be") == "Transition"
    assert short_title("Dune (30th anniversary)") == "Dune (30th anniversary)"
    assert len(short_title("A" * 200)) == 48


def test_each_kind_of_evidence_reads_as_one_short_sentence() -> None:
    corating = [_reason(2, "Dune", 5.0, 0.82, "corating"), _reason(1, WIND, 4.0, 0.7, "corating")]
    assert reason_text(_item(*corating), "personal") == (
        "Readers who loved “Dune” and “The Name of the Wind” also loved this"
    )
    text = _reason(1, WIND, 5.0, 0.61, "text")
    # vague shelves ("Fiction") are left out; at most two shared genres
    assert reason_text(_item(text), "personal", GENRES.get) == (
        "Like “The Name of the Wind”: fantasy, magic"
    )
    assert (
        reason_text(_item(text), "personal") == "Close in story and style to “The Name of the Wind”"
    )
    three = [_reason(b, t, 5.0, 0.8, "corating") for b, t in ((1, WIND), (2, "Dune"), (3, "Emma"))]
    assert reason_text(_item(*three), "personal") == (
        "Readers who loved “The Name of the Wind” and “Dune” also loved this"  # two books named
    )
    assert reason_text(_item(_reason(2, "Dune", None, 0.9)), "similar", GENRES.get) == (
        "Close in story and style to “Dune”"  # no shared genre beyond "Fiction"
    )
    fear = _item(
        _reason(2, "Dune (Dune, #1)", 5.0, 0.5, "corating"), text, series="next in series"
    ).model_copy(update={"title": "The Wise Man's Fear (The Kingkiller Chronicle, #2)"})
    assert reason_text(fear, "personal") == (
        "Next in The Kingkiller Chronicle after “The Name of the Wind”"  # not after Dune
    )
    assert reason_text(_item(text, series="next in series"), "personal") == (
        "Next in a series you liked"
    )
    by_author = _reason(3, "The Firm", 5.0, 1.0, "author")
    assert reason_text(_item(by_author), "personal") == "More by Ann Vale, author of “The Firm”"
    # read by most readers here of a book the reader gave, nothing else to say
    co_read = _reason(5, "The Hobbit (The Lord of the Rings, #0)", 5.0, 0.7895, "co_read")
    assert reason_text(_item(co_read), "personal") == (
        "79% of the readers here who read “The Hobbit” read it too"
    )
    # shares most of the genres of a book the reader gave, nothing else to say: those genres,
    # and where they share only shelves that say nothing ("Fiction"), how it is read
    genre = _reason(1, WIND, 5.0, 0.5, "genre")
    assert reason_text(_item(genre), "similar", GENRES.get) == (
        "Like “The Name of the Wind”: fantasy, magic"
    )
    vague = _reason(2, "Dune", None, 0.5, "genre")
    assert reason_text(_item(vague), "similar", GENRES.get).startswith("Widely loved: 4.2★")
    assert evidence_text([genre.model_copy(update={"title": "Dune"})]) == (
        "shares the genres of Dune (genres 0.50)"
    )
    # the table shows its evidence line: the reason may not name the book ("Widely ...")
    assert not restates_the_reason((genre,))
    # quoted, titles read as titles: "Like It: horror", "who loved Pride and Prejudice and
    # Jane Eyre" did not
    assert reason_text(_item(_reason(4, "It", 5.0, 0.6)), "personal") == (
        "Close in story and style to “It”"
    )
    austen = [_reason(5, "Pride and Prejudice", 5.0, 0.8, "corating")]
    austen.append(_reason(6, "Jane Eyre", 5.0, 0.7, "corating"))
    assert reason_text(_item(*austen), "personal") == (
        "Readers who loved “Pride and Prejudice” and “Jane Eyre” also loved this"
    )


def test_a_book_read_in_place_of_the_readers_is_named_with_its_author() -> None:
    """A reader of Ted Dekker's "Blink", which nobody here read, gets a list read through his
    best-known "Red": "Readers who loved “Red”" named a book they never gave."""
    red = Reason(
        book_id=7, title="Red: The Heroic Rescue (The Circle, #2)", rating=None, weight=0.45,
        kind="corating", stands_in_by="Ted Dekker",
    )  # fmt: skip
    assert reason_text(_item(red), "personal") == (
        "Readers who loved Ted Dekker's “Red” also loved this"
    )
    shared = red.model_copy(update={"kind": "co_read", "weight": 0.5})
    assert reason_text(_item(shared), "personal") == (
        "50% of the readers here who read Ted Dekker's “Red” read it too"
    )
    close = red.model_copy(update={"kind": "text", "weight": 0.6})
    assert reason_text(_item(close), "personal") == (
        "Close in story and style to Ted Dekker's “Red”"
    )
    # by the author of a book they gave: the author, not a title they did not give
    by = red.model_copy(update={"kind": "author", "weight": 1.0})
    assert reason_text(_item(by), "personal") == "More by Ann Vale"


def test_genres_read_as_words_a_sentence_says() -> None:
    """Goodreads' "Childrens" and a reader's shelf "young-adult" read "children's" and "young
    adult" ("Like “Goodnight Moon”: classics, childrens" read as a typo), and one genre spelled
    both ways is shared."""
    moon = _reason(7, "Goodnight Moon", None, 0.6, "genre")
    genres = {
        10: ("Childrens", "young-adult", "Classics"),
        7: ("Classics", "Young Adult", "childrens"),
    }
    assert reason_text(_item(moon), "similar", genres.get) == (
        "Like “Goodnight Moon”: children's, young adult"
    )


def test_next_in_series_names_the_readers_entry_it_follows() -> None:
    """The ranker says which of the reader's books an entry follows: named even when the
    evidence holds no entry of the series, or the series is spelled two ways."""
    children = _item(series="next in series").model_copy(
        update={"title": "Children of Dune (Dune Chronicles #3)"}
    )
    assert reason_text(children, "personal") == "Next in a series you liked"
    assert reason_text(children, "personal", series_after="Dune Messiah (Dune, #2)") == (
        "Next in Dune Chronicles after “Dune Messiah”"
    )
    prince = _item(series="next in series").model_copy(
        update={"title": "Harry Potter and the Half-Blood Prince (Harry Potter, #6)"}
    )
    boxed = "Harry Potter Boxed Set, Books 1-5 (Harry Potter, #1-5)"
    assert reason_text(prince, "personal", series_after=boxed) == (
        "Next in Harry Potter after “Harry Potter Boxed Set, Books 1-5”"
    )
    # a series named after its first book is not named twice
    hegemon = _item(series="next in series").model_copy(
        update={"title": "Shadow of the Hegemon (Ender's Shadow, #2)"}
    )
    assert reason_text(hegemon, "personal", series_after="Ender's Shadow (Ender's Shadow, #1)") == (
        "Next after “Ender's Shadow” in its series"
    )
    assert (
        reason_text(
            hegemon.model_copy(update={"title": "Shadow of the Hegemon"}),
            "personal",
            series_after="Ender's Shadow",
        )
        == "Next after “Ender's Shadow”"
    )
    # a title naming two series: the one the works read it in (was "Next in Discworld")
    regiment = _item(series="next in series").model_copy(
        update={"title": "Monstrous Regiment (Discworld, #31; Industrial Revolution, #3)"}
    )
    truth = "The Truth (Discworld, #25; Industrial Revolution, #2)"
    assert reason_text(
        regiment, "personal", series_after=truth, series_key="industrial revolution"
    ) == ("Next in Industrial Revolution after “The Truth”")
    assert reason_text(regiment, "personal", series_after=truth) == (
        "Next in Discworld after “The Truth”"
    )


def test_a_book_without_evidence_still_gets_a_reason() -> None:
    assert (
        reason_text(_item(), "baseline")
        == "One of the best-rated books: 4.2★ from 123k Goodreads readers"
    )
    assert reason_text(_item(), "personal").startswith("Widely loved: 4.2★")
    # a much-read book the crowd rates lower is not called loved (Lord of the Flies, 3.7)
    lower = _item().model_copy(update={"avg_rating": 3.7})
    assert reason_text(lower, "personal").startswith("Widely read: 3.7★")


def _result(mode: str, matches: list[Match], history: int) -> Recommendations:
    return Recommendations(
        mode=mode, message="blend alpha 0.5, raw space", matches=matches, items=[],
        space="raw", scorer=ScorerConfig(), history_size=history,
    )  # fmt: skip


def _match(book: ReaderBook, status: str, book_id: int | None = None) -> Match:
    return Match(book=book, status=status, book_id=book_id)


def test_status_line_says_what_the_list_rests_on_without_jargon() -> None:
    read = _match(ReaderBook("Dune", rating=5), "matched", book_id=2)
    shelf = _match(ReaderBook("Emma", shelf="to-read"), "matched", book_id=3)
    lost = _match(ReaderBook("Nope"), "not_found")
    text = status_text(_result("personal", [read, shelf, lost], 1), {"not_found": 1})
    assert text == (
        "Picked for you from the 1 book you rated (1 on your to-read shelves left out); "
        "1 of your books needs a look (above)."
    )
    two = status_text(_result("personal", [read, lost, lost], 1), {"not_found": 2})
    assert two.endswith("; 2 of your books need a look (above).")
    # a book read and listed without stars steers the list too, and the line says so
    plain = _match(ReaderBook("Emma"), "matched", book_id=3)
    assert status_text(_result("personal", [read, plain], 1), {}) == (
        "Picked for you from the 1 book you rated and 1 without stars."
    )
    assert "to-read" in status_text(_result("baseline", [shelf], 0), {})
    assert "not picks for you" in status_text(_result("baseline", [lost], 0), {"not_found": 1})
    # "more like this" lists no reader's books: it says what the list is, not "0 books"
    assert status_text(_result("similar", [], 0), {}) == "Close to this book and well rated."
    assert status_text(_result("similar", [], 0), {"given": 3}).startswith("Close to these 3")
    for line in (text, status_text(_result("similar", [shelf], 0), {})):
        assert "alpha" not in line and "space" not in line


def test_a_list_of_unrated_books_counts_the_books_found_only() -> None:
    """Rated books not found for sure need a look; the books found have no stars (the page
    said "None of your 9 books has stars" of 7 found and 2 rated ones not found)."""
    found = [_match(ReaderBook(t), "matched", book_id=i) for i, t in enumerate("ABC", start=1)]
    rated = _match(ReaderBook("The Hungr Gmes", rating=4), "not_found")
    unsure = _match(ReaderBook("Dune", author="Jane Austen", rating=2), "ambiguous")
    matches = [*found, rated, unsure]
    result = _result("similar", matches, 0)
    text = status_text(result, summarize(matches))
    assert text.startswith("None of your 3 books found has stars yet")
    assert text.endswith("; 2 of your books need a look (above).")
    one = status_text(_result("similar", [found[0], rated], 0), summarize([found[0], rated]))
    assert one.startswith("The one book found has no stars yet")
    assert status_text(_result("similar", found, 0), {}).startswith("None of your 3 books has")


def test_books_to_read_not_in_the_catalog_need_no_look() -> None:
    """A book on a to-read shelf that is not in the catalog changes nothing (it could not be
    suggested anyway): shown apart, not among the books that need a look (the shared export
    has 11 of them among its 75 not found)."""
    read = _match(ReaderBook("Dune", rating=5), "matched", book_id=2)
    lost = _match(ReaderBook("Nope", shelf="read", rating=4), "not_found")
    later = _match(ReaderBook("Someday", author="A. Writer", shelf="to-read"), "not_found")
    result = _result("personal", [read, lost, later], 1).model_copy(
        update={"counts": summarize([read, lost, later])}
    )
    assert result.counts["not_found"] == 2 and result.counts["not_found_to_read"] == 1
    assert status_text(result).endswith("; 1 of your books needs a look (above).")
    lines = format_result(result).splitlines()
    assert lines[0].endswith("2 not found (1 of them to read)")
    read_missing = lines.index("Not found in the catalog:")
    to_read = next(i for i, line in enumerate(lines) if line.startswith("To read, not in"))
    assert lines[read_missing + 1] == "  Nope (no author)"
    assert lines[to_read + 1] == "  Someday (A. Writer)"
    only_later = _result("personal", [read, later], 1).model_copy(
        update={"counts": summarize([read, later])}
    )
    assert "need a look" not in status_text(only_later)


def test_only_unrated_to_read_books_are_wanted() -> None:
    assert ReaderBook("Emma", shelf="to-read").wanted
    assert ReaderBook("Emma", shelf="Currently-Reading").wanted
    assert not ReaderBook("Emma", shelf="to-read", rating=4).wanted  # rated: read after all
    assert not ReaderBook("Emma", shelf="read").wanted and not ReaderBook("Emma").wanted


def test_the_evidence_keeps_its_numbers_for_tools() -> None:
    item = _item(_reason(2, "Dune", 5.0, 0.82, "corating"), _reason(1, WIND, 4.0, 0.71))
    assert (
        item.because_text
        == evidence_text(item.because)
        == (f"readers of Dune read it too (co-rating 0.82); close in content to {WIND} (text 0.71)")
    )
    assert _item().because_text == ""
    assert _item(_reason(3, "The Firm", 5.0, 1.0, "author")).because_text == (
        "by the author of The Firm"
    )
    assert _item(_reason(5, "The Hobbit", None, 0.474, "co_read")).because_text == (
        "read by 47% of the readers here of The Hobbit"
    )


def test_the_table_shows_the_evidence_only_where_it_adds_to_the_reason() -> None:
    """`bookrec recommend` prints each book's reason, then its evidence with the numbers; one
    reason by author or by co-readers has nothing more to say, so it is said once."""
    items = [
        _item(_reason(5, "The Hobbit", 5.0, 0.79, "co_read")),
        _item(_reason(3, "The Firm", 5.0, 1.0, "author")),
        _item(_reason(1, WIND, 4.0, 0.71), _reason(5, "The Hobbit", 5.0, 0.6, "co_read")),
    ]
    items = [
        i.model_copy(update={"rank": n, "reason_text": reason_text(i, "personal")})
        for n, i in enumerate(items, start=1)
    ]
    result = Recommendations(
        mode="personal", message="", items=tuple(items), space="raw", scorer=ScorerConfig(),
        history_size=2,
    )  # fmt: skip
    lines = format_result(result).splitlines()
    assert "79% of the readers here who read “The Hobbit” read it too" in lines[-6]
    assert "More by Ann Vale, author of “The Firm”" in lines[-4]
    # shortened to the table's 110 characters
    assert lines[-1].strip().startswith(f"close in content to {WIND} (text 0.71); read by 60%")
    assert not any(line.strip().startswith(("read by 79%", "by the author")) for line in lines)


def test_a_book_without_evidence_says_how_many_readers_here_liked_it() -> None:
    """Both halves of the list's popularity (bookrec.lists.popularity) are in the reason."""
    liked = _item().model_copy(update={"liked_here": 212})
    assert reason_text(liked, "personal") == (
        "Widely loved: 4.2★ from 123k Goodreads readers; liked by 212 readers here"
    )
    one = _item().model_copy(update={"avg_rating": 3.7, "liked_here": 1})
    assert reason_text(one, "baseline") == (
        "One of the best-rated books: 3.7★ from 123k Goodreads readers; liked by 1 reader here"
    )
    for nobody in (0, None):  # nobody here liked it, or the warehouse has no ratings
        quiet = _item().model_copy(update={"liked_here": nobody})
        assert reason_text(quiet, "personal").endswith("from 123k Goodreads readers")


def test_status_line_says_when_nothing_but_titles_is_known() -> None:
    """A reader who gives only books known by title and author alone (no description, no
    genres, nobody here rated them: 60% of the shared data's catalog) gets well-loved books
    beside the books' series and authors; the line says so instead of "close to yours"."""
    read = _match(ReaderBook("Knight", rating=5), "matched", book_id=2)
    plain = _match(ReaderBook("Knight"), "matched", book_id=2)
    blind = [_item(), _item(series="Unfinished Hero")]
    seen = [_item(), _item(_reason(2, "Knight", 5.0, 0.6, kind="corating"))]
    # more by its author is what is known of it: still its title and author alone
    blind.append(_item(_reason(2, "Knight", 5.0, 1.0, kind="author")))

    def line(mode, matches, history, items):
        result = _result(mode, matches, history).model_copy(update={"items": items})
        return status_text(result, {})

    assert line("personal", [read], 1, blind) == (
        "Picked for you from the 1 book you rated; little is known here of it beyond its "
        "title and author, so these are mostly well-loved books."
    )
    assert line("personal", [read], 1, seen) == "Picked for you from the 1 book you rated."
    assert line("similar", [plain, plain], 0, blind) == (
        "None of your 2 books has stars yet, and little is known here of them beyond titles "
        "and authors, so these are mostly well-loved books; rate a few for picks made for you."
    )
    assert "close to yours" in line("similar", [plain], 0, seen)
    # read with its author's best-known books, whose reasons name them, not the book given
    theirs = [_item(_reason(7, "The Lightning Thief", None, 0.6, kind="corating")), _item()]
    assert line("similar", [plain], 0, theirs) == (
        "Your book has no stars yet, and little is known here of it beyond its title and "
        "author, so these rest on its author's best-known books; rate a few for picks made for "
        "you."
    )
    # only dislikes: well known books, rated low; nothing liked to go on, well-loved books
    low = _match(ReaderBook("Knight", rating=1), "matched", book_id=2)
    plain = _match(ReaderBook("Squire"), "matched", book_id=3)
    assert line("personal", [low, plain], 1, blind) == (
        "Picked for you from the 1 book you rated and 1 without stars; you rated no book above "
        "2 stars, so there is nothing you liked to go on: these are well-loved books (their “for "
        "you” stars lean on your low ratings)."
    )
    # a well-known book at 3 stars is neither liked nor disliked: not "little is known of it"
    middling = _match(ReaderBook("Knight", rating=3), "matched", book_id=2)
    assert line("personal", [middling], 1, blind) == (
        "Picked for you from the 1 book you rated; you rated no book 4 stars or more, so there "
        "is little to go on: these are mostly well-loved books."
    )
    assert line("personal", [read], 1, [*theirs, *seen]) == (
        "Picked for you from the 1 book you rated."
    )
    # one book listed twice, at 4 and 2 stars, is read as one at 3 (as the list reads it): it
    # said "little is known here of it", reading a 4 as liked
    twice = [_match(ReaderBook("Knight", rating=r), "matched", book_id=2) for r in (4, 2)]
    assert line("personal", twice, 1, blind) == line("personal", [middling], 1, blind)
    # listed rated and unrated, one book: a rated one, not "1 rated and 1 without stars"
    again = _match(ReaderBook("Knight"), "matched", book_id=2)
    assert line("personal", [read, again], 1, seen) == "Picked for you from the 1 book you rated."


def test_the_table_says_what_the_page_says_when_the_list_rests_on_little() -> None:
    """`bookrec recommend` prints the page's line under its own where that line warns of
    something (here: only books rated 1-2, so every "for you" star is low), not where it only
    says which books the list rests on."""
    low = _match(ReaderBook("Twilight", rating=1), "matched", book_id=2)
    bare = _result("personal", [low], 1).model_copy(update={"items": [_item()]})
    lines = format_result(bare).splitlines()
    warning = "their “for you” stars lean on your low ratings"
    assert any(warning in line for line in lines)
    liked = _match(ReaderBook("Dune", rating=5), "matched", book_id=2)
    told = _item(_reason(2, "Dune", 5.0, 0.7))
    plain = _result("personal", [liked], 1).model_copy(update={"items": [told]})
    assert not any("Picked for you" in line for line in format_result(plain).splitlines())


def test_the_table_says_what_its_order_and_columns_mean() -> None:
    """The order is "will read and like", not the predicted rating beside each book (a list
    may put a widely read book at 3.6 before a closer one at 4.3): the table says so, except
    for the popular books shown when nothing matched."""
    liked = _match(ReaderBook("Dune", rating=5), "matched", book_id=2)
    personal = _result("personal", [liked], 1).model_copy(update={"items": [_item()]})
    legend = "Likeliest to be read and enjoyed first; pred: the rating you would likely give"
    assert any(line.startswith(legend) for line in format_result(personal).splitlines())
    popular = personal.model_copy(update={"mode": "baseline"})
    assert not any(line.startswith(legend) for line in format_result(popular).splitlines())
