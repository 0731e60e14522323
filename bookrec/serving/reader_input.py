"""A reader's books, from the command line, a small CSV, or a Goodreads library export.

Three ways in, one result: a list of ReaderBook (title, optional author, optional rating 1..5).
- `--book "Title|Author|Rating"` options (author and rating optional: "Dune", "Dune|Frank Herbert",
  "Dune||5" and "Dune|Frank Herbert|5" all work);
- a CSV with a `title` column and optional `author` and `rating` (or `My Rating`) columns
  (header names are case insensitive; an empty rating means "listed, not rated");
- the library export every Goodreads user can download ("Import and export"): columns `Title`,
  `Author`, `My Rating` (0 = not rated), `Exclusive Shelf`, plus `Book Id` and the ISBNs written as
  `="0439023483"`, which help matching. An unrated book on a did-not-finish shelf (exclusive or
  in `Bookshelves`: "dnf", "did-not-finish", "abandoned", ...) reads as 1 star. A CSV given as
  --csv, or uploaded on the page, that has the export's header is read as an export.

Files are read as spreadsheets save them: commas, semicolons or tabs between fields (the
header line says which), UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's
"Unicode Text"), or Windows-1252 where the bytes are not UTF-8 (Excel's plain "CSV" on Windows).

Every mistake a reader can make (a rating off 1..5, an empty list, a file that is missing, not
text, or lacks a needed column) raises DataError naming the place and the fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import math
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bookrec.errors import DataError, quote, shorten
from bookrec.warehouse.layouts import RATING_TEXTS

log = logging.getLogger(__name__)

EXPORT_COLUMNS = ("Title", "Author", "My Rating", "Exclusive Shelf")
# Shelves of books the reader has not read (yet): never part of their history, never suggested.
WANT_SHELVES = frozenset({"to-read", "currently-reading"})
# Shelves readers make for books they gave up on ("dnf", "did-not-finish", "abandoned"), as
# letters and digits only; "dnf" also starts a name ("dnf-2023"). Not "unfinished": readers
# shelve series they have not finished reading so.
ABANDONED_SHELVES = frozenset(
    {
        "dnf", "didnotfinish", "didntfinish", "abandoned", "gaveup", "givenup", "notfinished",
        "couldnotfinish", "couldntfinish", "neverfinished",
    }
)  # fmt: skip
# A book given up on and left unrated reads as Goodreads' 1 star, "did not like it": a dislike,
# not the "liked" an unrated book otherwise counts as.
ABANDONED_RATING = 1.0
# The Goodreads export quotes ISBNs as spreadsheet formulas so leading zeros survive: ="0439023483".
_ISBN_FORMULA = re.compile(r'^="?([0-9Xx]*)"?$')
# A Book Id is ASCII digits that fit a BIGINT; anything else ("²", which str.isdigit accepts,
# or 30 digits) is treated as no id rather than failing the whole export.
_BOOK_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ReaderBook:
    """One book the reader listed.

    title: as the reader wrote it.
    author: None when not given.
    rating: 1..5, or None for a listed but unrated book (a to-read shelf, a plain title).
    origin: where it came from, for messages ("--book 2", "library.csv line 14").
    shelf: the export's Exclusive Shelf (read, to-read, ...), else None.
    goodreads_id: the export's Book Id, else None.
    isbns: ISBN-10 / ISBN-13 from the export (digits only), possibly empty.
    abandoned_on: the export's did-not-finish shelf (ABANDONED_SHELVES) of a book it left
        unrated, whose rating then reads as ABANDONED_RATING; else None.
    """

    title: str
    author: str | None = None
    rating: float | None = None
    origin: str = ""
    shelf: str | None = None
    goodreads_id: int | None = None
    isbns: tuple[str, ...] = ()
    abandoned_on: str | None = None

    @property
    def wanted(self) -> bool:
        """On a to-read or currently-reading shelf and unrated: a book the reader has not read,
        so it is kept apart from their history and never suggested back."""
        return self.rating is None and (self.shelf or "").strip().lower() in WANT_SHELVES

    def label(self) -> str:
        """'Title' or 'Title (Author)', for messages and tables."""
        return f"{self.title} ({self.author})" if self.author else self.title


def parse_rating(text: str | float | int | None, origin: str) -> float | None:
    """A rating 1..5 from text: a number (with a decimal point or comma), or as readers also
    write one ("4 stars", "4/5", "★★★★☆", "4★") or as Goodreads words it ("really liked it":
    4); empty or None means not rated.

    Raises:
        DataError: not a rating, or outside 1..5.
    """
    if text is None:
        return None
    if isinstance(text, str):
        text = text.strip()
        if not text:
            return None
    value = _rating_value(text)
    if value is None:
        raise DataError(
            f"{origin}: rating {quote(text)} is not a rating; use 1 to 5 (or words like "
            '"4 stars" or "really liked it")'
        )
    if math.isnan(value) or not 1.0 <= value <= 5.0:
        unrated = "; leave it out for a book you have not rated" if value == 0 else ""
        raise DataError(f"{origin}: rating {quote(text)} is outside 1 to 5 stars{unrated}")
    return value


# "4 stars", "4.5 star", "4/5", "4★", "4 *"; "4,5" too: the decimal comma that spreadsheets
# save in most of Europe (the semicolon-separated files read_books_csv takes)
_STARS_WRITTEN = re.compile(
    r"^(?P<n>[0-9]+(?:[.,][0-9]+)?)\s*(?:stars?|★|\*|/\s*5)?$", re.IGNORECASE
)


def _rating_value(text: str | float | int) -> float | None:
    """The number of stars a rating field says, in range or not; None: not a rating."""
    try:
        return float(text)
    except ValueError:
        return _written_rating(text)


def _written_rating(text: str) -> float | None:
    """The stars of a rating written in words or symbols (parse_rating), else None."""
    words = " ".join(text.lower().split())
    if words in RATING_TEXTS:
        return float(RATING_TEXTS[words])
    if set(text) <= {"★", "☆"} or set(text) <= {"*"}:  # "★★★★☆", "****": the filled ones
        return float(text.count("★") + text.count("*"))
    found = _STARS_WRITTEN.match(text)
    return float(found["n"].replace(",", ".")) if found else None


def _stars_only(text: str) -> bool:
    """Whether a field holds only a rating ("5", "4.5", "4 stars", "★★★★"; "0" and "6" too,
    which parse_rating then refuses as off the stars): no author is named so. A number past
    10 is no rating anyone meant ("Animal Farm|1984")."""
    value = _rating_value(text)
    return value is not None and 0.0 <= value <= 10.0


# A rating typed after the title (and its author) where no "|" splits the fields: after ", ",
# "; " or a spaced dash, as stars alone: a digit, a decimal one ("4.5", "4,5"), "4 stars",
# "4/5", "★★★★☆". The title before it may hold its author: matching reads "Dune, Frank
# Herbert" as it reads "Dune by Frank Herbert".
_RATING_AFTER_TITLE = re.compile(
    r"^(?P<title>.+?)\s*(?:[,;]\s+|\s[-–—]\s*)"
    r"(?P<rating>[0-9](?:[.,][0-9])?(?:\s*(?:stars?|★|/\s*5))?|[★☆]+)$",
    re.IGNORECASE,
)
# What splits a title from its author in one text ("Dune, Frank Herbert", "Dune - Frank
# Herbert", "Dune by Frank Herbert")
_AUTHOR_SPLIT = re.compile(r"[,;]\s|\s[-–—]\s|\sby\s", re.IGNORECASE)


def _rating_after_title(text: str) -> tuple[str, str] | None:
    """(title, rating) of a --book typed "Dune, Frank Herbert, 5", "Dune - 4 stars" or
    "Dune; 4.5" (None: no rating there). A bare whole number counts only after an author
    ("Dune, Frank Herbert, 5"): after a title alone it may be the series entry's ("Harry
    Potter, 3", "Harry Potter - 3": the third book) or the title's own ("Vernon Subutex, 2"),
    and stays in the title."""
    typed = _RATING_AFTER_TITLE.match(text)
    if typed is None:
        return None
    title, rating = typed["title"].strip(), typed["rating"].strip()
    if rating.isdigit() and not _AUTHOR_SPLIT.search(title):
        return None
    return title, rating


def parse_book_option(text: str, origin: str = "--book") -> ReaderBook:
    """One `--book "Title|Author|Rating"` value (author and rating optional; "Title|5" is a
    title and its rating; without "|", stars after a comma or dash are one: "Dune, Frank
    Herbert, 5", "Dune - 4 stars": _rating_after_title).

    Raises:
        DataError: no title, more than three fields, or a bad rating.
    """
    parts = [p.strip() for p in text.split("|")]
    typed = _rating_after_title(text) if len(parts) == 1 else None
    if typed:  # "Dune, Frank Herbert, 5" lost its 5 and was not found
        parts = [typed[0], "", typed[1]]
    if len(parts) > 3:
        raise DataError(
            f'{origin}: {quote(text)} has {len(parts)} fields; write "Title|Author|Rating" '
            "(a title holding '|' is not supported)"
        )
    if len(parts) == 2 and _stars_only(parts[1]):
        parts.insert(1, "")  # "The Hobbit|5": a rating where the author goes, not an author "5"
    parts += [""] * (3 - len(parts))
    title, author, rating = parts
    if not title:
        raise DataError(f'{origin}: {quote(text)} has no title; write "Title|Author|Rating"')
    return ReaderBook(
        title=title, author=author or None, rating=parse_rating(rating, origin), origin=origin
    )


def parse_book_options(values: Sequence[str]) -> list[ReaderBook]:
    """Every --book value, numbered in the order given."""
    return [parse_book_option(v, f"--book {i}") for i, v in enumerate(values, start=1)]


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of a CSV, with file problems turned into DataError."""
    path = Path(path)
    try:
        # stat raises, not returns False, for a folder on the way without search permission
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise DataError(f"{path}: a folder, not a CSV file; name the file inside it")
        if not stat.S_ISREG(mode):
            raise DataError(
                f"{path}: not a regular file (a device, pipe or socket); save the CSV to a file"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from None
    return _rows_of_bytes(data, str(path))


# How common files that are not text begin, and what to call them to a reader who picked one.
_NOT_TEXT = (
    (b"\x89PNG", "a picture (PNG)"),
    (b"\xff\xd8\xff", "a picture (JPEG)"),
    (b"GIF8", "a picture (GIF)"),
    (b"%PDF", "a PDF"),
)


def _rows_of_bytes(data: bytes, name: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of CSV bytes (a file's or an upload's) named `name`."""
    kind = next((kind for start, kind in _NOT_TEXT if data.startswith(start)), None)
    if kind:
        raise DataError(
            f"{name}: {kind}, not a CSV file of books; give the CSV of your books (Goodreads: "
            "My Books > Import and export > Export library)"
        )
    text = _text_of(data, name)
    if "\x00" in text:
        # most often a spreadsheet saved in its own format (.xlsx, .ods, .numbers)
        raise DataError(
            f"{name}: not a text CSV file; in a spreadsheet, save it as CSV (File > Save as > "
            "CSV) and give that file"
        )
    delimiter = _delimiter(text)
    try:
        # a line after the file's own: read as a row of its own unless a quote that opened a
        # field never closed, whose field then swallows it with every line after the quote
        tail = "" if not text or text.endswith("\n") else "\n"
        reader = csv.DictReader(
            io.StringIO(f"{text}{tail}{_END}\n", newline=""), delimiter=delimiter
        )
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise DataError(f"{name}: not a readable CSV ({exc})") from None
    if header and header[0] == _END:
        header = []  # an empty file: nothing but the line added
    if not header:
        raise DataError(f"{name}: empty file; expected a header row and one row per book")
    if not rows or list(rows[-1][1].values())[0] != _END:
        # the row holding the marker starts the line after the row before it
        opened = 1 if not rows else rows[-2][0] + 1 if len(rows) > 1 else 2
        raise DataError(
            f'{name} line {opened}: a quote (") opens a field that is never closed; close it '
            "or remove it"
        )
    rows.pop()
    return header, rows


# No file holds this line: a marker after the file's last line (_rows_of_bytes).
_END = "bookrec-end-of-file-3f9c2e71"


def _text_of(data: bytes, name: str) -> str:
    """The text of a file in the encodings spreadsheets save (module docstring)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        # Windows-1252 reads almost any bytes; it is tried only where UTF-8 fails, and a
        # binary file still fails the NUL check after it
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataError(
        f"{name}: text in an encoding this does not read (it reads UTF-8, UTF-16 and "
        "Windows-1252); in a spreadsheet, save it as CSV UTF-8 and give that file"
    )


# What a spreadsheet puts between fields: commas, or semicolons where the comma is the decimal
# mark, or tabs ("Text (Tab delimited)"); the most frequent on the header line (commas on a tie).
_DELIMITERS = (",", ";", "\t")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max(_DELIMITERS, key=header.count)


def _check_fields(path: Path | str, rows: list[tuple[int, dict]]) -> None:
    for line, row in rows:
        if None in row:  # DictReader files surplus fields under None
            # most often a title holding a comma, unquoted ("The Lion, the Witch and the
            # Wardrobe,C.S. Lewis,4"), in a file whose header is right
            raise DataError(
                f"{path} line {line}: more fields than the header has; a title or author "
                'holding a comma needs quotes ("The Lion, the Witch and the Wardrobe",C.S. '
                "Lewis,4), and the file needs a header row (title,author,rating)"
            )


def is_goodreads_export(header: Iterable[str]) -> bool:
    """Whether a CSV header is the Goodreads library export's."""
    names = {h.strip() for h in header}
    return all(c in names for c in EXPORT_COLUMNS)


def _isbn(value: str | None) -> str | None:
    match = _ISBN_FORMULA.match((value or "").strip())
    digits = match.group(1) if match else (value or "").strip()
    return digits.upper() if digits else None


def _cell(row: dict[str, str], name: str) -> str:
    return (row.get(name) or "").strip()


def read_goodreads_export(path: Path) -> list[ReaderBook]:
    """Every book of a Goodreads library export; `My Rating` 0 means listed but not rated.

    Raises:
        DataError: the file is missing or unreadable, lacks one of Title, Author, My Rating,
            Exclusive Shelf, or holds a rating other than 0..5.
    """
    path = Path(path)
    header, rows = _read_rows(path)
    return _export_books(header, rows, str(path), path.name)


def _export_books(
    header: list[str], rows: list[tuple[int, dict[str, str]]], path: str, short: str
) -> list[ReaderBook]:
    """The export's rows as books; `path` names the file in errors, `short` in origins."""
    missing = [c for c in EXPORT_COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"{path}: not a Goodreads library export, missing column(s) {', '.join(missing)}; "
            "download it from Goodreads > My Books > Import and export, or pass a plain CSV "
            "(title,author,rating) with --csv"
        )
    _check_fields(path, rows)
    # a line of blanks, as an editor may leave at the end, is no row
    rows = [(n, row) for n, row in rows if any((v or "").strip() for v in row.values())]
    for line, row in rows:
        # every export row has every column: a short one is a file cut off (its half row read
        # as a book, the rest of the shelf lost without a word); len(row): a column named
        # twice is one key
        given = sum(v is not None for v in row.values())
        if given < len(row):
            raise DataError(
                f"{path} line {line}: the row stops after {given} of {len(row)} fields; the "
                "file looks cut short: export it again"
            )
    rows = [(n, {k.strip(): v for k, v in row.items()}) for n, row in rows]
    books = []
    for line, row in rows:
        origin = f"{short} line {line}"
        title = _cell(row, "Title")
        if not title:
            raise DataError(f"{origin}: the Title is empty")
        rating = _rating_or_unrated(_cell(row, "My Rating"), origin)
        shelves = [_cell(row, "Exclusive Shelf"), *_cell(row, "Bookshelves").split(",")]
        abandoned_on = None
        if rating is None:
            abandoned_on = next((s.strip() for s in shelves if _gave_up_on(s)), None)
            rating = ABANDONED_RATING if abandoned_on else None
        book_id = _cell(row, "Book Id")
        isbns = tuple(i for i in (_isbn(row.get("ISBN")), _isbn(row.get("ISBN13"))) if i)
        books.append(
            ReaderBook(
                title=title,
                author=_cell(row, "Author") or None,
                rating=rating,
                origin=origin,
                shelf=_cell(row, "Exclusive Shelf") or None,
                goodreads_id=int(book_id) if _BOOK_ID.fullmatch(book_id) else None,
                isbns=isbns,
                abandoned_on=abandoned_on,
            )
        )
    log.info(
        "%s: %d books, %d rated (%d unrated on a did-not-finish shelf, read as %g star)",
        short,
        len(books),
        sum(b.rating is not None for b in books),
        sum(b.abandoned_on is not None for b in books),
        ABANDONED_RATING,
    )
    return books


def _gave_up_on(shelf: str) -> bool:
    """Whether a shelf's name is one of ABANDONED_SHELVES (case, spaces and dashes aside)."""
    name = re.sub(r"[^a-z0-9]", "", shelf.lower())
    return name in ABANDONED_SHELVES or name.startswith("dnf")


def read_books_csv(path: Path) -> list[ReaderBook]:
    """A CSV with a `title` column and optional `author` and `rating` columns.

    A file with the Goodreads export's header is read as an export.

    Raises:
        DataError: the file is missing or unreadable, has no title column, or holds a bad rating.
    """
    path = Path(path)
    header, rows = _read_rows(path)
    return _books_of(header, rows, str(path), path.name)


def parse_books_csv(data: bytes, name: str) -> list[ReaderBook]:
    """read_books_csv for the bytes of an upload (the web page's import): a Goodreads export
    or a plain CSV of title, author, rating.

    Raises:
        DataError: as read_books_csv, naming the upload `name`.
    """
    header, rows = _rows_of_bytes(data, name)
    return _books_of(header, rows, name, name)


# A plain CSV's columns by their headings as readers write them: as written first, then by
# their letters alone ("My Rating", "my_rating", "Rating (1-5)" are one heading): "Stars",
# "my_rating" or "writer" were read as no rating or no author at all, every book unrated,
# without a word. The rating's includes the export's "My Rating" in a file that lacks the
# export's other columns (a trimmed export keeps its ratings); "Ratings" is left to
# _no_unread_ratings (a count of Goodreads ratings as often as the reader's stars).
_TITLE_HEADINGS = ("title", "book title", "titles")
_AUTHOR_HEADINGS = ("author", "authors", "writer", "author name", "by")
_RATING_HEADINGS = (
    "rating",
    "my rating",
    "stars",
    "my stars",
    "your rating",
    "score",
    "rate",
    "my rate",
)


# Words of a heading that may hold ratings under another name (_no_unread_ratings).
_RATING_WORDS = ("rating", "star", "score")


def _heading(name: str) -> str:
    """A column heading by its letters alone, lower case: 'Rating (1-5)' -> 'rating'."""
    return re.sub(r"[^a-z]", "", name.lower())


def _column(header: list[str], headings: Sequence[str]) -> str | None:
    """The column of the header (lower case, trimmed: the rows' keys) headed as one of
    `headings`, in their order: one headed exactly so first ("Author" before "Author 2"),
    then one whose letters read so (_heading); None: none is."""
    names = [name.strip().lower() for name in header]
    by_letters: dict[str, str] = {}
    for name in names:
        by_letters.setdefault(_heading(name), name)
    exact = next((h for h in headings if h in names), None)
    if exact is not None:
        return exact
    return next((by_letters[_heading(h)] for h in headings if _heading(h) in by_letters), None)


def _books_of(
    header: list[str], rows: list[tuple[int, dict[str, str]]], path: str, short: str
) -> list[ReaderBook]:
    """The books of a plain CSV, or of an export where the header is the export's; `path`
    names the file in errors, `short` in origins."""
    if is_goodreads_export(header):
        return _export_books(header, rows, path, short)
    title_column = _column(header, _TITLE_HEADINGS)
    if title_column is None:
        raise DataError(
            f"{path}: no 'title' column (found {shorten(', '.join(header))}); "
            "expected a header like title,author,rating"
        )
    author_column = _column(header, _AUTHOR_HEADINGS)
    rating_column = _column(header, _RATING_HEADINGS)
    _check_fields(path, rows)
    rows = [(line, {k.strip().lower(): v for k, v in row.items() if k}) for line, row in rows]
    if rating_column is None:
        _no_unread_ratings(header, rows, path, {title_column, author_column})
    books = []
    for line, row in rows:
        origin = f"{short} line {line}"
        title = _cell(row, title_column)
        if not title:
            if not any(_cell(row, k) for k in row):
                continue  # a row of empty cells, as spreadsheets leave at the end
            raise DataError(f"{origin}: the title is empty")
        books.append(
            ReaderBook(
                title=title,
                author=(_cell(row, author_column) if author_column else "") or None,
                rating=_rating_or_unrated(
                    _cell(row, rating_column) if rating_column else "", origin
                ),
                origin=origin,
            )
        )
    return books


def _no_unread_ratings(
    header: list[str], rows: list[tuple[int, dict[str, str]]], path: str, read: set[str | None]
) -> None:
    """Raise where a file without a rating column holds one under another heading: a column
    headed with a word of ratings ("Ratings", "Overall rating", "Rating (out of 10)",
    "Average Rating") whose every filled cell is a rating of 0 to 10 would leave every book
    unrated without a word, or, read as the reader's, give them Goodreads' average. (A count
    of ratings, "Ratings": 1234567, is none.)

    Raises:
        DataError: names the column and the headings that are read as ratings.
    """
    for name in header:
        key = name.strip().lower()
        if key in read or not any(w in _heading(name) for w in _RATING_WORDS):
            continue
        filled = [c for c in (_cell(row, key) for _, row in rows) if c]
        values = [_rating_value(c) for c in filled]
        if filled and all(v is not None and 0 <= v <= 10 for v in values):
            raise DataError(
                f"{path}: the column {quote(name.strip())} looks like ratings, but only a "
                "column headed rating (or stars, score, my rating) is read as one; rename it, "
                "or remove it to list the books without ratings"
            )


def _rating_or_unrated(text: str, origin: str) -> float | None:
    """A file's rating cell: 0 is how Goodreads writes "not rated", and a spreadsheet of one's
    books often follows it (the page's hint says so); anything else as parse_rating reads it."""
    try:
        unrated = float(text.replace(",", ".")) == 0.0  # "0", "0.0", "0,00"
    except ValueError:
        unrated = False
    return None if unrated else parse_rating(text, origin)


def gather_reader_books(
    books: Sequence[str] | None = None,
    csv_path: Path | str | None = None,
    goodreads_export: Path | str | None = None,
) -> list[ReaderBook]:
    """Every book from every source given, --book options first.

    Raises:
        DataError: a bad entry, or no book at all.
    """
    result = parse_book_options(list(books or []))
    if csv_path:
        result += read_books_csv(Path(csv_path))
    if goodreads_export:
        result += read_goodreads_export(Path(goodreads_export))
    if not result:
        files = [str(f) for f in (csv_path, goodreads_export) if f]
        if files:  # a header and no rows: "no books given" would deny the file was given
            raise DataError(f"{' and '.join(files)}: a header but no books under it")
        raise DataError(
            'no books given; pass --book "Title|Author|Rating" (repeatable), --csv FILE '
            "or --goodreads-export FILE"
        )
    return result
