"""The lists a reader meets on the page, for issue 18's reader cases, as they stand today.

Each case goes through the page's own service (bookrec.serving.web.service.ReaderService:
`/api/recommend` for typed books, `/api/similar` for "more like this"), top 10, on a
real-data warehouse. Beside each book: its reason in the page's words, "next in series" where
the list says so, and the hygiene check of the benchmarks (bookrec.evaluation.hygiene: another
edition, collection, adaptation or companion of the reader's books or of another listed book;
the sequel of a book rated 1-2), so a list that breaks a rule says so in the report. Exits 1
when any case's list breaks one, or a case's book is no longer found.

    python bench/reader_cases.py --warehouse warehouse/bench.duckdb
    python bench/reader_cases.py --warehouse warehouse/bench.duckdb --out /tmp/cases.md

The warehouse must hold the shared Goodreads files' books (`python -m flows.full --data-dir
../shared/data --warehouse warehouse/bench.duckdb`); the report is
docs/results/reader_cases.md unless --out says otherwise.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_parser  # noqa: E402
from bookrec.errors import BookrecError  # noqa: E402
from bookrec.evaluation.hygiene import after_dislike_flags, hygiene_flags  # noqa: E402
from bookrec.serving.results import Recommendations  # noqa: E402
from bookrec.serving.web.service import ListedBook, ReaderService  # noqa: E402

REPORT = ROOT / "docs" / "results" / "reader_cases.md"


@dataclass(frozen=True)
class Case:
    """A reader's books as typed (title, author, stars or None), or one book for "more like
    this" (`like_this`)."""

    name: str
    books: tuple[tuple[str, str, float | None], ...]
    like_this: bool = False


CASES = (
    Case("The Hobbit at 5 stars", (("The Hobbit", "J.R.R. Tolkien", 5),)),
    Case(
        "Harry Potter #1 at 5 stars (none of its companions)",
        (("Harry Potter and the Philosopher's Stone", "J.K. Rowling", 5),),
    ),
    Case(
        "Harry Potter #1 at 1 star",
        (("Harry Potter and the Sorcerer's Stone", "J.K. Rowling", 1),),
    ),
    Case(
        "Harry Potter #1 at 5, #2 at 1 (no sequel of a dislike)",
        (
            ("Harry Potter and the Sorcerer's Stone", "J.K. Rowling", 5),
            ("Harry Potter and the Chamber of Secrets", "J.K. Rowling", 1),
        ),
    ),
    Case(
        "The Lord of the Rings, one volume, at 5 (none of the books it holds)",
        (("The Lord of the Rings", "J.R.R. Tolkien", 5),),
    ),
    Case(
        "Fifty Shades of Grey 1 + Twilight 1",
        (("Fifty Shades of Grey", "E.L. James", 1), ("Twilight", "Stephenie Meyer", 1)),
    ),
    Case(
        "unrated Pride and Prejudice + Jane Eyre + Wuthering Heights",
        (
            ("Pride and Prejudice", "Jane Austen", None),
            ("Jane Eyre", "Charlotte Brontë", None),
            ("Wuthering Heights", "Emily Brontë", None),
        ),
    ),
    Case("unrated The Hunger Games", (("The Hunger Games", "Suzanne Collins", None),)),
    Case("The Way of Kings at 5 stars", (("The Way of Kings", "Brandon Sanderson", 5),)),
    Case(
        "Dune 5 + Dune Messiah 5 (a series spelled two ways)",
        (("Dune", "Frank Herbert", 5), ("Dune Messiah", "Frank Herbert", 5)),
    ),
    Case(
        "The Lightning Thief 5, Twilight 1, Pride and Prejudice unrated",
        (
            ("The Lightning Thief", "Rick Riordan", 5),
            ("Twilight", "Stephenie Meyer", 1),
            ("Pride and Prejudice", "Jane Austen", None),
        ),
    ),
    Case("Sapiens alone, unrated", (("Sapiens", "Yuval Noah Harari", None),)),
    Case(
        "Harry Potter #1, #2, #4 and #6 at 5 stars (a reader part-way through a series)",
        (
            ("Harry Potter and the Philosopher's Stone", "J.K. Rowling", 5),
            ("Harry Potter and the Chamber of Secrets", "J.K. Rowling", 5),
            ("Harry Potter and the Goblet of Fire", "J.K. Rowling", 5),
            ("Harry Potter and the Half-Blood Prince", "J.K. Rowling", 5),
        ),
    ),
    Case("more like this: The Hobbit", (("The Hobbit", "J.R.R. Tolkien", None),), True),
    Case(
        "more like this: Pride and Prejudice", (("Pride and Prejudice", "Jane Austen", None),), True
    ),
    Case(
        "more like this: Harry Potter and the Chamber of Secrets",
        (("Harry Potter and the Chamber of Secrets", "J.K. Rowling", None),),
        True,
    ),
    Case(
        "more like this: The Way of Kings",
        (("The Way of Kings", "Brandon Sanderson", None),),
        True,
    ),
)


def run_case(service: ReaderService, case: Case) -> tuple[list[str], int]:
    """The case's section of the report, and how many of its rows break a rule (a book of the
    case not found counts as one)."""
    typed = [ListedBook(title=t, author=a, rating=r) for t, a, r in case.books]
    lines = [f"## {case.name}", ""]
    matches = service.match(typed)
    missing = [m.input.title for m in matches if m.status != "matched"]
    if missing:
        return [*lines, f"Not matched: {', '.join(missing)} (the warehouse lacks them).", ""], 1
    ids = [int(m.book_id) for m in matches]
    ratings = [np.nan if r is None else float(r) for _, _, r in case.books]
    if case.like_this:
        _, answer = service.similar(ids[0], top_n=10)
    else:
        answer = service.recommend(typed, top_n=10)
    given = ", ".join(f"“{m.title}”" for m in matches)
    lines += [f"Given: {given}. Mode `{answer.mode}`. {answer.summary}", ""]
    return _table(service, answer, ids, ratings, lines)


def _table(service, answer: Recommendations, ids, ratings, lines) -> tuple[list[str], int]:
    works = service.load().recommender.ranker.works
    listed = [item.book_id for item in answer.items]
    dup = hygiene_flags(works, ids, listed) if works is not None else np.zeros(len(listed), bool)
    sequel = (
        after_dislike_flags(works, ids, ratings, listed)
        if works is not None
        else np.zeros(len(listed), bool)
    )
    lines += ["| # | book | reason on the page | rule broken |", "|---|---|---|---|"]
    for rank, item in enumerate(answer.items, start=1):
        label = " [next in series]" if item.next_in_series else ""
        broken = ", ".join(
            word
            for word, flag in (
                ("edition / collection / companion", dup[rank - 1]),
                ("sequel of a dislike", sequel[rank - 1]),
            )
            if flag
        )
        title = f"{item.title} — {item.author or 'author unknown'}{label}"
        lines.append(f"| {rank} | {_cell(title)} | {_cell(item.reason_text)} | {broken or '-'} |")
    return [*lines, ""], int(dup.sum() + sequel.sum())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--warehouse", type=Path, required=True, help="a real-data warehouse")
    shown = REPORT.relative_to(ROOT)
    parser.add_argument("--out", type=Path, default=REPORT, help=f"the report (default {shown})")
    args = parser.parse_args()
    service = ReaderService(args.warehouse)
    try:
        recommender = service.load().recommender
    except BookrecError as error:
        sys.exit(str(error))
    if recommender.demo_catalog:
        sys.exit(f"{args.warehouse} holds the demo catalog: these cases need the real books")
    sections, broken = [], 0
    for case in CASES:
        section, bad = run_case(service, case)
        sections += section
        broken += bad
        print(f"{case.name}: {'ok' if not bad else f'{bad} rows break a rule'}")
    head = [
        "# The reader cases of issue 18, as the page serves them",
        "",
        f"`python bench/reader_cases.py --warehouse {args.warehouse.name}`: each case through "
        'the page\'s service (`/api/recommend`, or `/api/similar` for "more like this"), top '
        f'10, on {len(recommender.catalog):,} books. "rule broken": the benchmarks\' hygiene '
        "check (another edition, collection, adaptation or companion of the given books or of "
        "another listed book, per the works tables; a sequel of a book rated 1-2). The lists "
        "of commit 98a1677, before one ranking path, are in this file's history (git log -p).",
        "",
        f"Rows breaking a rule: {broken}.",
        "",
    ]
    args.out.write_text("\n".join(head + sections))
    print(f"wrote {args.out}; rows breaking a rule: {broken}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
