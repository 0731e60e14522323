"""`bookrec serve --workers N`: N uvicorn processes, each with its own listening socket.

uvicorn's own --workers hands every worker the same listening socket, and whichever worker's
event loop wakes first accepts every connection then waiting. Clients that connect together
(a page's keep-alive connections, a load check's 20 clients) then often all land on one
worker while the other idles: measured with 2 workers on 2 cores, three runs of 20 clients
split 20/0, 16/4 and 12/8, and the 20/0 run served 38 requests/s against 67 for 12/8. Here
each worker binds its own socket to the port with SO_REUSEPORT, so the kernel spreads new
connections over the workers (by a hash of their addresses) whatever each worker is doing.

Where SO_REUSEPORT is missing (Windows), uvicorn's own workers serve instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time

log = logging.getLogger(__name__)

BACKLOG = 2048  # uvicorn's default
STOP_WAIT_S = 30.0  # a worker still busy after SIGTERM this long is killed
EARLY_EXIT_S = 60.0  # a worker exiting by itself this soon after starting failed to start
STARTUP_FAILURE = 3  # uvicorn.config.STARTUP_FAILURE: the exit status of a failed start


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port with SO_REUSEPORT, listening (one per worker)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def _worker(app: str, host: str, port: int, access_log: bool) -> None:
    """One worker process: its own socket, then uvicorn until SIGTERM/SIGINT."""
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(
        app, factory=True, host=host, port=port, log_level="info", access_log=access_log
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)  # as uvicorn.run does


def run_workers(app: str, host: str, port: int, workers: int, access_log: bool = False) -> int:
    """Serve `app` (an import string of an app factory) from `workers` processes until
    SIGINT/SIGTERM. A worker killed by a signal, or exiting later than EARLY_EXIT_S after its
    start, is restarted; one failing to start stops them all.
    access_log: uvicorn's line per request.

    Returns:
        The exit status: 0 after a signal, 1 when a worker failed right after starting.
    """
    context = multiprocessing.get_context("spawn")  # no inherited event loop or threads

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(target=_worker, args=(app, host, port, access_log))
        process.start()
        return process, time.monotonic()

    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    procs = [start() for _ in range(workers)]
    status = 0
    log.info("serving on http://%s:%d with %d worker processes", host, port, workers)
    try:
        while not stopping:
            time.sleep(0.5)
            for i, (process, started) in enumerate(procs):
                if process.is_alive() or stopping:
                    continue
                code = process.exitcode
                # A signal (the OOM killer, kill -9) is not the worker's fault: restart it. An
                # exit of its own while starting (the app failed to load) would repeat.
                if code == STARTUP_FAILURE or (
                    code is not None and code >= 0 and time.monotonic() - started < EARLY_EXIT_S
                ):
                    log.error("worker %d exited (%s) while starting", process.pid, code)
                    status, stopping = 1, True
                    break
                log.warning("worker %d exited (%s): restarting it", process.pid, process.exitcode)
                procs[i] = start()
    finally:
        for process, _ in procs:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_WAIT_S
        for process, _ in procs:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status
