"""A row-by-row CSV reader for the files DuckDB's reader gives up on as a whole.

DuckDB's strict CSV reader stops the whole file ("the CSV Parser state machine reached an
invalid state") on mixed line endings (CRLF rows followed by LF rows) and on binary garbage
after a valid header; turning strict mode off instead would silently accept rows with too
many columns. Python's csv module takes any line ending, so such a file is read here: every
row that is whole and UTF-8 is kept, every other row becomes one reject with its reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bookrec.warehouse.sources import MAX_FIELD_BYTES

RAW_VALUES_CHARS = 500  # the same cut as sql/ingest/collect_csv_rejects.sql


@dataclass(frozen=True)
class Reject:
    """One input row that could not be read: its line number in the file and why."""

    line: int
    reason: str
    raw_values: str


@dataclass(frozen=True)
class ParsedFile:
    """The readable rows (header columns, all text) and one Reject per unreadable row."""

    rows: list[list[str]]
    rejects: list[Reject]


def _printable(fields: list[str]) -> str:
    text = ",".join(fields).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text.replace("\x00", "?")[:RAW_VALUES_CHARS]


def _problem(fields: list[str], width: int) -> str | None:
    # DuckDB's rule, so a row is kept or rejected whichever reader reads its file: bytes that
    # are not UTF-8 are a reject; a NUL is a valid (if odd) character and stays.
    if any("\udc80" <= ch <= "\udcff" for ch in "".join(fields)):
        return "invalid encoding (not UTF-8 text)"
    if len(fields) > width:
        return f"too many columns ({len(fields)} for {width})"
    if len(fields) < width:
        return f"missing columns ({len(fields)} for {width})"
    return None


def _records(reader) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line, fields, csv error) per record; a csv.Error costs that record, not the file."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, str(exc)
            continue
        yield reader.line_num, fields, None


def parse_file(path: Path, width: int) -> ParsedFile:
    """Read every record after the header of a CSV file with `width` columns.

    Raises:
        OSError: the file cannot be read (the caller names the file).
    """
    csv.field_size_limit(MAX_FIELD_BYTES)
    rows: list[list[str]] = []
    rejects: list[Reject] = []
    # surrogateescape keeps undecodable bytes as markers, so a bad row is found, not the file.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=",", quotechar='"', doublequote=True, strict=True)
        next(reader, None)  # the header, checked by sources.check_header
        for line, fields, error in _records(reader):
            if fields == []:  # a blank line
                continue
            if error is not None:
                rejects.append(Reject(line, f"unreadable CSV row: {error}", ""))
                continue
            problem = _problem(fields, width)
            if problem:
                rejects.append(Reject(line, f"unreadable CSV row: {problem}", _printable(fields)))
            else:
                rows.append(fields)
    return ParsedFile(rows, rejects)
