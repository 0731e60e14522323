"""The closing summary of a full run: what the warehouse holds and where the reports are; and
whether a warehouse holds the synthetic demo catalog (said to whoever asks it for books)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from bookrec.warehouse.connection import connect, require_tables, run_sql, table_exists

# The reports a full run writes (reports/ may hold others, e.g. the benchmarks').
JOB_REPORTS = (
    "embeddings.md",
    "evaluation.md",
    "topn.md",
    "embeddings.json",
    "evaluation.json",
    "topn.json",
)
# Tables a finished run leaves behind.
RESULT_TABLES = ("feat_book_projections", "projector_runs", "eval_runs", "scorer_settings")


@dataclass
class Summary:
    warehouse: Path
    counts: dict[str, object]
    result_tables: dict[str, int]
    reports: list[Path]
    headline: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "warehouse": str(self.warehouse),
            **self.counts,
            "result_tables": self.result_tables,
            "reports": [str(path) for path in self.reports],
            **self.headline,
        }

    def as_text(self) -> str:
        synthetic = " (SYNTHETIC demo data)" if self.counts.get("synthetic") else ""
        lines = [
            f"warehouse   {self.warehouse}",
            f"data        {self.counts['data_source']}{synthetic}",
            f"books       {self.counts['books']:,} ({self.counts['books_with_description']:,} "
            "with a description)",
            f"ratings     {self.counts['ratings']:,} from {self.counts['readers']:,} readers",
            f"embedded    {self.counts['books_embedded']:,} books with {self.counts['encoder']}",
        ]
        lines += [f"table       {name}: {rows:,} rows" for name, rows in self.result_tables.items()]
        for key, value in self.headline.items():
            if isinstance(value, dict):
                lines += [f"{key:<11} {name:<26} {number}" for name, number in value.items()]
            else:
                lines.append(f"{key:<11} {value}")
        lines += [f"report      {path}" for path in self.reports]
        return "\n".join(lines)


def _evaluation_headline(reports_dir: Path) -> dict[str, object]:
    """Mean per-user Spearman of each method from reports/evaluation.json, when it exists."""
    path = reports_dir / "evaluation.json"
    if not path.is_file():
        return {}
    report = json.loads(path.read_text(encoding="utf-8"))
    spearman = {
        row["method"]: round(float(row["spearman"]), 3)
        for row in report.get("methods", [])
        if isinstance(row.get("spearman"), int | float)
    }
    headline: dict[str, object] = {"spearman": spearman} if spearman else {}
    if "best_method" in report:
        headline["best"] = report["best_method"]
    return headline


def summarize(db_path: Path, reports_dir: Path) -> Summary:
    """Read the headline numbers of a built warehouse and list the reports written so far."""
    with connect(db_path, read_only=True) as con:
        require_tables(con, ["warehouse_info", "books", "ratings", "feat_book_embeddings"])
        cursor = run_sql(con, "meta/summary_counts.sql")
        names = [column[0] for column in cursor.description]
        counts = dict(zip(names, cursor.fetchall()[0], strict=True))
        result_tables = {
            # Names come from the fixed RESULT_TABLES, never from input.
            name: con.execute(f"select count(*) from {name}").fetchall()[0][0]
            for name in RESULT_TABLES
            if table_exists(con, name)
        }
    reports = [path for name in JOB_REPORTS if (path := reports_dir / name).is_file()]
    return Summary(db_path, counts, result_tables, reports, _evaluation_headline(reports_dir))


def data_label(con: duckdb.DuckDBPyConnection) -> str:
    """What the warehouse was built from, for the first lines of a report ('' when it does not
    say): a report of the synthetic demo catalog must not read as one of Goodreads readers."""
    if holds_demo_catalog(con):
        return (
            "the built-in SYNTHETIC demo catalog (made-up books and readers, not Goodreads "
            "data): these numbers test the pipeline, they say nothing of real readers"
        )
    if not table_exists(con, "warehouse_info"):
        return ""
    source = run_sql(con, "meta/warehouse_info_read.sql").df()["data_source"]
    return "" if source.empty or source.isna().iloc[0] else str(source.iloc[0])


def holds_demo_catalog(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse holds bookrec's synthetic demo catalog (made-up books and
    readers; warehouse_info.synthetic) rather than Goodreads data; False when it does not say."""
    if not table_exists(con, "warehouse_info"):
        return False
    row = run_sql(con, "meta/warehouse_info_synthetic.sql").fetchone()
    return bool(row and row[0])
