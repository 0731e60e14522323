"""The deployment path for real: a local Prefect server on 127.0.0.1, a process work pool,
`prefect deploy --all` from prefect.yaml, a worker, and `prefect deployment run`; and flows.full
end to end, built by the deployed run, then run again in process, then recommend_all deployed
on what it built."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.warehouse.test_explore import undescribed

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_server(prefect_server_url, tmp_path_factory):
    """The session's local Prefect server (`prefect server start` on 127.0.0.1, tests/conftest.py,
    shared with the flow tests), seen by this module's CLI calls from a home of their own."""
    home = tmp_path_factory.mktemp("prefect_home")
    return {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": prefect_server_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def prefect(env: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PREFECT, "--no-prompt", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the worker's whole process group after 5 s: by now it runs
    nothing, and Prefect's worker sometimes took the full 30 s it was given to exit (the
    slowest teardown of a CI run)."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def deployed(prefect_server, tmp_path_factory) -> dict:
    """Every deployment of prefect.yaml registered once (`prefect deploy --all`, each name
    checked) and one process worker polling the pool, stopped after the module's runs."""
    env = prefect_server
    prefect(env, "work-pool", "create", "bookrec-pool", "--type", "process")
    prefect(env, "work-pool", "set-concurrency-limit", "bookrec-pool", "1")  # as docs say
    deployed = prefect(env, "deploy", "--all")
    for expected in ("full/demo", "full/tiny-demo", "embed/dask-local"):
        assert expected in deployed.stdout + deployed.stderr
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "bookrec-pool"],
        cwd=tmp_path_factory.mktemp("worker"),
        # the worker asks for scheduled runs every second, not every 10 s (Prefect's default)
        env={**env, "PREFECT_WORKER_QUERY_SECONDS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield env
    finally:
        stop(worker)


def test_deployed_full_flow_builds_everything_then_a_rerun_skips_finished_work(
    deployed, prefect_backend, tmp_path
):
    """flows.full end to end twice on the smallest demo catalog it takes: first the deployment
    full/tiny-demo run by the worker, then the same run in this process, which redoes nothing.
    (One full build for both checks: each took ~1 minute of a loaded 2-core machine.)"""
    from bookrec.config import DataConfig
    from bookrec.warehouse.connection import connect
    from bookrec.warehouse.summary import summarize
    from flows.full import full

    env = deployed
    data = DataConfig(demo=True, demo_books=60, demo_users=20, warehouse=tmp_path / "w.duckdb")
    options = dict(
        data=data,
        reports_dir=str(tmp_path / "reports"),
        artifacts_dir=str(tmp_path / "artifacts"),
    )
    run = prefect(
        env,
        "deployment",
        "run",
        "full/tiny-demo",
        # the whole data config: a run's parameter replaces the deployment's
        "--param",
        "data="
        + json.dumps(
            {"demo": True, "demo_books": 60, "demo_users": 20, "warehouse": str(data.warehouse)}
        ),
        "--param",
        f'reports_dir="{options["reports_dir"]}"',
        "--param",
        f'artifacts_dir="{options["artifacts_dir"]}"',
        "--watch",
        "--watch-interval",
        "1",
        "--watch-timeout",
        "600",
        timeout=700,
    )
    assert "Completed" in run.stdout + run.stderr
    # what the deployed run returned (flows.full ends with this summary of its warehouse)
    summary = summarize(data.warehouse, tmp_path / "reports").as_dict()
    assert summary["synthetic"] is True
    assert summary["books_embedded"] == summary["books"] > 60
    # every report of a demo run says so first (README: "labelled as such ... in every report")
    for report in ("evaluation.md", "embeddings.md", "topn.md"):
        head = (tmp_path / "reports" / report).read_text().splitlines()[:3]
        assert any(line.startswith("Data: the built-in SYNTHETIC demo catalog") for line in head)
    assert "SYNTHETIC" in json.loads((tmp_path / "reports" / "evaluation.json").read_text())["data"]
    assert "book_avg_goodreads" in summary["spearman"]
    with connect(data.warehouse, read_only=True) as con:
        cached = con.execute("select count(*) from embedding_cache").fetchall()[0][0]

    again = full(**options)
    assert again["books_embedded"] == summary["books_embedded"]
    with connect(data.warehouse, read_only=True) as con:
        # Nothing new was encoded: the cache holds exactly the vectors of the first run.
        assert con.execute("select count(*) from embedding_cache").fetchall()[0][0] == cached

    # recommend_all/default on the built warehouse: the worker's flow run scores its chunks in
    # workers forked from it (bookrec.serving.forked) and writes every reader's list
    run = prefect(
        env,
        "deployment",
        "run",
        "recommend_all/default",
        "--param",
        f'warehouse="{data.warehouse}"',
        "--param",
        'config={"top": 3, "min_num_ratings": 0}',
        "--watch",
        "--watch-interval",
        "1",
        "--watch-timeout",
        "300",
        timeout=400,
    )
    assert "Completed" in run.stdout + run.stderr
    with connect(data.warehouse, read_only=True) as con:
        readers = con.execute("select count(distinct user_id) from ratings").fetchone()[0]
        ranks = con.execute(
            "select count(distinct user_id), min(rank), max(rank), count(*) from recommendations"
        ).fetchone()
        runner = con.execute("select runner from recommend_all_runs").fetchall()
        # every table the whole job builds says what it holds (sql/meta/table_comments.sql)
        bare = undescribed(con)
    assert ranks == (readers, 1, 3, 3 * readers) and readers >= 15
    assert runner == [("in-process",)]
    assert bare == ([], [])
    # the library's progress lines reach the run's log (prefect.yaml's job variables; the
    # environment of this test no longer names the logger itself)
    flow_run = re.search(r"UUID: ([0-9a-f-]{36})", run.stdout + run.stderr)
    assert flow_run, run.stdout
    logs = prefect(env, "flow-run", "logs", flow_run[1]).stdout
    assert re.search(r"stored \d+ recommendations of run", logs), logs[-2000:]

    # a user's mistake in a deployed run: its one line, no traceback (the command line's
    # filter, installed by the flow module in the worker's flow process too)
    missing = tmp_path / "no-such.duckdb"
    failed = subprocess.run(
        [PREFECT, "--no-prompt", "deployment", "run", "recommend_all/default", "--param",
         f'warehouse="{missing}"', "--watch", "--watch-interval", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    flow_run = re.search(r"UUID: ([0-9a-f-]{36})", failed.stdout + failed.stderr)
    logs = prefect(env, "flow-run", "logs", flow_run[1]).stdout
    assert f"warehouse {missing} does not exist" in logs and "Traceback" not in logs, logs


def test_deployed_embed_runs_on_a_local_dask_cluster(deployed, tmp_path):
    """embed/dask-local: the deployment's flow run fans chunks out to 2 Dask worker processes
    and stores every book's vector (the run's log says how many worker processes encoded)."""
    from bookrec.warehouse.connection import connect
    from tests.conftest import build_tiny_warehouse

    env = deployed
    warehouse = build_tiny_warehouse(tmp_path / "tiny.duckdb")
    run = prefect(
        env,
        "deployment",
        "run",
        "embed/dask-local",
        "--param",
        f'warehouse="{warehouse}"',
        "--param",
        'config={"chunk_size": 4}',
        "--watch",
        "--watch-interval",
        "1",
        "--watch-timeout",
        "500",
        timeout=600,
    )
    assert "Completed" in run.stdout + run.stderr
    # This run's one chunk loop: 10 books in chunks of 4 make 3 encode_chunk task runs of this
    # flow run (other tests' embed runs on the shared server are other flow runs).
    run_id = flow_run_id(run.stdout + run.stderr)
    states = chunk_task_states(env, run_id, expected=3)
    assert states == ["COMPLETED"] * 3
    said = flow_run_messages(env, run_id, "chunks encoded in")
    assert re.search(r"3 chunks encoded in (1 worker process|2 worker processes)$", said), said
    with connect(warehouse, read_only=True) as con:
        stored = con.execute("select count(*) from feat_book_embeddings").fetchall()[0][0]
        cached = con.execute("select count(*) from embedding_cache").fetchall()[0][0]
    assert stored == cached == 10


def flow_run_id(output: str) -> str:
    """The id `prefect deployment run` prints for the flow run it created."""
    found = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert found, output
    return found.group(1)


def flow_run_messages(env: dict, flow_run: str, containing: str) -> str:
    """The flow run's log lines (the server's API) holding `containing`: a run's last lines
    may land a moment after its end."""
    # newest first: the API answers 200 lines at most
    query = {"logs": {"flow_run_id": {"any_": [flow_run]}}, "sort": "TIMESTAMP_DESC"}

    def holds(found: list[dict]) -> bool:
        return any(containing in entry["message"] for entry in found)

    lines = [entry["message"] for entry in api_filter(env, "logs", query, holds)]
    return "\n".join(line for line in lines if containing in line)


def chunk_task_states(env: dict, flow_run: str, expected: int) -> list[str]:
    """The states of the flow run's encode_chunk task runs (the server's API). Task runs are
    recorded from the events their workers send, so the last may land a moment after the flow
    run's own end: asked until `expected` runs are there, all final."""
    query = {
        "flow_runs": {"id": {"any_": [flow_run]}},
        "task_runs": {"name": {"like_": "encode_chunk"}},
    }

    def settled(runs: list[dict]) -> bool:
        states = {r["state_type"] for r in runs}
        return len(runs) >= expected and states <= {"COMPLETED", "FAILED", "CRASHED"}

    return sorted(r["state_type"] for r in api_filter(env, "task_runs", query, settled))


def api_filter(env: dict, kind: str, query: dict, enough, seconds: float = 30) -> list[dict]:
    """POST /<kind>/filter on the server, asked again each second for up to `seconds` until
    enough(what it found) holds; what it found last."""
    request = urllib.request.Request(
        f"{env['PREFECT_API_URL']}/{kind}/filter",
        data=json.dumps(query).encode(),
        headers={"Content-Type": "application/json"},
    )
    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(request, timeout=30) as answer:
            found = json.load(answer)
        if enough(found) or time.monotonic() > deadline:
            return found
        time.sleep(1)
