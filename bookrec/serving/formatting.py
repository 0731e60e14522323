"""A recommend result as readable text tables, shared by `bookrec recommend` and the
`recommend` flow's run log."""

from __future__ import annotations

from bookrec.serving.reader_input import ABANDONED_RATING
from bookrec.serving.reasons import DEMO_CATALOG, personal_warning, restates_the_reason
from bookrec.serving.results import Recommendations

# how to build a warehouse of real books, for the command line
REAL_DATA_HINT = "make all DATA_DIR=FOLDER, or python -m flows.full --data-dir FOLDER; docs/data.md"


def _shorten(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def format_result(result: Recommendations, show_matches: bool = False) -> str:
    """The recommend result (bookrec.serving.results.Recommendations) as readable text tables."""
    lines: list[str] = []
    if result.demo_catalog:
        lines += [f"{DEMO_CATALOG} ({REAL_DATA_HINT})", ""]
    matches = result.matches
    groups = {
        s: [m for m in matches if m.status == s] for s in ("matched", "ambiguous", "not_found")
    }
    methods = ", ".join(
        f"{k.removeprefix('matched_').replace('_', ' ')} {v}"
        for k, v in sorted(result.counts.items())
        if k.startswith("matched_")
    )
    to_read = result.counts.get("not_found_to_read", 0)
    lines.append(
        f"Your books: {len(matches)} listed, {len(groups['matched'])} matched"
        + (f" ({methods})" if methods else "")
        + f", {len(groups['ambiguous'])} ambiguous, {len(groups['not_found'])} not found"
        + (f" ({to_read} of them to read)" if to_read else "")
    )
    if groups["matched"] and (show_matches or len(groups["matched"]) <= 20):
        lines.append("")
        lines.append("Matched:")
        for m in groups["matched"]:
            rating = "-" if m.rating is None else f"{m.rating:g}★"
            lines.append(
                f"  {rating:>4}  {_shorten(m.book.title, 45):45}  ->  "
                f"{_shorten(m.title, 45)} ({m.author or 'author unknown'})"
                f"  [{m.method}, {m.score:.0f}]"
            )
            if m.note:
                lines.append(f"        {m.note}")
            if m.book.abandoned_on:
                lines.append(
                    f'        unrated on your "{m.book.abandoned_on}" shelf: read as '
                    f"{ABANDONED_RATING:g} star"
                )
    if groups["ambiguous"]:
        lines.append("")
        lines.append("Ambiguous (not used; give the author or the exact title):")
        for m in groups["ambiguous"]:
            lines.append(f"  {m.book.title} ({m.book.author or 'no author'}): could be")
            for c in m.candidates:
                lines.append(f"      {c.title} ({c.author or 'author unknown'})  [{c.score:.0f}]")
    read_missing = [m for m in groups["not_found"] if not m.book.wanted]
    to_read_missing = [m for m in groups["not_found"] if m.book.wanted]
    for heading, missing in (
        ("Not found in the catalog:", read_missing),
        (
            "To read, not in the catalog either (nothing to do: never suggested anyway):",
            to_read_missing,
        ),
    ):
        if missing:
            lines.append("")
            lines.append(heading)
        for m in missing:
            note = f"  ({m.note})" if m.note else ""
            lines.append(f"  {m.book.title} ({m.book.author or 'no author'}){note}")
    lines.append("")
    lines.append(result.message)
    if personal_warning(result):  # the page's line, where it warns of something
        lines.append(result.summary)
    lines.append("")
    if result.items and result.mode != "baseline":  # (popular books: no reader to read them)
        lines.append(
            "Likeliest to be read and enjoyed first; pred: the rating you would likely give, "
            "avg: Goodreads' average"
        )
    header = f"{'#':>3}  {'title':50}  {'author':24}  {'pred':>5}  {'avg':>4}"
    lines.append(header)
    lines.append("-" * len(header))
    for r in result.items:
        pred = "-" if r.predicted_rating is None else f"{r.predicted_rating:.2f}"
        lines.append(
            f"{r.rank:>3}  {_shorten(r.title, 50):50}  {_shorten(r.author, 24):24}  "
            f"{pred:>5}  {r.avg_rating:4.2f}"
        )
        if r.next_in_series:
            lines.append(f"     [{r.next_in_series}]")
        if r.reason_text:
            lines.append(f"     {_shorten(r.reason_text, 110)}")
        if r.because_text and not restates_the_reason(r.because):
            lines.append(f"     {_shorten(r.because_text, 110)}")
    return "\n".join(lines)
