"""Building the warehouse: choose the input files, ingest them, clean, merge and check.

Each public function is one stage of flows.prepare_data and opens the warehouse itself, so
stages pass only the warehouse path between them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import ftfy
import pandas as pd

from bookrec.config import DEFAULT_ALL_BOOKS_DIR, DEFAULT_BEST_BOOKS_DIR, DataConfig, MergeConfig
from bookrec.errors import DataError
from bookrec.warehouse import lineage
from bookrec.warehouse.connection import (
    MACROS,
    SQL_DIR,
    connect,
    run_sql,
    sql_version,
    table_exists,
    warehouse_kind,
)
from bookrec.warehouse.download import (
    CREDENTIALS_HELP,
    download_datasets,
    kaggle_credentials_present,
)
from bookrec.warehouse.ingest import IngestCounts, ingest_files
from bookrec.warehouse.sources import SourceFiles, find_source_files, is_folder

log = logging.getLogger(__name__)

CLEAN_STEPS = sorted(p.relative_to(SQL_DIR).as_posix() for p in (SQL_DIR / "clean").glob("*.sql"))
MERGE_STEPS = sorted(p.relative_to(SQL_DIR).as_posix() for p in (SQL_DIR / "merge").glob("*.sql"))
CHECKS = sorted(p.relative_to(SQL_DIR).as_posix() for p in (SQL_DIR / "checks").glob("*.sql"))
NEEDED = (
    "user_rating_*.csv files, and at least one book file: books_1.Best_Books_Ever.csv, "
    "book*.csv shards (book1-100k.csv, ...), goodreads_data.csv or goodbooks-10k books.csv"
)


@dataclass(frozen=True)
class ChosenSources:
    """The files a run reads, and how to describe them to the user."""

    files: SourceFiles
    label: str
    synthetic: bool


@dataclass(frozen=True)
class DemoWanted:
    """No real files will be read (--demo given, or none found and none to download): the
    caller generates the demo catalog (bookrec.demo.sources) and reads that. The warehouse
    never imports the demo, which is written in the layouts the warehouse defines."""

    reason: str


def _search_folders(config: DataConfig) -> list[Path]:
    if config.data_dir is not None:
        return [config.data_dir]
    return [DEFAULT_BEST_BOOKS_DIR, DEFAULT_ALL_BOOKS_DIR]


def choose_sources(config: DataConfig) -> ChosenSources | DemoWanted:
    """Find the real files, download them, or say that the synthetic demo catalog is due.

    Order: --demo asks for the demo; files found in the search folders are used; with none
    found and Kaggle credentials present they are downloaded; else the demo is used, unless
    the user named a --data-dir, where finding nothing is an error, or the warehouse holds
    real data, which a demo would replace (`make all` after `make all DATA_DIR=...`).

    Raises:
        DataError: --data-dir holds no usable files, or only ratings / only books; or no
            files are found for a warehouse built from real ones.
    """
    if config.demo:
        return DemoWanted("--demo given")
    if config.data_dir is not None and not is_folder(config.data_dir):
        what = "is not a folder" if config.data_dir.exists() else "does not exist"
        raise DataError(f"--data-dir {config.data_dir} {what}; name the folder with the files")
    folders = _search_folders(config)
    found = find_source_files(folders)
    where = ", ".join(str(f) for f in folders)
    if found.usable:
        if found.synthetic:  # bookrec's demo, generated apart (python -m bookrec.demo --out)
            label = f"the synthetic demo catalog in {where} ({found.summary()})"
            return ChosenSources(found, label, True)
        return ChosenSources(found, f"real files in {where} ({found.summary()})", False)
    if found.files:
        raise DataError(
            f"incomplete data in {where}: found {found.summary()}; bookrec needs {NEEDED}"
        )
    if config.data_dir is not None:
        raise DataError(f"no Goodreads files in {config.data_dir}; bookrec needs {NEEDED}")
    if config.download and kaggle_credentials_present():
        download_datasets(DEFAULT_BEST_BOOKS_DIR.parent)
        found = find_source_files(folders)
        if found.usable:
            return ChosenSources(found, f"downloaded files in {where} ({found.summary()})", False)
        raise DataError(f"the Kaggle download gave {found.summary()}; bookrec needs {NEEDED}")
    real = real_data_source(config.warehouse)
    if real is not None:
        raise DataError(
            f"warehouse {config.warehouse} holds real data ({real}), and no Goodreads files "
            f"are in {where} now: pass --data-dir with them (make ... DATA_DIR=...), or --demo "
            "to replace it with the demo catalog"
        )
    return DemoWanted(
        f"no Goodreads files in {where} and no Kaggle credentials ({CREDENTIALS_HELP})"
    )


def real_data_source(db_path: Path) -> str | None:
    """What a warehouse built from real files says it was built from; None for a demo
    warehouse, a missing or unfinished one (its warehouse_info is written last)."""
    if warehouse_kind(Path(db_path)) != "file":
        return None  # missing; what else is there is refused when the build opens it
    info = _warehouse_info(db_path)
    if info is None or info.empty or bool(info["synthetic"].iloc[0]):
        return None
    return str(info["data_source"].iloc[0])


def _warehouse_info(db_path: Path) -> pd.DataFrame | None:
    """The warehouse's warehouse_info row; None for no file, or a build not finished (the
    table is written last)."""
    if warehouse_kind(Path(db_path)) == "missing":
        return None
    with connect(db_path, read_only=True) as con:
        if not table_exists(con, "warehouse_info"):
            return None
        return run_sql(con, "meta/warehouse_info_read.sql").df()


def fingerprint(sources: SourceFiles) -> str:
    """A hash of the input files (path, size, modification time) and of every SQL file, so a
    re-run with the same inputs and the same code can skip the rebuild."""
    digest = hashlib.sha256()
    for name, paths in sorted(sources.files.items()):
        for path in paths:
            stat = path.stat()
            digest.update(f"{name}|{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for sql_file in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(sql_file.read_bytes())
    return digest.hexdigest()


def is_up_to_date(db_path: Path, input_fingerprint: str) -> bool:
    """Whether the warehouse was last built, completely, from exactly these inputs."""
    info = _warehouse_info(db_path)
    if info is None or "input_fingerprint" not in info:  # an older bookrec's: rebuild
        return False
    return len(info) > 0 and bool(info["input_fingerprint"].iloc[0] == input_fingerprint)


def begin_rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the warehouse as being rebuilt before any table changes: until record_source
    ends the rebuild, readers refuse it and the next prepare_data redoes the rebuild (a
    failed or killed rebuild leaves a mix of old and new tables)."""
    # One transaction: a kill between the two writes must not leave "built" beside "building".
    con.begin()
    run_sql(con, "meta/warehouse_info_clear.sql")
    lineage.mark_building(con)
    con.commit()


def load_raw(db_path: Path, sources: SourceFiles) -> IngestCounts:
    """Stage 1 (which starts the rebuild): the original files into raw_* tables, unreadable
    rows into raw_rejects."""
    with connect(db_path) as con:
        begin_rebuild(con)
        return ingest_files(con, sources)


def _register_functions(con: duckdb.DuckDBPyConnection) -> None:
    # Real Best Books Ever copies carry mojibake (UTF-8 read as cp1252): ftfy undoes it.
    def repair_mojibake(text: str) -> str:
        return ftfy.fix_text(text)

    con.create_function(
        "repair_mojibake", repair_mojibake, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR")
    )


def clean(db_path: Path) -> None:
    """Stage 2: typed, keyed clean_* tables with a reject reason per row (sql/clean/)."""
    with connect(db_path) as con:
        _register_functions(con)
        for step in CLEAN_STEPS:
            run_sql(con, step)


def merge(db_path: Path, config: MergeConfig | None = None) -> None:
    """Stage 3: books, ratings, rejected_rows, match_report and friends (sql/merge/), with
    config's $parameters (MergeConfig() when None)."""
    params = {**asdict(config or MergeConfig()), "key_macros": sql_version(MACROS)}
    with connect(db_path) as con:
        for step in MERGE_STEPS:
            run_sql(con, step, params)


def check(db_path: Path) -> dict[str, int]:
    """Stage 4: every sql/checks/ query must return no rows.

    Raises:
        DataError: naming each failed check and its first offending rows.
    """
    failures = {}
    with connect(db_path) as con:
        for step in CHECKS:
            rows = run_sql(con, step).fetchall()
            if rows:
                failures[step] = rows[:3]
    if failures:
        detail = "; ".join(f"{name}: {rows}" for name, rows in failures.items())
        raise DataError(f"warehouse checks failed: {detail}")
    return {name: 0 for name in CHECKS}


def record_source(db_path: Path, chosen: ChosenSources) -> None:
    """Write `warehouse_info`: what the warehouse was built from (synthetic or real), last, so
    that a build interrupted earlier is never taken as up to date; it ends the rebuild that
    begin_rebuild marked (lineage of books and ratings)."""
    input_fingerprint = fingerprint(chosen.files)
    with connect(db_path) as con:
        # One transaction: a kill between the two writes must not end the rebuild half-way.
        con.begin()
        run_sql(
            con,
            "meta/warehouse_info.sql",
            {
                "data_source": chosen.label,
                "synthetic": chosen.synthetic,
                "input_fingerprint": input_fingerprint,
            },
        )
        lineage.record_inputs(con, input_fingerprint)
        con.commit()


def match_report(db_path: Path) -> list[tuple[str, str, int]]:
    """The rows of match_report, ordered by section."""
    with connect(db_path, read_only=True) as con:
        return run_sql(con, "meta/match_report_rows.sql").fetchall()


def build_warehouse(config: DataConfig, force: bool = False) -> ChosenSources:
    """Every stage of flows.prepare_data in one call, for benchmarks and tests.

    Skips the rebuild when the warehouse was built from the same inputs by the same SQL.

    Returns:
        The sources used.

    Raises:
        DataError: no real files (the demo is generated by flows.prepare_data, or by
            bookrec.demo.write_demo_dataset into a folder passed as data_dir).
    """
    chosen = choose_sources(config)
    if isinstance(chosen, DemoWanted):
        raise DataError(
            f"{chosen.reason}: build the demo with `python -m flows.prepare_data --demo`"
        )
    if not force and is_up_to_date(config.warehouse, fingerprint(chosen.files)):
        log.info("warehouse %s is up to date with its inputs", config.warehouse)
        return chosen
    load_raw(config.warehouse, chosen.files)
    clean(config.warehouse)
    merge(config.warehouse)
    check(config.warehouse)
    record_source(config.warehouse, chosen)
    return chosen
