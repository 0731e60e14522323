"""Stop Prefect's temporary API server when the flow process that started it is killed.

Prefect starts a temporary server (a uvicorn subprocess) for a flow run without a
PREFECT_API_URL and stops it at exit (atexit). A SIGKILL skips atexit, so the server used to
run on forever. Prefect offers no hook for this, so after Prefect starts the server a small
watchdog process is started beside it: it waits for its parent (the flow process) to go and
then stops the server, after checking that the pid still is that server.
"""

from __future__ import annotations

import os
import subprocess
import sys

from prefect.server.api.server import SubprocessASGIServer

# Runs in the watchdog: argv = parent pid, server pid. Ends when either is gone.
WATCHDOG = """
import os, signal, sys, time
parent, server = int(sys.argv[1]), int(sys.argv[2])

def is_server():
    try:
        with open(f"/proc/{server}/cmdline", "rb") as handle:
            return b"prefect.server.api.server" in handle.read()
    except OSError:
        return False

while os.getppid() == parent and is_server():
    time.sleep(1)
if os.getppid() != parent and is_server():
    os.kill(server, signal.SIGTERM)
"""

_original_start = SubprocessASGIServer.start


def _start_with_watchdog(self: SubprocessASGIServer, timeout: int | None = None) -> None:
    was_running = self.running
    _original_start(self, timeout)
    if not was_running and self.server_process is not None:
        subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.server_process.pid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def guard_temporary_server() -> None:
    """Install the watchdog (Linux only: it reads /proc); idempotent."""
    if sys.platform.startswith("linux") and SubprocessASGIServer.start is _original_start:
        SubprocessASGIServer.start = _start_with_watchdog
