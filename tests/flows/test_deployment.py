"""The deployment path for real: a local Prefect server on 127.0.0.1, a process work pool,
`prefect deploy --all` from prefect.yaml, a worker, and `prefect deployment run`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# 90 s ran out at a load average of 10-13 on 2 cores (make test, 2 workers, other jobs);
# one start serves both tests, so a slow start may take its time.
def wait_healthy(api_url: str, server: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout} s")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """One local server for the module: each test runs its deployment on it."""
    home = tmp_path_factory.mktemp("prefect_home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "bookrec",
    }
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_healthy(api_url, server)
        yield env
    finally:
        stop(server)


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
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def deployed(prefect_server, tmp_path_factory) -> dict:
    """Every deployment of prefect.yaml registered once (`prefect deploy --all`, each name
    checked) and one process worker polling the pool, stopped after the module's runs."""
    env = prefect_server
    prefect(env, "work-pool", "create", "bookrec-pool", "--type", "process")
    deployed = prefect(env, "deploy", "--all")
    for expected in ("full/demo", "full/tiny-demo", "embed/dask-local"):
        assert expected in deployed.stdout + deployed.stderr
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "bookrec-pool"],
        cwd=tmp_path_factory.mktemp("worker"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield env
    finally:
        stop(worker)


def test_deploy_and_run_full_flow_on_a_local_server(deployed, tmp_path):
    env = deployed
    warehouse = tmp_path / "deployed.duckdb"
    run = prefect(
        env,
        "deployment",
        "run",
        "full/tiny-demo",
        # the smallest demo flows.full takes (as tests/flows/test_flow_full.py): the run
        # checks the deployment path, not the catalog's size
        # the whole data config: a run's parameter replaces the deployment's
        "--param",
        "data="
        + json.dumps(
            {"demo": True, "demo_books": 60, "demo_users": 20, "warehouse": str(warehouse)}
        ),
        "--param",
        f'reports_dir="{tmp_path / "reports"}"',
        "--param",
        f'artifacts_dir="{tmp_path / "artifacts"}"',
        "--watch",
        "--watch-timeout",
        "600",
        timeout=700,
    )
    assert "Completed" in run.stdout + run.stderr
    assert warehouse.exists()


def test_deployed_embed_runs_on_a_local_dask_cluster(deployed, tmp_path):
    """embed/dask-local: the deployment's flow run fans chunks out to 2 Dask worker processes
    and stores every book's vector (the run's log names the Dask runner)."""
    from bookrec.warehouse.connection import connect
    from tests.conftest import build_tiny_warehouse

    env = deployed
    warehouse = build_tiny_warehouse(tmp_path / "tiny.duckdb")
    chunk_runs_before = embed_chunk_runs(env)
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
        "--watch-timeout",
        "500",
        timeout=600,
    )
    assert "Completed" in run.stdout + run.stderr
    # This run's one chunk loop (the subflow "embed-chunks", here on the deployment's Dask
    # task runner; the module's other deployment run has its own, in-process).
    chunk_runs = embed_chunk_runs(env)
    assert len(chunk_runs) == len(chunk_runs_before) + 1
    assert {r["state_type"] for r in chunk_runs} == {"COMPLETED"}
    with connect(warehouse, read_only=True) as con:
        stored = con.execute("select count(*) from feat_book_embeddings").fetchall()[0][0]
        cached = con.execute("select count(*) from embedding_cache").fetchall()[0][0]
    assert stored == cached == 10


def embed_chunk_runs(env: dict) -> list[dict]:
    """Every run of the subflow "embed-chunks" the server knows."""
    listed = prefect(env, "flow-run", "ls", "--flow-name", "embed-chunks", "-o", "json").stdout
    return json.loads(listed or "[]")
