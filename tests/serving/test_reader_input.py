"""Reading a reader's books: --book options, plain CSVs, the Goodreads library export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bookrec.errors import DataError
from bookrec.serving.reader_input import (
    gather_reader_books,
    parse_book_option,
    read_books_csv,
    read_goodreads_export,
)
from tests.conftest import FIXTURES

EXPORT = FIXTURES / "goodreads_export" / "goodreads_library_export.csv"


@pytest.mark.parametrize(
    ("text", "title", "author", "rating"),
    [
        ("Dune", "Dune", None, None),
        ("Dune|Frank Herbert", "Dune", "Frank Herbert", None),
        ("Dune||5", "Dune", None, 5.0),
        (" Dune | Frank Herbert | 4 ", "Dune", "Frank Herbert", 4.0),
        ("Dune|Frank Herbert|3.5", "Dune", "Frank Herbert", 3.5),
        # ratings as readers also write them, and as Goodreads words them
        ("Dune||4 stars", "Dune", None, 4.0),
        ("Dune||1 star", "Dune", None, 1.0),
        ("Dune||4.5/5", "Dune", None, 4.5),
        ("Dune||★★★★☆", "Dune", None, 4.0),
        ("Dune||5★", "Dune", None, 5.0),
        ("Dune||***", "Dune", None, 3.0),
        ("Dune||Really liked it", "Dune", None, 4.0),
        ("Dune||it was amazing", "Dune", None, 5.0),
        # a decimal comma, as a spreadsheet in most of Europe saves 4.5
        ("Dune||4,5", "Dune", None, 4.5),
        ("Dune||3,5 stars", "Dune", None, 3.5),
        # two fields, the second a rating: the author left out ("The Hobbit|5" was a book by
        # an author named "5"); a number off 1-5 stays an author
        ("The Hobbit|5", "The Hobbit", None, 5.0),
        ("Dune|4 stars", "Dune", None, 4.0),
        ("Dune|★★★", "Dune", None, 3.0),
        ("Animal Farm|1984", "Animal Farm", "1984", None),
        # no "|": stars after a comma, semicolon or dash (the 5 of "Dune, Frank Herbert, 5"
        # was lost and the book not found); the title keeps its author for the matcher
        ("Dune, Frank Herbert, 5", "Dune, Frank Herbert", None, 5.0),
        ("Dune - Frank Herbert - 5", "Dune - Frank Herbert", None, 5.0),
        ("Dune; 4 stars", "Dune", None, 4.0),
        ("Me Before You — 4.5", "Me Before You", None, 4.5),
        ("Dune by Frank Herbert, 5", "Dune by Frank Herbert", None, 5.0),
        ("Dune, 4,5", "Dune", None, 4.5),  # a decimal comma
        ("Dune, 4/5", "Dune", None, 4.0),
        # ... a bare number after a title alone stays in it: a series entry's ("Harry Potter,
        # 3" is the third book), the title's own ("Vernon Subutex, 2"), or a thousand
        ("Harry Potter - 3", "Harry Potter - 3", None, None),
        ("Harry Potter, 3", "Harry Potter, 3", None, None),
        ("Vernon Subutex, 2", "Vernon Subutex, 2", None, None),
        ("One Thousand and One Nights, 1,001", "One Thousand and One Nights, 1,001", None, None),
        ("Turned $100,000 into $100,000,000", "Turned $100,000 into $100,000,000", None, None),
        ("Love, Rosie", "Love, Rosie", None, None),
        ("Catch - 22", "Catch - 22", None, None),
    ],
)
def test_book_option_fields_are_optional(text, title, author, rating) -> None:
    book = parse_book_option(text)
    assert (book.title, book.author, book.rating) == (title, author, rating)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dune|Frank Herbert|6", "outside 1 to 5 stars"),
        ("Dune|Frank Herbert|0", "outside 1 to 5 stars"),
        ("Dune|Frank Herbert|great", "not a rating"),
        ("Dune|Frank Herbert|8/10", "not a rating"),
        ("Dune|Frank Herbert|0 stars", "outside 1 to 5 stars"),
        ("Dune|Frank Herbert|4,5,6", "not a rating"),
        ("Dune|Frank Herbert|4,", "not a rating"),
        ("|Frank Herbert|4", "no title"),
        ("Dune|6", "outside 1 to 5 stars"),  # a rating off the stars, not an author "6"
        ("Dune|0", "outside 1 to 5 stars; leave it out for a book you have not rated"),
        ("Dune|Frank Herbert|4|extra", "4 fields"),
    ],
)
def test_bad_book_options_say_what_is_wrong(text, message) -> None:
    with pytest.raises(DataError, match=message):
        parse_book_option(text)


def test_export_fixture_reads_ratings_shelves_and_ids() -> None:
    books = read_goodreads_export(EXPORT)
    assert len(books) == 6
    by_title = {b.title: b for b in books}
    dragon = by_title["The Dragon Gate (Gate Cycle #1)"]
    assert (dragon.author, dragon.rating, dragon.shelf) == ("Ann Vale", 5.0, "read")
    assert dragon.goodreads_id == 5001
    assert dragon.isbns == ("0441172717", "9780441172719")  # ="..." formulas unwrapped
    wizard = by_title["The Last Wizard"]
    assert wizard.rating is None and wizard.shelf == "to-read"  # My Rating 0 = not rated
    assert by_title["The Elf Road"].isbns == ()
    assert "line 2" in dragon.origin


def test_csv_with_the_export_header_is_read_as_an_export() -> None:
    assert read_books_csv(EXPORT) == read_goodreads_export(EXPORT)


def test_plain_csv_headers_are_case_insensitive_and_rating_optional(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        'Title,AUTHOR,Rating\nDune,Frank Herbert,5\nEmma,,\n,,\n"Gone Girl",Gillian Flynn,2\n'
        "Persuasion,Jane Austen,0\nEmma,Jane Austen,0.00\n",  # 0: unrated, as on Goodreads
        encoding="utf-8",
    )
    books = read_books_csv(path)
    assert [(b.title, b.author, b.rating) for b in books] == [
        ("Dune", "Frank Herbert", 5.0),
        ("Emma", None, None),
        ("Gone Girl", "Gillian Flynn", 2.0),
        ("Persuasion", "Jane Austen", None),
        ("Emma", "Jane Austen", None),
    ]
    only_titles = tmp_path / "titles.csv"
    only_titles.write_text("title\nDune\n", encoding="utf-8")
    assert read_books_csv(only_titles)[0].author is None
    # a rating column headed as readers head it (a "Stars" column was dropped without a word),
    # with a decimal comma as a European spreadsheet saves it
    for heading in ("Stars", "My Rating", "Score", "Your rating", "my_rating"):
        path.write_text(f"Title;Author;{heading}\nDune;Frank Herbert;4,5\n", encoding="utf-8")
        assert read_books_csv(path)[0].rating == 4.5, heading
    # headings compared by their letters: "Rating (1-5)" and an author headed "Writer" were
    # read as no rating and no author, every book unrated without a word
    path.write_text("Book Title,Writer,Rating (1-5)\nDune,Frank Herbert,5\n", encoding="utf-8")
    assert [(b.title, b.author, b.rating) for b in read_books_csv(path)] == [
        ("Dune", "Frank Herbert", 5.0)
    ]


def test_a_column_of_ratings_under_another_heading_is_named(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    # read as no rating at all, "ratings" left Gone Girl (1 star) a book the reader liked
    for heading in ("ratings", "Overall rating", "Rating (out of 10)"):
        path.write_text(f"title,author,{heading}\nDune,Frank Herbert,5\nGone Girl,,1\n")
        with pytest.raises(DataError, match=f"the column '{re.escape(heading)}' looks like"):
            read_books_csv(path)
    # a count of Goodreads ratings is no rating; a column headed "Author" exactly is the
    # author, before one whose letters read so ("Author 2")
    path.write_text("Title,Author 2,Author,Ratings\nDune,Brian Herbert,Frank Herbert,1234567\n")
    assert [(b.author, b.rating) for b in read_books_csv(path)] == [("Frank Herbert", None)]
    # Goodreads' average is no rating of the reader's
    path.write_text("title,author,Average Rating\nDune,Frank Herbert,4.28\n", encoding="utf-8")
    with pytest.raises(DataError, match="'Average Rating' looks like ratings"):
        read_books_csv(path)
    # other columns are no ratings: a year, a grade that is no number of stars
    path.write_text("title,author,year,grade\nDune,Frank Herbert,1965,A\n", encoding="utf-8")
    assert read_books_csv(path)[0].rating is None


@pytest.mark.parametrize(
    "data",
    [
        "title;author;rating\nLes Misérables;Victor Hugo;5\nDune;;\n".encode(),
        "title\tauthor\trating\r\nLes Misérables\tVictor Hugo\t5\r\nDune\t\t\r\n".encode(),
        "\ufefftitle;author;rating\nLes Misérables;Victor Hugo;5\nDune;;\n".encode(),
        "title,author,rating\nLes Misérables,Victor Hugo,5\nDune,,\n".encode("cp1252"),
        "title\tauthor\trating\nLes Misérables\tVictor Hugo\t5\nDune\t\t\n".encode("utf-16"),
    ],
    ids=["semicolons", "tabs", "utf-8 with a mark", "windows-1252", "utf-16 (Excel)"],
)
def test_csv_files_as_spreadsheets_save_them(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "mine.csv"
    path.write_bytes(data)
    books = read_books_csv(path)
    assert [(b.title, b.author, b.rating) for b in books] == [
        ("Les Misérables", "Victor Hugo", 5.0),
        ("Dune", None, None),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,author\nDune,Frank Herbert\n", "no 'title' column"),
        ("title,author,rating\nDune,Frank Herbert,9\n", r"mine\.csv line 2: rating '9'"),
        ("title,rating\nDune,5,extra\n", "more fields than the header"),
        # an unquoted comma in a title: the message says how to write it
        (
            "title,author,rating\nThe Lion, the Witch and the Wardrobe,C.S. Lewis,4\n",
            "line 2: more fields than the header has; a title or author holding a comma needs "
            "quotes",
        ),
        ("", "empty file"),
        # not one "book" made of every line after the quote
        (
            'title,author,rating\nEmma,Jane Austen,4\n"Dune,Frank Herbert,5\nIt,King,3\n',
            r"mine\.csv line 3: a quote \(\"\) opens a field that is never closed",
        ),
        (  # after a stray quote the lenient reader reads on
            'title,author,rating\n"Dune" Messiah,Herbert,4\n"Emma,Austen,3\nBeloved,Morrison,5\n',
            r"mine\.csv line 3: a quote \(\"\) opens a field that is never closed",
        ),
    ],
)
def test_bad_csv_files_raise_data_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_books_csv(path)


def test_unreadable_files_raise_data_error(tmp_path: Path) -> None:
    binary = tmp_path / "export.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01\x89PNG\x00\x00")
    with pytest.raises(DataError, match="UTF-8|text"):
        read_goodreads_export(binary)
    with pytest.raises(DataError, match="no such file"):
        read_books_csv(tmp_path / "missing.csv")
    # a spreadsheet's own format (an .xlsx is a zip: PK, then NUL bytes) says how to save it
    sheet = tmp_path / "books.xlsx"
    sheet.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40)
    with pytest.raises(DataError, match=r"not a text CSV file; .*save it as CSV"):
        read_books_csv(sheet)


def test_export_missing_columns_and_bad_ratings(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("title,author,rating\nDune,Frank Herbert,5\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column.*My Rating"):
        read_goodreads_export(plain)
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad_export.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace(",5,4.10,", ",7,4.10,")]) + "\n")
    with pytest.raises(DataError, match="line 2: rating '7' is outside 1 to 5 stars"):
        read_goodreads_export(bad)


def test_a_whole_export_is_no_export_cut_short(tmp_path: Path) -> None:
    """A column named twice is one key of a row, and a line of blanks at the end no row."""
    whole = tmp_path / "whole.csv"
    whole.write_text(
        "Title,Author,My Rating,Exclusive Shelf,Notes,Notes\nDune,Herbert,4,read,a,b\n \n",
        encoding="utf-8",
    )
    assert [(b.title, b.rating) for b in read_goodreads_export(whole)] == [("Dune", 4.0)]


def test_an_export_cut_short_is_refused_not_read_as_half_a_book(tmp_path: Path) -> None:
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.csv"
    last = lines[3]
    cut.write_text("\n".join([*lines[:3], last[: last.index(",", 40)]]), encoding="utf-8")
    with pytest.raises(DataError, match=r"cut\.csv line 4: the row stops after \d+ of \d+ fields"):
        read_goodreads_export(cut)


def test_gather_joins_sources_and_refuses_nothing(tmp_path: Path) -> None:
    books = gather_reader_books(["Dune|Frank Herbert|5"], None, EXPORT)
    assert len(books) == 7 and books[0].title == "Dune"
    with pytest.raises(DataError, match="no books given"):
        gather_reader_books([], None, None)
    header_only = tmp_path / "mine.csv"
    header_only.write_text("title,author,rating\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"mine\.csv: a header but no books"):
        gather_reader_books([], header_only, None)


def test_an_unrated_book_on_a_did_not_finish_shelf_reads_as_one_star(tmp_path: Path) -> None:
    """Goodreads readers shelve books they gave up on ("dnf", "did-not-finish"), exclusive or
    not, and often leave them unrated: such a book is a dislike, not the "liked" an unrated
    book otherwise counts as. A rating given stands; "unfinished-series" is no such shelf."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Book Id,Title,Author,My Rating,Exclusive Shelf,Bookshelves\n"
        "1,Gave Up,A. Writer,0,did-not-finish,did-not-finish\n"
        '2,Tagged,A. Writer,0,read,"fantasy, DNF 2023"\n'
        "3,Rated Anyway,A. Writer,3,read,dnf\n"
        "4,Series Pending,A. Writer,0,read,unfinished-series\n"
        "5,Wanted,A. Writer,0,to-read,to-read\n",
        encoding="utf-8",
    )
    books = {b.title: b for b in read_goodreads_export(path)}
    assert (books["Gave Up"].rating, books["Gave Up"].abandoned_on) == (1.0, "did-not-finish")
    assert (books["Tagged"].rating, books["Tagged"].abandoned_on) == (1.0, "DNF 2023")
    assert (books["Rated Anyway"].rating, books["Rated Anyway"].abandoned_on) == (3.0, None)
    assert books["Series Pending"].rating is None and books["Series Pending"].abandoned_on is None
    assert books["Wanted"].wanted and books["Wanted"].abandoned_on is None
