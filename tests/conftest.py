"""Shared fixtures: a tiny hand-made warehouse, the real shared data, the Prefect harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# `make test` runs 2 xdist workers on a 2-core machine: torch, numpy's BLAS and ONNX Runtime
# (bookrec reads OMP_NUM_THREADS for it) would each start one thread per core in every worker and
# in every child a test starts, and the workers would fight over the cores. One intra-op thread
# a worker; set before torch or numpy is first imported, which reads it once.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

from bookrec.warehouse.connection import connect  # noqa: E402

SHARED_DATA = Path(
    os.environ.get("BOOKREC_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout (real Goodreads files); skips when it is absent."""
    if not (SHARED_DATA / "all_books_dataset").is_dir():
        pytest.skip(f"real Goodreads files not found at {SHARED_DATA} (set BOOKREC_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_lists_warehouse(shared_data: Path, tmp_path_factory) -> Path:
    """A warehouse built from ../shared/data as `flows.full` builds it, short of the text
    vectors: prepare_data and what flow `lists` adds (~1 minute), once per session. Tests
    read it; tests/lists/test_real_export.py adds feat_book_texts to it."""
    from bookrec.config import CoratingConfig, DataConfig
    from bookrec.warehouse import prepare

    db = tmp_path_factory.mktemp("real_lists") / "real.duckdb"
    prepare.build_warehouse(DataConfig(data_dir=shared_data, warehouse=db, download=False))
    # EASE on the 2,000 most read books, not the default 8,000: the same served path (a full
    # history's co-reading feature) for a tenth of the fit (the inverse is cubic: ~40 s of a
    # loaded 2-core machine at 8,000); these tests check what a list may hold, not its NDCG
    add_list_tables(db, CoratingConfig(ease_max_books=2000))
    return db


def add_list_tables(db: Path, config=None) -> None:
    """What flow `lists` adds: the works tables, the co-rating vectors and EASE's weights
    (config: a CoratingConfig; None: the defaults)."""
    from bookrec.lists.tables import build_list_tables

    with connect(db) as con:
        build_list_tables(con, config)


# 10 books in two tastes (fantasy 1-5, crime 6-10) and 6 users: 1-3 love fantasy and dislike
# crime, 4-6 the reverse. Small enough to check every expected value by hand.
TINY_BOOKS = [
    (
        1,
        "The Dragon Gate",
        "Ann Vale",
        "A young mage seeks a dragon beyond the gate.",
        ["Fantasy"],
        4.1,
        900,
    ),
    (
        2,
        "Crown of Embers",
        "Ann Vale",
        "Wizards and a cursed crown in a fallen kingdom.",
        ["Fantasy"],
        3.9,
        500,
    ),
    (
        3,
        "The Elf Road",
        "Bo Marsh",
        "Elves, magic swords and a long quest north.",
        ["Fantasy"],
        4.0,
        700,
    ),
    (
        4,
        "Spellbound Sea",
        "Bo Marsh",
        "A sorceress sails a sea of enchanted storms.",
        ["Fantasy"],
        3.7,
        300,
    ),
    (
        5,
        "The Last Wizard",
        "Cy Dunn",
        "The last wizard guards a magical library.",
        ["Fantasy"],
        4.2,
        1200,
    ),
    (
        6,
        "Murder at Noon",
        "Di Frost",
        "A detective investigates a murder in London.",
        ["Crime"],
        3.8,
        800,
    ),
    (
        7,
        "The Cold Case",
        "Di Frost",
        "An inspector reopens a cold murder case.",
        ["Crime"],
        4.0,
        650,
    ),
    (
        8,
        "Blood on Baker Street",
        "Ed Hale",
        "A killer stalks London; the police hunt him.",
        ["Crime"],
        3.6,
        400,
    ),
    (
        9,
        "The Silent Witness",
        "Ed Hale",
        "A detective and a witness who saw the crime.",
        ["Crime"],
        3.9,
        550,
    ),
    (
        10,
        "Dead Reckoning",
        "Fay Lund",
        "A homicide detective chases a serial killer.",
        ["Crime"],
        4.3,
        1500,
    ),
]


def _tiny_ratings() -> list[tuple[int, int, int]]:
    rows = []
    for user in range(1, 7):
        likes_fantasy = user <= 3
        for book in range(1, 11):
            fantasy = book <= 5
            rating = 5 if fantasy == likes_fantasy else 2
            if (user + book) % 4 == 0:
                rating -= 1  # some spread so correlations are defined
            rows.append((user, book, rating))
    return rows


def build_tiny_warehouse(db_path: Path) -> Path:
    """Write `books` and `ratings` in the warehouse layout of flows.prepare_data."""
    with connect(db_path) as con:
        con.execute(
            "create or replace table books (book_id bigint, title varchar, author varchar, "
            "description varchar, genres varchar[], avg_rating double, num_ratings bigint, "
            "has_description boolean)"
        )
        con.executemany(
            "insert into books values (?, ?, ?, ?, ?, ?, ?, true)", [list(b) for b in TINY_BOOKS]
        )
        con.execute(
            "create or replace table ratings (user_id bigint, book_id bigint, rating tinyint)"
        )
        con.executemany("insert into ratings values (?, ?, ?)", _tiny_ratings())
    return db_path


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Path:
    """A fresh DuckDB file with a 10-book, 6-user catalog in the final-table layout."""
    return build_tiny_warehouse(tmp_path / "test.duckdb")


# One Prefect server for the whole `make test` run, started by the first xdist worker that needs
# it and shared by the other (each worker starting its own took ~40-60 s of a loaded 2-core
# machine, as did the deployment test's own). A keeper process owns the server: it stops it when
# the pytest process that ran the session ends, even when that process is killed; the session's
# end (pytest_sessionfinish below) stops it at once.
KEEPER = """
import os, signal, subprocess, sys, time
owner = int(sys.argv[1])
server = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

def owner_alive():
    try:
        os.kill(owner, 0)
        return True
    except OSError:
        return False

try:
    while owner_alive() and server.poll() is None:
        time.sleep(1)
finally:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
"""
SERVER_FILE = "prefect_server.json"


def _session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this session sees: the controller's base temporary folder
    (xdist gives each worker a folder popen-gwN inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _healthy(api_url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _start_prefect_server(folder: Path) -> dict:
    """`prefect server start` on a free port of 127.0.0.1 with its own home and SQLite file,
    under a keeper; returns {"api_url", "keeper"} once /health answers."""
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api_url = f"http://127.0.0.1:{port}/api"
    home = folder / "prefect_home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    owner = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
    prefect = str(Path(sys.executable).with_name("prefect"))
    command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    log = (folder / "prefect_server.log").open("w")
    keeper = subprocess.Popen(
        [sys.executable, "-c", KEEPER, str(owner), *command],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the session's end stops it whole
    )
    # 30 s (Prefect's harness default) is too little on a loaded 2-core machine; 120 s was
    # seen to run out at a load average of 13. One start a session can afford to wait.
    deadline = time.monotonic() + 300
    while not _healthy(api_url):
        if keeper.poll() is not None or time.monotonic() > deadline:
            keeper.kill()
            log.close()
            tail = (folder / "prefect_server.log").read_text()[-2000:]
            raise RuntimeError(f"the test Prefect server did not start:\n{tail}")
        time.sleep(0.5)
    return {"api_url": api_url, "keeper": keeper.pid}


@pytest.fixture(scope="session")
def prefect_server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The API URL of the session's one Prefect server (SQLite, throwaway), started on first
    use by whichever worker needs it first; the other worker waits for it and reuses it."""
    import fcntl
    import json

    folder = _session_dir(tmp_path_factory)
    with (folder / "prefect_server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = folder / SERVER_FILE
        if known.is_file():
            server = json.loads(known.read_text())
            if _healthy(server["api_url"]):
                return server["api_url"]
        server = _start_prefect_server(folder)
        known.write_text(json.dumps(server))
    return server["api_url"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or the one process without xdist) stops the session's Prefect server."""
    import json
    import signal
    import time

    if hasattr(session.config, "workerinput"):
        return  # a worker: the other may still use the server
    known = session.config._tmp_path_factory.getbasetemp() / SERVER_FILE
    if not known.is_file():
        return
    keeper = json.loads(known.read_text())["keeper"]
    try:
        os.killpg(keeper, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            os.killpg(keeper, 0)
            time.sleep(0.2)
        os.killpg(keeper, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the group is gone


@pytest.fixture(scope="session")
def prefect_backend(prefect_server_url: str):
    """This process's flows report to the session's Prefect server (as Prefect's test harness
    does it, minus a server per process)."""
    import contextlib
    import inspect

    import prefect.context
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        # the logs and events still queued go to the server before it may stop
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:
            pass  # no log worker was started
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    with contextlib.ExitStack() as stack:
        stack.enter_context(temporary_settings(updates={PREFECT_API_URL: prefect_server_url}))
        # also the process-global context, for code in a context copied before this one
        stack.enter_context(
            prefect.context._temporary_global_settings_context(
                prefect.context.get_settings_context()
            )
        )
        yield
        run_coro_as_sync(drain())


@pytest.fixture(scope="session")
def prefect_api_env(prefect_server_url: str) -> dict[str, str]:
    """The environment of a `python -m flows.<name>` child: this session's Prefect API, so the
    child does not start a temporary server of its own (~20 s each on this machine).
    tests/flows/test_server_guard.py runs a flow with its own temporary server."""
    return {**os.environ, "PREFECT_API_URL": prefect_server_url}


# Root (as in CI) reads and searches every folder: permission cases run their command without
# the two capabilities that allow that, when util-linux's setpriv can drop them.
_NO_DAC = ["--bounding-set", "-dac_override,-dac_read_search"]


@pytest.fixture(scope="session")
def unprivileged() -> list[str]:
    """A command prefix that runs a child without permission to bypass file modes."""
    import shutil
    import subprocess

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): file modes cannot bind")
    probe = subprocess.run([setpriv, *_NO_DAC, "--", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop CAP_DAC_OVERRIDE here: {probe.stderr.strip()[:200]}")
    return [setpriv, *_NO_DAC, "--"]


# `make test` runs the suite on 2 xdist workers (`-n 2 --dist loadgroup`). A group runs on one
# worker: tests sharing a costly session fixture are one group, so it is built once (the real
# warehouse takes minutes); every other module is a group, so its module fixtures are built once.
_SESSION_GROUPS = {
    "shared_data": "real_data",
    "real_lists_warehouse": "real_data",
    "web_warehouse": "web",
}


def _group_of(item: pytest.Item) -> str:
    for fixture, group in _SESSION_GROUPS.items():
        if fixture in item.fixturenames:
            return group
    return item.nodeid.split("::")[0]


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups = {item: _group_of(item) for item in items}
    for item, group in groups.items():
        item.add_marker(pytest.mark.xdist_group(group))
    if not hasattr(config, "workerinput"):
        return  # one process: keep the files' order
    # On the workers, groups with real data or a slow test go first (handed out in this order
    # with --no-loadscope-reorder), so the long ones do not end the run on one worker alone.
    first_seen: dict[str, int] = {}
    weight: dict[str, int] = {}
    for index, item in enumerate(items):
        group = groups[item]
        first_seen.setdefault(group, index)
        heavy = 2 if group == "real_data" else 1 if item.get_closest_marker("slow") else 0
        weight[group] = max(weight.get(group, 0), heavy)
    order = {item: index for index, item in enumerate(items)}
    items.sort(key=lambda i: (-weight[groups[i]], first_seen[groups[i]], order[i]))
