"""The only module that opens DuckDB: connections, running the SQL files, table checks."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import resource
import shutil
import stat
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

from bookrec.config import DEFAULT_WAREHOUSE, READER_WAIT_ENV, reader_wait_s
from bookrec.errors import WarehouseError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# The text macros (title_key, author_key, match_keys...) every cleaning step and the title
# matcher use; they stay in the warehouse for plain SQL too.
MACROS = "clean/00_macros.sql"

# Which flow builds each table, so a missing table names the command that fixes it.
BUILT_BY = {
    "books": "python -m flows.prepare_data",
    "ratings": "python -m flows.prepare_data",
    "feat_book_embeddings": "python -m flows.embed",
    # encode_embeddings needs a trained projector: name both steps at once
    "feat_book_projections": "python -m flows.encode_embeddings (after python -m flows.train)",
    "eval_runs": "python -m flows.evaluate",
    "scorer_settings": "python -m flows.evaluate",
}


@contextmanager
def connect(
    db_path: Path | str,
    read_only: bool = False,
    must_exist: bool = False,
    wait_s: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for the length of a `with` block.

    Args:
        db_path: the DuckDB file, or ":memory:".
        read_only: open without write access (fails if the file does not exist).
        must_exist: fail instead of creating an empty file (for steps after prepare_data).
        wait_s: to write, how long to wait for other processes that read the file to close
            it (None: bookrec.config.reader_wait_s()).

    Raises:
        WarehouseError: the file is missing (read-only), damaged, locked by another writing
            process, or still read by another process after wait_s.
    """
    target = str(db_path)
    if target != ":memory:":
        path = Path(target)
        if read_only or must_exist:
            require_warehouse_file(path)
        elif (kind := warehouse_kind(path)) == "folder":
            raise WarehouseError(_not_a_file(target, "folder"))
        elif kind == "file" and (other := _other_file(path)):
            raise WarehouseError(other)
        if not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WarehouseError(_unreachable(path.parent, exc)) from None
    con = _open(target, read_only, reader_wait_s() if wait_s is None else wait_s)
    try:
        yield con
    except duckdb.Error as exc:
        _close_after_error(con)
        error = _query_error(target, exc)
        if error is exc:
            raise
        raise error from exc
    except BaseException:
        _close_after_error(con)
        raise
    if not read_only and target != ":memory:":
        try:
            describe_tables(con)
        except duckdb.Error as exc:
            # words only: the step's data is committed, and a full disk fails the close below
            log.warning("the warehouse's table comments were not written: %s", exc)
    try:
        con.close()  # a checkpoint: may write, so may find the disk full
    except duckdb.Error as exc:
        error = _query_error(target, exc)
        if error is exc:
            raise
        raise error from exc


def describe_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Give the warehouse's tables and columns the comments sql/meta/table_comments.sql says
    they hold, where DuckDB's catalog holds another (or none), so plain SQL tells a reader
    what each table is (`select table_name, comment from duckdb_tables()`). A table rebuilt
    by `create or replace` comes back without its comment: every connection that writes the
    warehouse (connect) gives the comments back as it closes; tables not built yet wait."""
    now = {(t, c): note for t, c, note in run_sql(con, "meta/table_comments_now.sql").fetchall()}
    for table, column, comment in run_sql(con, "meta/table_comments.sql").fetchall():
        if (table, column) not in now or now[table, column] == comment:
            continue
        # COMMENT ON takes no parameters; the names and words are this project's own file's
        target = f'"{table}"' if column is None else f'"{table}"."{column}"'
        kind = "table" if column is None else "column"
        con.execute(f"comment on {kind} {target} is '{comment.replace(chr(39), chr(39) * 2)}'")


def _close_after_error(con: duckdb.DuckDBPyConnection) -> None:
    # The error being raised says what went wrong; a second one from closing would hide it.
    with suppress(duckdb.Error):
        con.close()


def _query_error(target: str, exc: duckdb.Error) -> Exception:
    """A WarehouseError for damage or a full disk, which only show once pages are read or
    written; any other error (a bad query: a bug) as it is."""
    if target == ":memory:":
        return exc
    if _is_damage(target, str(exc)):
        return WarehouseError(_damaged(target, exc))
    full = _disk_full(target, str(exc))
    return WarehouseError(full) if full else exc


def _disk_full(target: str, message: str) -> str | None:
    """The one line for a write that found no room, naming the disk and the room needed."""
    path = Path(target).resolve()
    if "File too large" in message:  # EFBIG: the process's file size limit (ulimit -f)
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        return (
            f"writing warehouse {target} passed this process's file size limit "
            f"(ulimit -f: {_size(limit)}); raise it and run the step again (what was "
            "committed before is kept)"
        )
    if "No space left on device" not in message:
        return None
    mount = path.parent
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    usage = shutil.disk_usage(mount)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}.wal")) if p.is_file())
    return (
        f"the disk of warehouse {target} is full ({mount}: {_size(usage.free)} free of "
        f"{_size(usage.total)}); a rebuild needs about {_size(max(2 * size, 64 << 20))} free "
        "(twice the warehouse, new tables are written before old ones are freed): free "
        "space or choose another --warehouse, then run the step again (what was committed "
        "before is kept)"
    )


def _size(n: int) -> str:
    if n < 0 or n == resource.RLIM_INFINITY:
        return "unlimited"
    if n < 1024:
        return f"{n} bytes"
    value, unit = n / 1024, "KB"
    for bigger in ("MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:,.1f} {unit}"


_POLL_S = 0.1  # how often a waiting writer tries again: readers often hold the file briefly
# DuckDB's lock message when the holder only reads ("you would be able to open this database
# in read-only mode"): a writer may wait for it; a writing holder is not waited for.
_READER_HOLDS = "read-only mode"


def _open(target: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting up to wait_s while other processes only read the file."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(target, read_only=read_only)
        except duckdb.Error as exc:
            reader_holds = _LOCK.search(str(exc)) and _READER_HOLDS in str(exc)
            if read_only or not reader_holds or time.monotonic() >= deadline:
                raise _opening_error(target, exc, wait_s) from exc
        time.sleep(_POLL_S)


# Messages DuckDB gives for a file that exists but is not (or no longer) a whole database. The
# first ones name the file; a checksum failure ("Corrupt database file: computed checksum ...
# in block at location ...") does not, but no query error reads like it.
_DAMAGE_SIGNS_NAMING_FILE = (
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Is a directory",
)
_DAMAGE_SIGNS = ("Corrupt database file", "does not match stored checksum")
# "lock" as a word: "in block at location" is damage, not a lock.
_LOCK = re.compile(r"\block\b", re.IGNORECASE)


def _is_damage(target: str, message: str) -> bool:
    if any(sign in message for sign in _DAMAGE_SIGNS):
        return True
    return any(s in message for s in _DAMAGE_SIGNS_NAMING_FILE) and Path(target).name in message


def warehouse_kind(path: Path) -> str:
    """What is at path: "file", "missing", "folder" or "other" (a device, a pipe).

    Raises:
        WarehouseError: a folder on the way cannot be searched (permission denied).
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as exc:
        raise WarehouseError(_unreachable(path, exc)) from None
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


# What builds a warehouse a command can use: prepare_data alone leaves out the vectors and
# lists that `bookrec recommend`, the page and most flows need next.
BUILD_HINT = "`python -m flows.full` (or `python -m flows.prepare_data`, embed, lists)"


def require_warehouse_file(path: Path) -> None:
    """Refuse, in one line, a warehouse that is missing, a folder or no file at all.

    One check for the flows (before Prefect starts) and for opening, so both say the same.
    """
    kind = warehouse_kind(path)
    if kind == "missing":
        # a relative path is relative to where the command runs: name the folder it looked in
        where = "" if path.is_absolute() else f" (in {Path.cwd()})"
        raise WarehouseError(
            f"warehouse {path}{where} does not exist; build it with {BUILD_HINT}, or name "
            "another with --warehouse"
        )
    if kind != "file":
        raise WarehouseError(_not_a_file(str(path), kind))
    if other := _other_file(path):
        raise WarehouseError(other)
    if path.stat().st_size == 0:  # DuckDB reads it as no database at all
        raise WarehouseError(
            f"warehouse {path} is an empty file, no warehouse yet; build it with {BUILD_HINT}, "
            "or name another with --warehouse"
        )


def _unreachable(path: Path, exc: OSError) -> str:
    return (
        f"cannot reach {path} ({exc.strerror or exc}); check the permissions of the "
        "folders on its path"
    )


def _not_a_file(target: str, kind: str) -> str:
    """A --warehouse that names a folder (or a device, a pipe): say so, and nothing of moving
    it away (the folder may hold the real warehouse)."""
    what = "a folder" if kind == "folder" else "not a regular file"
    inside = f" (e.g. {Path(target) / DEFAULT_WAREHOUSE.name})" if kind == "folder" else ""
    return f"warehouse {target} is {what}; name the DuckDB file itself{inside}"


# A DuckDB database file carries these bytes at offset 8 (its header's magic); the names the
# flows give one end so. A file with neither is some other file named by mistake.
DUCKDB_MAGIC = b"DUCK"
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")


def _other_file(path: Path) -> str | None:
    """The one line for a --warehouse that names some other file (a CSV of one's books): the
    wrong name, not damage, so nothing of moving it away. None for what may be a warehouse."""
    if path.suffix.lower() in DUCKDB_SUFFIXES:
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return None  # unreadable: opening it says why
    if not head or head[8:12] == DUCKDB_MAGIC:
        return None  # an empty file becomes a warehouse when written (read: require_warehouse_file)
    return (
        f"{path} is not a DuckDB file; check --warehouse: it names the file the flows build "
        f"(default {DEFAULT_WAREHOUSE})"
    )


def _damaged(target: str, exc: Exception | str) -> str:
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (
        f"warehouse {target} is damaged or not a DuckDB file ({first_line}); move it away "
        f"(mv {target} {target}.damaged) and rebuild it with `python -m flows.full`"
    )


def _opening_error(target: str, exc: duckdb.Error, waited_s: float = 0.0) -> WarehouseError:
    """One line for each way opening fails; the lock hint only when a lock is the cause."""
    message = str(exc)
    if _is_damage(target, message):
        return WarehouseError(_damaged(target, exc))
    full = _disk_full(target, message) if target != ":memory:" else None
    if full:
        return WarehouseError(full)
    if _LOCK.search(message):
        holder = re.search(r"PID (\d+)", message)
        who = f" (process {holder.group(1)})" if holder else ""
        if _READER_HOLDS in message:
            return WarehouseError(
                f"warehouse {target} is being read by another process{who}, which did not "
                f"close it within {waited_s:g} s; stop it, or wait longer with "
                f"{READER_WAIT_ENV}=SECONDS"
            )
        return WarehouseError(
            f"warehouse {target} is in use by another process{who} that is writing it; "
            "wait for it to finish (DuckDB allows one writing process at a time)"
        )
    return WarehouseError(f"cannot open warehouse {target}: {message.splitlines()[0]}")


def read_sql(relative_path: str) -> str:
    """The text of one file under sql/, e.g. "clean/02_clean_ratings.sql"."""
    path = SQL_DIR / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


def sql_version(relative_path: str) -> str:
    """A short fingerprint of one file under sql/: what was built with a file's macros records
    it, so a later bookrec with other macros knows to rebuild rather than trust it."""
    return hashlib.sha256(read_sql(relative_path).encode("utf-8")).hexdigest()[:16]


def _parameters_used(sql: str) -> set[str]:
    # Strip comments first: a `$name` in a comment is documentation, not a binding.
    code = re.sub(r"--[^\n]*", "", sql)
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", code))


def _fill_sizes(sql: str, sizes: Mapping[str, int]) -> str:
    """Replace `{{name}}` by an integer: array sizes (FLOAT[{{dim}}]) are part of a type, and a
    type cannot be a bound parameter. Only ints pass, so nothing but a number enters the text."""
    for name, value in sizes.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"size {name} must be a positive int; got {value!r}")
        sql = sql.replace("{{" + name + "}}", str(value))
    left = re.findall(r"\{\{(\w+)\}\}", sql)
    if left:
        raise ValueError(f"SQL needs sizes {sorted(set(left))}")
    return sql


def run_sql(
    con: duckdb.DuckDBPyConnection,
    relative_path: str,
    params: Mapping[str, Any] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Run one file of sql/ with named parameters.

    Only the parameters the file names are bound (DuckDB rejects unused ones), so callers may
    pass one shared dict to several files.

    Args:
        con: an open connection.
        relative_path: path below sql/.
        params: values for `$name` placeholders.
        sizes: positive ints for `{{name}}` placeholders inside types, e.g. FLOAT[{{dim}}].

    Returns:
        The connection, so a query file can be fetched from: `run_sql(...).fetchall()`.
    """
    sql, bound = _prepare(relative_path, params, sizes)
    return con.execute(sql, bound) if bound else con.execute(sql)


def sql_relation(
    con: duckdb.DuckDBPyConnection,
    relative_path: str,
    params: Mapping[str, Any] | None = None,
) -> duckdb.DuckDBPyRelation:
    """One query file of sql/ as a relation, for results fetched as Arrow without the extra
    copy a DB-API result makes (`sql_relation(...).to_arrow_table()`)."""
    sql, bound = _prepare(relative_path, params, None)
    return con.sql(sql, params=bound or None)


def _prepare(
    relative_path: str, params: Mapping[str, Any] | None, sizes: Mapping[str, int] | None
) -> tuple[str, dict[str, Any]]:
    """The file's text with sizes filled in, and the parameters it names (all must be given)."""
    sql = _fill_sizes(read_sql(relative_path), sizes or {})
    wanted = _parameters_used(sql)
    given = dict(params or {})
    missing = wanted - given.keys()
    if missing:
        raise ValueError(f"{relative_path} needs parameters {sorted(missing)}")
    log.debug("running %s", relative_path)
    return sql, {k: v for k, v in given.items() if k in wanted}


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a table or view of that name exists in the main schema."""
    # fetchall, not fetchone: DuckDB 2 refuses further work while a result is unfinished.
    rows = run_sql(con, "meta/table_exists.sql", {"table": table}).fetchall()
    return bool(rows[0][0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of a table or view in the main schema (none where it does not exist)."""
    return {row[0] for row in run_sql(con, "meta/table_columns.sql", {"table": table}).fetchall()}


def require_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> None:
    """Raise a WarehouseError where a table lacks columns bookrec reads from it: a DuckDB file
    of another program with a table of the same name, not a query error deep in a step.

    Raises:
        WarehouseError: names the columns missing and how to build a warehouse.
    """
    present = table_columns(con, table)
    missing = [c for c in columns if c not in present]
    if missing:
        raise WarehouseError(
            f"the warehouse's table {table} has no column {', '.join(missing)}: not a table "
            f"bookrec built; build the warehouse with {BUILD_HINT}, or name another with "
            "--warehouse"
        )


def require_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    """Raise a WarehouseError naming the command that builds each missing table."""
    missing = [t for t in tables if not table_exists(con, t)]
    if missing:
        # in the order the steps run (BUILT_BY's), not alphabetical: prepare_data before embed
        steps = list(dict.fromkeys(BUILT_BY.values()))
        fixes = sorted(
            {BUILT_BY.get(t, "the step that builds it") for t in missing},
            key=lambda fix: steps.index(fix) if fix in steps else len(steps),
        )
        raise WarehouseError(
            f"the warehouse has no table {', '.join(missing)}; run {' then '.join(fixes)} first"
        )
