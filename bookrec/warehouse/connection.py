"""The only module that opens DuckDB: connections, running the SQL files, table checks."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from bookrec.errors import WarehouseError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"

# Which flow builds each table, so a missing table names the command that fixes it.
BUILT_BY = {
    "books": "python -m flows.prepare_data",
    "ratings": "python -m flows.prepare_data",
    "feat_book_embeddings": "python -m flows.embed",
    "feat_book_projections": "python -m flows.encode_embeddings",
    "eval_runs": "python -m flows.evaluate",
    "scorer_settings": "python -m flows.evaluate",
}


@contextmanager
def connect(
    db_path: Path | str, read_only: bool = False, must_exist: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for the length of a `with` block.

    Args:
        db_path: the DuckDB file, or ":memory:".
        read_only: open without write access (fails if the file does not exist).
        must_exist: fail instead of creating an empty file (for steps after prepare_data).

    Raises:
        WarehouseError: the file is missing (read-only) or locked by another writing process.
    """
    target = str(db_path)
    if target != ":memory:":
        path = Path(target)
        if read_only or must_exist:
            require_warehouse_file(path)
        elif warehouse_kind(path) == "folder":
            raise WarehouseError(_damaged(target, "it is a folder"))
        if not read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WarehouseError(_unreachable(path.parent, exc)) from None
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise _opening_error(target, exc) from exc
    try:
        yield con
    except duckdb.Error as exc:
        # A file cut short or bit-damaged opens fine and fails on the first bad page: only
        # then can the damage be told apart from a bad query.
        if target != ":memory:" and _is_damage(target, str(exc)):
            raise WarehouseError(_damaged(target, exc)) from exc
        raise
    finally:
        con.close()


# Messages DuckDB gives for a file that exists but is not (or no longer) a whole database. The
# first ones name the file; a checksum failure ("Corrupt database file: computed checksum ...
# in block at location ...") does not, but no query error reads like it.
_DAMAGE_SIGNS_NAMING_FILE = (
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Is a directory",
)
_DAMAGE_SIGNS = (
    "Corrupt database file",
    "computed checksum",
    "does not match stored checksum",
    "database file with version number",  # a damaged version field
    "INTERNAL Error: Failed to load metadata",
)
# "lock" as a word: "in block at location" is damage, not a lock.
_LOCK = re.compile(r"\block\b", re.IGNORECASE)


def _is_damage(target: str, message: str) -> bool:
    if any(sign in message for sign in _DAMAGE_SIGNS):
        return True
    return any(s in message for s in _DAMAGE_SIGNS_NAMING_FILE) and Path(target).name in message


def warehouse_kind(path: Path) -> str:
    """"file", "missing", "folder" or "other" (a device, a pipe).

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


def require_warehouse_file(path: Path, build_hint: str = "`python -m flows.prepare_data`") -> None:
    """Refuse, in one line, a warehouse that is missing, a folder or no file at all.

    One check for the flows (before Prefect starts) and for opening, so both say the same.
    """
    kind = warehouse_kind(path)
    if kind == "missing":
        raise WarehouseError(f"warehouse {path} does not exist; build it with {build_hint}")
    if kind != "file":
        what = "it is a folder" if kind == "folder" else "it is not a regular file"
        raise WarehouseError(_damaged(str(path), what))


def _unreachable(path: Path, exc: OSError) -> str:
    return (
        f"cannot reach {path} ({exc.strerror or exc}); check the permissions of the "
        "folders on its path"
    )


def _damaged(target: str, exc: Exception | str) -> str:
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (
        f"warehouse {target} is damaged or not a DuckDB file ({first_line}); move it away "
        f"(mv {target} {target}.damaged) and rebuild it with `python -m flows.full`"
    )


def _opening_error(target: str, exc: duckdb.Error) -> WarehouseError:
    """One line for each way opening fails; the lock hint only when a lock is the cause."""
    message = str(exc)
    if _is_damage(target, message):
        return WarehouseError(_damaged(target, exc))
    if _LOCK.search(message):
        holder = re.search(r"PID (\d+)", message)
        who = f" (process {holder.group(1)})" if holder else ""
        return WarehouseError(
            f"warehouse {target} is in use by another bookrec process{who} that is writing it; "
            "wait for it to finish (DuckDB allows one writing process at a time)"
        )
    return WarehouseError(f"cannot open warehouse {target}: {message.splitlines()[0]}")


def read_sql(relative_path: str) -> str:
    """The text of one file under sql/, e.g. "clean/02_clean_ratings.sql"."""
    path = SQL_DIR / relative_path
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file {path}")
    return path.read_text(encoding="utf-8")


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


def require_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    """Raise a WarehouseError naming the command that builds each missing table."""
    missing = [t for t in tables if not table_exists(con, t)]
    if missing:
        fixes = sorted({BUILT_BY.get(t, "the step that builds it") for t in missing})
        raise WarehouseError(
            f"the warehouse has no table {', '.join(missing)}; run {' then '.join(fixes)} first"
        )
