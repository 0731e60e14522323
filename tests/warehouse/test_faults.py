"""Faults a user meets: odd input files, damaged warehouses, failed and killed rebuilds.

Each bad input is a real file (tests/fixtures/faults/, or made here when it is a link, a
folder or a size); each kill is a real SIGKILL of a prepare_data subprocess.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bookrec.config import DataConfig
from bookrec.embedding.store import embed_books
from bookrec.errors import ConfigError, DataError, WarehouseError
from bookrec.warehouse import lineage, prepare
from bookrec.warehouse.connection import connect
from bookrec.warehouse.sources import find_source_files
from tests.conftest import FIXTURES
from tests.warehouse.test_prepare import build, query

LAYOUTS_DIR = FIXTURES / "layouts"
FAULTS = FIXTURES / "faults"
RATINGS = "all_books_dataset/user_rating_0_to_1000.csv"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(LAYOUTS_DIR, target)
    return target


def with_ratings(data_dir: Path, fixture: str) -> Path:
    shutil.copy(FAULTS / fixture, data_dir / RATINGS)
    return data_dir


def unreadable_rows(db: Path) -> list[tuple]:
    return query(
        db,
        "select source_row, reason, raw_values from rejected_rows "
        "where reason like 'unreadable%' order by source_row",
    )


# -- item 3 and 5: odd input files ---------------------------------------------------------


def test_mixed_line_endings_are_read_row_by_row(data_dir, tmp_path):
    db = build(tmp_path / "w.duckdb", with_ratings(data_dir, "mixed_line_endings.csv"))
    # The two LF rows are ratings like the CRLF ones (users 5 and 6 rate Lord of the Flies).
    rows = query(db, "select user_id, rating from ratings where user_id in (5, 6) order by 1")
    assert rows == [(5, 3), (6, 2)]
    assert unreadable_rows(db) == []
    assert query(db, "select count(*) from rejected_rows where source_row is null") == [(0,)]


def test_binary_rows_become_one_reject_each(data_dir, tmp_path):
    db = build(tmp_path / "w.duckdb", with_ratings(data_dir, "binary_rows.csv"))
    rejects = unreadable_rows(db)
    assert [line for line, _, _ in rejects] == [15, 16]
    assert all("invalid encoding" in reason for _, reason, _ in rejects)
    assert rejects[0][2].startswith("7,")


def test_a_header_followed_by_binary_is_one_line_naming_the_file(data_dir, tmp_path):
    with pytest.raises(DataError, match=r"user_rating_0_to_1000\.csv: \d+ of \d+ rows could not"):
        build(tmp_path / "w.duckdb", with_ratings(data_dir, "binary_body.csv"))


def test_two_bad_rows_are_two_rejects_without_a_stray_newline(data_dir, tmp_path):
    db = build(tmp_path / "w.duckdb", with_ratings(data_dir, "two_bad_rows.csv"))
    rejects = unreadable_rows(db)
    assert [line for line, _, _ in rejects] == [15, 16]
    assert all("invalid encoding" in r and "missing columns" in r for _, r, _ in rejects)
    assert [values[:2] for _, _, values in rejects] == ["5,", "6,"]
    # rows read = ratings + rejects still holds with the true count (the check ran in build).
    assert query(db, "select count(*) from raw_rejects") == [(2,)]


def test_a_header_field_over_128_kb_is_read(data_dir, tmp_path):
    path = data_dir / RATINGS
    lines = path.read_bytes().split(b"\r\n")
    wide = b"x" * 140_000
    path.write_bytes(b"\r\n".join([lines[0] + b"," + wide] + [ln + b"," for ln in lines[1:] if ln]))
    db = build(tmp_path / "w.duckdb", data_dir)
    assert query(db, "select count(*) from ratings where user_id = 1") == [(4,)]


def test_a_folder_named_like_a_data_file_is_named_with_the_fix(data_dir):
    (data_dir / "all_books_dataset" / "user_rating_1000_to_2000.csv").mkdir()
    with pytest.raises(DataError, match=r"user_rating_1000_to_2000\.csv is a folder, not a CSV"):
        prepare.choose_sources(DataConfig(data_dir=data_dir))


def test_a_dangling_link_is_named_with_the_fix(data_dir, tmp_path):
    link = data_dir / "all_books_dataset" / "user_rating_1000_to_2000.csv"
    link.symlink_to(tmp_path / "gone.csv")
    with pytest.raises(DataError, match=r"is a link to .*gone\.csv, which does not exist"):
        prepare.choose_sources(DataConfig(data_dir=data_dir))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: no unreadable file here")
def test_an_unreadable_file_is_named_with_the_fix(data_dir):
    (data_dir / RATINGS).chmod(0)
    with pytest.raises(DataError, match=r"user_rating_0_to_1000\.csv cannot be read"):
        prepare.choose_sources(DataConfig(data_dir=data_dir))


def test_a_missing_data_dir_is_said_to_not_exist(tmp_path):
    with pytest.raises(DataError, match=r"--data-dir .*nowhere does not exist"):
        prepare.choose_sources(DataConfig(data_dir=tmp_path / "nowhere"))


def test_cli_on_a_dangling_link_is_one_line(data_dir, tmp_path, request):
    (data_dir / "all_books_dataset" / "user_rating_1000_to_2000.csv").symlink_to(tmp_path / "x")
    command = ["flows.prepare_data", "--data-dir", data_dir, "--warehouse", tmp_path / "w"]
    result = run_module(*command, env=env_for(request, command[0]))
    assert result.returncode == 2
    assert "is a link to" in result.stderr and "Traceback" not in result.stderr


# -- item 6: linked data folders -------------------------------------------------------------


def test_linked_data_folders_are_searched_and_loops_end(data_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.move(data_dir / "best_books_dataset", elsewhere)
    (data_dir / "best_books_dataset").symlink_to(elsewhere)
    (elsewhere / "loop").symlink_to(data_dir)  # data -> elsewhere -> data -> ...
    found = find_source_files([data_dir])
    assert [p.name for p in found.files["best_books_ever"]] == ["books_1.Best_Books_Ever.csv"]
    assert len(found.files["user_ratings"]) == 1


# -- item 4 and 8: damaged warehouses --------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture catalog, built and embedded (every table a later step reads)."""
    db = build(tmp_path_factory.mktemp("built") / "w.duckdb", LAYOUTS_DIR)
    embed_books(db, progress=False)
    return db


def truncated_copy(built: Path, target: Path) -> Path:
    target.write_bytes(built.read_bytes()[: built.stat().st_size // 2])
    return target


def test_a_truncated_warehouse_is_one_line_naming_file_and_fix(built, tmp_path):
    cut = truncated_copy(built, tmp_path / "cut.duckdb")
    with pytest.raises(WarehouseError, match=r"cut\.duckdb is damaged .*move it away"):
        with connect(cut, read_only=True) as con:
            for (table,) in con.execute(
                "select table_name from information_schema.tables"
            ).fetchall():
                con.execute(f"select * from {table}").fetchall()


@pytest.mark.parametrize("content", [b"", b"not a database\n", None])
def test_empty_text_or_folder_warehouse_is_damaged_not_locked(tmp_path, content):
    target = tmp_path / "w.duckdb"
    target.mkdir() if content is None else target.write_bytes(content)
    with pytest.raises(WarehouseError) as caught:
        with connect(target, read_only=True):
            pass
    said = {None: "is a folder", b"": "is an empty file, no warehouse yet"}.get(content, "damaged")
    assert said in str(caught.value) and "another process" not in str(caught.value).lower()


@pytest.mark.parametrize("name", ["w.duckdb", "empty.csv", "tiny.txt"])
def test_an_empty_or_tiny_file_named_as_the_warehouse_is_one_line(tmp_path, name):
    # an empty file of any name read "Cannot launch in-memory database in read-only mode!"
    target = tmp_path / name
    target.write_bytes(b"" if name != "tiny.txt" else b"a,b\n")
    with pytest.raises(WarehouseError) as caught:
        with connect(target, read_only=True):
            pass
    said = "not a DuckDB file" if name == "tiny.txt" else "is an empty file, no warehouse yet"
    assert said in str(caught.value)


SLOW = pytest.mark.slow


def run_module(module: str, *args, timeout: int = 180, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def env_for(request: pytest.FixtureRequest, module: str) -> dict[str, str] | None:
    """A flow child runs on the session's Prefect API (tests/conftest.py, prefect_api_env)
    instead of starting a temporary server per run; other commands need no Prefect."""
    return request.getfixturevalue("prefect_api_env") if module.startswith("flows.") else None


@pytest.mark.parametrize(
    "command",
    [
        ["bookrec.serving.cli", "recommend", "--book", "Crime and Punishment||5"],
        # Each flow runs on the session's Prefect API (prefect_api_env): run by `make test`.
        pytest.param(["flows.prepare_data", "--data-dir", str(LAYOUTS_DIR)], marks=SLOW),
        pytest.param(["flows.embed"], marks=SLOW),
        pytest.param(["flows.train"], marks=SLOW),
        pytest.param(["flows.evaluate"], marks=SLOW),
    ],
    ids=lambda c: c[0],
)
def test_every_step_on_a_truncated_warehouse_is_one_line(built, tmp_path, command, request):
    cut = truncated_copy(built, tmp_path / "cut.duckdb")
    result = run_module(*command, "--warehouse", cut, env=env_for(request, command[0]))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "cut.duckdb is damaged" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# -- item 1: failed and killed rebuilds ----------------------------------------------------

# The tables prepare_data builds (lineage holds timestamps: its fingerprints are compared).
BUILT_TABLES = ("books", "ratings", "rejected_rows", "match_report", "raw_user_ratings")


def checksums(db: Path) -> dict[str, tuple]:
    sums = {
        table: query(
            db,
            f"select count(*), md5(string_agg(t::varchar, '|' order by t::varchar)) from {table} as t",
        )[0]
        for table in BUILT_TABLES
    }
    sums["warehouse_info"] = tuple(query(db, "select * from warehouse_info")[0])
    sums["lineage"] = tuple(
        query(db, "select name, built_from, fingerprint from lineage order by 1")
    )
    return sums


def other_inputs(tmp_path: Path) -> Path:
    """The fixture files with one ratings row less: another catalog to rebuild from."""
    other = tmp_path / "other"
    shutil.copytree(LAYOUTS_DIR, other)
    path = other / RATINGS
    path.write_bytes(b"\r\n".join(path.read_bytes().split(b"\r\n")[:-3]) + b"\r\n")
    return other


def test_a_failed_rebuild_is_redone_by_the_next_run(tmp_path, data_dir):
    clean = build(tmp_path / "clean.duckdb", LAYOUTS_DIR)
    db = build(tmp_path / "w.duckdb", LAYOUTS_DIR)
    with pytest.raises(DataError):
        build(db, with_ratings(data_dir, "binary_body.csv"))
    with (
        pytest.raises(WarehouseError, match="being rebuilt, or its last rebuild stopped"),
        connect(db, read_only=True) as con,
    ):
        lineage.require_fresh(con, "books")
    assert not prepare.is_up_to_date(db, prepare.fingerprint(find_source_files([LAYOUTS_DIR])))
    build(db, LAYOUTS_DIR)
    assert checksums(db) == checksums(clean)


KILLER = """
import os, signal, sys
from pathlib import Path
from bookrec.config import DataConfig
from bookrec.warehouse import connection, ingest, prepare

point, data_dir, db = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
calls = {"n": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "second_file":  # half-way through ingest
    real_load = ingest._load_file
    def load(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            die()
        return real_load(*args)
    ingest._load_file = load
else:  # just before one SQL file runs (clean, merge, checks) or warehouse_info is written
    real_run = connection.run_sql
    def run(con, path, *args, **kwargs):
        if path.startswith(point):
            die()
        return real_run(con, path, *args, **kwargs)
    for module in (connection, prepare, ingest):
        module.run_sql = run

prepare.build_warehouse(DataConfig(data_dir=data_dir, warehouse=db, download=False))
"""

KILL_POINTS = [
    "meta/warehouse_info_clear",  # the very start of the rebuild
    "second_file",
    "clean/01",
    "merge/04",
    "checks/",
    "meta/warehouse_info.sql",  # the last write
]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_rebuild_killed_at_any_point_is_redone(tmp_path, point):
    clean = build(tmp_path / "clean.duckdb", LAYOUTS_DIR)
    db = build(tmp_path / "w.duckdb", LAYOUTS_DIR)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, point, str(other_inputs(tmp_path)), str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    with connect(db, read_only=True) as con:
        if point == KILL_POINTS[0]:  # killed before it changed anything: the old state stands
            lineage.require_fresh(con, "books")
        else:  # readers refuse the half-built state instead of serving a mix of two catalogs
            with pytest.raises(WarehouseError, match="being rebuilt"):
                lineage.require_fresh(con, "books")
    build(db, LAYOUTS_DIR)  # the same inputs as before the kill: not "up to date"
    assert checksums(db) == checksums(clean)


# -- issue 22: bit-damaged warehouses ---------------------------------------------------------


def flipped_copy(built: Path, target: Path, *offsets: int) -> Path:
    """A copy of built with 64 bytes inverted at each offset, as a bad disk or copy leaves it."""
    data = bytearray(built.read_bytes())
    for offset in offsets:
        for i in range(offset, min(offset + 64, len(data))):
            data[i] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def read_everything(db: Path) -> None:
    with connect(db, read_only=True) as con:
        for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
            con.execute(f'select * from "{table}"').fetchall()


def data_block_offset(db: Path, table: str) -> int:
    """Where in the file the first storage block of table's data lies (3 headers of 4 KB, then
    blocks of the database's block size), so the damage lands on a page a query reads."""
    with connect(db, read_only=True) as con:
        block_size = con.execute("select block_size from pragma_database_size()").fetchall()[0][0]
        (block,) = con.execute(
            f"select min(block_id) from pragma_storage_info('{table}') where block_id >= 0"
        ).fetchall()[0]
    return 3 * 4096 + block * block_size + 100


# 12: the main header (version, checksum); 4200 and 8300: both database headers (only the
# newer is read, so one alone may go unnoticed); 12400: the first block; then the data pages
# of two tables, found by the queries. DuckDB's message "... in block at location N" once read
# as a lock ("block").
DAMAGE_AT = [(12,), (4200, 8300), (12400,), ("books",), ("ratings",)]


@pytest.mark.parametrize("where", DAMAGE_AT, ids=str)
def test_a_bit_damaged_warehouse_is_damaged_not_locked(built, tmp_path, where):
    offsets = [data_block_offset(built, w) if isinstance(w, str) else w for w in where]
    damaged = flipped_copy(built, tmp_path / "f.duckdb", *offsets)
    with pytest.raises(WarehouseError) as caught:
        read_everything(damaged)
    message = str(caught.value)
    assert "f.duckdb is damaged" in message and "move it away" in message
    assert "another" not in message and "\n" not in message


@pytest.mark.parametrize(
    "command",
    [
        ["bookrec.serving.cli", "recommend", "--book", "X||5"],
        pytest.param(["flows.evaluate"], marks=SLOW),  # a Prefect flow run
    ],
    ids=lambda c: c[0],
)
def test_every_step_on_a_bit_damaged_warehouse_is_one_line(built, tmp_path, command, request):
    pages = [data_block_offset(built, table) for table in ("books", "ratings")]
    damaged = flipped_copy(built, tmp_path / "f.duckdb", *pages)
    env = env_for(request, command[0])
    line = one_error_line(run_module(*command, "--warehouse", damaged, env=env))
    assert line.startswith("error: warehouse") and "f.duckdb is damaged" in line


# -- issue 22: folders without permission -----------------------------------------------------


@pytest.fixture
def locked(tmp_path: Path):
    """A folder without read or search permission (restored after the test, for cleanup)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "x.csv").write_text("title,author,rating\nDune,Frank Herbert,5\n")
    folder.chmod(0)
    yield folder
    folder.chmod(0o755)


def run_as(prefix: list[str], module: str, *args, timeout: int = 180, env=None):
    return subprocess.run(
        [*prefix, sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    # A flow that started logs its run too; the error itself is one line.
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


def test_a_csv_in_a_folder_without_search_permission_is_one_line(unprivileged, locked, built):
    line = one_error_line(
        run_as(
            unprivileged, "bookrec.serving.cli", "recommend", "--csv", locked / "x.csv",
            "--warehouse", built,
        )
    )  # fmt: skip
    assert "x.csv" in line and "Permission denied" in line


@pytest.mark.parametrize(
    "command",
    [["bookrec.serving.cli", "recommend", "--book", "X||5"], ["flows.embed"], ["flows.evaluate"]],
    ids=lambda c: c[0] if len(c) == 1 else c[1],
)
def test_a_warehouse_in_a_folder_without_search_permission_is_one_line(
    unprivileged, locked, command
):
    line = one_error_line(run_as(unprivileged, *command, "--warehouse", locked / "w.duckdb"))
    assert "w.duckdb" in line and "Permission denied" in line and "permissions" in line


FIND = "import sys; from pathlib import Path; from bookrec.warehouse.sources import *; " \
    "print(find_source_files([Path(sys.argv[1])]).summary())"  # fmt: skip


def test_an_unreadable_subfolder_of_the_data_stops_the_run(unprivileged, data_dir, tmp_path):
    """The second rating file sits in a folder nobody may list: before, its rows vanished."""
    extra = data_dir / "more"
    extra.mkdir()
    shutil.copy(data_dir / RATINGS, extra / "user_rating_1000_to_2000.csv")
    for mode, says in [(0, "cannot read this folder"), (0o644, "cannot read this folder")]:
        extra.chmod(mode)  # 0: nothing; 0o644: names listed, none can be opened (no x)
        try:
            result = subprocess.run(
                [*unprivileged, sys.executable, "-c", FIND, str(data_dir)],
                capture_output=True, text=True, timeout=60, cwd=REPO,
            )  # fmt: skip
        finally:
            extra.chmod(0o755)
        assert result.returncode != 0 and "DataError" in result.stderr
        assert f"{extra}: {says}" in result.stderr and "chmod a+rx" in result.stderr


@SLOW  # a Prefect flow run (on the session's API)
def test_an_unreadable_data_dir_is_one_line_from_prepare_data(
    unprivileged, locked, prefect_api_env
):
    line = one_error_line(
        run_as(unprivileged, "flows.prepare_data", "--data-dir", locked / "d", env=prefect_api_env)
    )
    assert "locked/d" in line and "Permission denied" in line


# -- issue 22: huge headers are quoted, not pasted ----------------------------------------------


@pytest.mark.parametrize(
    "header",
    [b"User_ID,Name," + b"x" * 10_000_000, b",".join([b"c"] * 2_500_000)],
    ids=["10 MB column name", "2.5M columns"],
)
def test_a_huge_header_gives_a_short_message(data_dir, tmp_path, header):
    (data_dir / RATINGS).write_bytes(header + b"\r\n1,Dune,it was amazing\r\n")
    with pytest.raises(DataError) as caught:
        build(tmp_path / "w.duckdb", data_dir)
    message = str(caught.value)
    assert "user_rating_0_to_1000.csv" in message and "characters" in message
    assert len(message) < 600, len(message)


# -- issue 22: readers and writers ------------------------------------------------------------

HOLDER = """
import sys, time, duckdb
db, mode, seconds, times = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
for _ in range(times):  # times > 1: open, hold, close, again, as `bookrec recommend` in a loop
    con = duckdb.connect(db, read_only=mode == "read")
    print("holding", flush=True)
    time.sleep(seconds)
    con.close()
    time.sleep(0.05)
"""


def hold(db: Path, mode: str, seconds: float, times: int = 1) -> subprocess.Popen:
    """A process holding db open ("read" or "write"), started once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), mode, str(seconds), str(times)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.fixture
def copied(built, tmp_path) -> Path:
    target = tmp_path / "w.duckdb"
    shutil.copy(built, target)
    return target


def test_a_writer_waits_for_readers_to_finish(copied):
    reader = hold(copied, "read", 0.4, times=6)  # ~2.7 s of short reads with short gaps
    try:
        with connect(copied, wait_s=60) as con:
            con.execute("create table written as select 1 as x")
    finally:
        reader.kill()
        reader.wait()
    assert query(copied, "select x from written") == [(1,)]


def test_a_reader_that_stays_is_called_a_reader(copied):
    reader = hold(copied, "read", 60)
    try:
        with pytest.raises(WarehouseError) as caught, connect(copied, wait_s=0.5):
            pass
    finally:
        reader.kill()
        reader.wait()
    message = str(caught.value)
    assert f"being read by another process (process {reader.pid})" in message
    assert "within 0.5 s" in message and "BOOKREC_READER_WAIT" in message
    assert "writing" not in message


def test_a_writer_is_called_a_writer(copied):
    writer = hold(copied, "write", 60)
    try:
        for read_only in (True, False):
            with pytest.raises(WarehouseError) as caught, connect(copied, read_only, wait_s=0.5):
                pass
            assert f"(process {writer.pid}) that is writing it" in str(caught.value)
    finally:
        writer.kill()
        writer.wait()


def test_a_bad_reader_wait_setting_is_one_line(copied, monkeypatch):
    monkeypatch.setenv("BOOKREC_READER_WAIT", "soon")
    with pytest.raises(ConfigError, match="BOOKREC_READER_WAIT='soon': give a number"):
        with connect(copied):
            pass


# -- issue 22: a full disk --------------------------------------------------------------------

# prepare_data's build in a child process, optionally under a file size limit (SIGXFSZ ignored,
# so a write past it fails with EFBIG as on a full disk instead of killing the process).
FILLER = """
import resource, signal, sys
from pathlib import Path
from bookrec.config import DataConfig
from bookrec.errors import BookrecError
from bookrec.warehouse import prepare

db, data, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    prepare.build_warehouse(DataConfig(data_dir=data, warehouse=db, download=False))
except BookrecError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
"""


def fill(db: Path, limit: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", FILLER, str(db), str(LAYOUTS_DIR), str(limit)],
        capture_output=True, text=True, timeout=180, cwd=REPO,
    )  # fmt: skip


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: the fixture warehouse does not fit (needs root and mount)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()[:200]}")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_one_line_naming_the_disk_and_a_rerun_recovers(small_disk, tmp_path):
    db = small_disk / "w.duckdb"
    line = one_error_line(fill(db))
    assert f"the disk of warehouse {db} is full ({small_disk}: " in line
    assert "of 2.0 MB); a rebuild needs about" in line and "run the step again" in line
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    assert fill(db).returncode == 0  # the same step, with room: a whole, correct warehouse
    assert checksums(db) == checksums(build(tmp_path / "clean.duckdb", LAYOUTS_DIR))


def test_a_file_size_limit_is_one_line_and_a_rerun_recovers(tmp_path):
    db = tmp_path / "w.duckdb"
    # 40 KB: the first commit's write-ahead log passes it (a larger limit is only met by a
    # checkpoint, which DuckDB retries from its log on the next open: nothing is lost)
    line = one_error_line(fill(db, limit=40_000))
    assert f"writing warehouse {db} passed this process's file size limit" in line
    assert "ulimit -f: 39.1 KB" in line
    assert fill(db).returncode == 0
    assert checksums(db) == checksums(build(tmp_path / "clean.duckdb", LAYOUTS_DIR))


def test_a_nul_in_a_title_is_one_rule_for_both_readers(data_dir, tmp_path, caplog):
    """DuckDB's reader and the row-by-row one (taken for mixed line endings) agree."""
    plain = data_dir / RATINGS
    plain.write_bytes(plain.read_bytes().replace(b"1,Crime and Punishment", b"1,Crime and\x00Pun"))
    kept = []
    for name, ending in [("duckdb", b"\r\n"), ("row_by_row", b"\n")]:
        body = plain.read_bytes()
        lines = body.split(b"\r\n")
        # the same rows; the second file's last two rows end in LF, which DuckDB refuses
        (data_dir / RATINGS).write_bytes(b"\r\n".join(lines[:-3]) + b"\r\n" + ending.join(lines[-3:]))
        caplog.clear()
        db = build(tmp_path / f"{name}.duckdb", data_dir)
        assert ("reading it row by row" in caplog.text) == (name == "row_by_row")
        kept.append(query(db, "select count(*) from raw_user_ratings where Name like '%\x00%'"))
        assert query(db, "select count(*) from rejected_rows where reason like 'unreadable%'") == [(0,)]
        plain.write_bytes(body)
    assert kept == [[(1,)], [(1,)]]


def test_a_folder_as_warehouse_is_one_message_everywhere(tmp_path):
    folder = tmp_path / "w.duckdb"
    folder.mkdir()
    lines = [
        one_error_line(run_module(*command, "--warehouse", folder))
        for command in (["bookrec.serving.cli", "recommend", "--book", "X||5"], ["flows.embed"])
    ]
    assert lines[0] == lines[1]
    # nothing of moving it away: the folder may be the one that holds the real warehouse
    assert lines[0] == (
        f"error: warehouse {folder} is a folder; name the DuckDB file itself "
        f"(e.g. {folder / 'bookrec.duckdb'})"
    )


def test_another_file_as_warehouse_is_the_wrong_name_not_damage(tmp_path):
    """A CSV passed as --warehouse by mistake: "move it away and rebuild" would rename the
    reader's file; only a DuckDB file that fails to open is damaged."""
    books = tmp_path / "my_books.csv"
    books.write_text("title,author,rating\nDune,Frank Herbert,5\n", encoding="utf-8")
    line = one_error_line(
        run_module("bookrec.serving.cli", "recommend", "--book", "X||5", "--warehouse", books)
    )
    assert line.startswith(f"error: {books} is not a DuckDB file;")
    assert "check --warehouse" in line and ".damaged" not in line
    assert books.read_text(encoding="utf-8").startswith("title,author")
