"""A flow killed with SIGKILL does not leave Prefect's temporary server running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> dict[int, str]:
    """pid -> command line of each live child of pid (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watchdog reads /proc")
def test_kill_9_of_a_flow_stops_its_temporary_server(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    flow = subprocess.Popen(
        [sys.executable, "-m", "flows.prepare_data", "--demo", "--demo-books", "200"]
        + ["--demo-users", "40", "--warehouse", str(tmp_path / "w.duckdb")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        deadline = time.monotonic() + 120
        while server is None and time.monotonic() < deadline and flow.poll() is None:
            kids = children(flow.pid)
            servers = [p for p, cmd in kids.items() if "prefect.server.api.server" in cmd]
            if servers and len(kids) >= 2:  # the server and its watchdog
                server = servers[0]
            time.sleep(0.2)
        assert server is not None, "the flow never started a temporary server"
        flow.send_signal(signal.SIGKILL)
        flow.wait()
        deadline = time.monotonic() + 15
        while alive(server) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(server)
    finally:
        if flow.poll() is None:
            flow.kill()
        if server is not None and alive(server):
            os.kill(server, signal.SIGKILL)


# A process that forks recommend_all's scorers (bookrec.serving.forked) as the flow does once
# its catalog is loaded, has them each answer once, prints their pids and waits to be killed.
FORKS_SCORERS = """
import os, sys, time
from bookrec.serving import forked
pool = forked._pool_for(object(), 2)
print(*sorted({pool.submit(os.getpid).result() for _ in range(20)}), flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked scorers: Linux only")
def test_kill_9_of_a_flow_stops_its_forked_scorers():
    """A flow killed with -9 runs no clean-up: its idle scorers see their parent gone and exit
    instead of waiting on their queue for ever, holding memory."""
    flow = subprocess.Popen(
        [sys.executable, "-c", FORKS_SCORERS], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    workers: list[int] = []
    try:
        workers = [int(pid) for pid in flow.stdout.readline().split()]
        assert workers and set(workers) <= set(children(flow.pid))
        flow.send_signal(signal.SIGKILL)
        flow.wait()
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers)
    finally:
        if flow.poll() is None:
            flow.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
