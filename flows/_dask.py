"""The task runner of flows that fan chunks out: in-process threads, or a Dask cluster.

--dask-address tcp://host:8786 sends tasks to an existing cluster (its workers must see the
warehouse path and have bookrec installed); --dask-workers N starts a local cluster of N worker
processes on 127.0.0.1 for the length of the run. Without either, nothing changes: the flow
runs in its own process as before. Either way the flow process stays the only DuckDB writer.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bookrec.config import ClusterConfig, usable_cores
from bookrec.errors import ConfigError

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

# Fault injection for the tests (a real mechanism read in the worker, not a mock): when set to
# a file path, the first chunk task that finds no file there creates it and fails, so one chunk
# fails exactly once and its retry must complete the run.
FAULT_ONCE_ENV = "BOOKREC_FAULT_CHUNK_ONCE"


def dask_task_runner(cluster: ClusterConfig):
    """prefect-dask's DaskTaskRunner for an existing cluster or a local one of N processes."""
    # Read when distributed is first imported: keeps its start/stop chatter out of the log.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    from prefect_dask import DaskTaskRunner

    if cluster.dask_address:
        require_scheduler(cluster.dask_address)
        return DaskTaskRunner(address=cluster.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": cluster.dask_workers,
            "threads_per_worker": 1,  # one chunk at a time per process; torch has the cores
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": ":0",  # any free port: several runs may share a machine
            "env": {
                "PREFECT_API_URL": current_api_url(),
                # the workers' own start/stop chatter, not their errors
                "DASK_LOGGING__DISTRIBUTED": "warning",
            },
        }
    )


SCHEDULER_WAIT_S = 5.0


def require_scheduler(address: str) -> None:
    """Fail in one line when nothing listens at a tcp:// scheduler address: Dask's client
    waits 30 s, then ends the run in four tracebacks. (Other protocols: Dask says.)

    Raises:
        ConfigError: the host is unknown or nothing answers on its port.
    """
    scheme, _, where = address.partition("://")
    host, _, port = where.rpartition(":")
    if scheme != "tcp" or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), SCHEDULER_WAIT_S):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"--dask-address {address}: no Dask scheduler answers there ({why}); start one "
            "(`dask scheduler`) or leave the option out to use this machine's cores"
        ) from None


def chunk_task_runner(cluster: ClusterConfig, threads: int = 1):
    """The runner a flow's one chunk loop runs on: Dask when an option asks for it, else
    `threads` threads of this process (embed: one, torch already uses every core;
    recommend_all: one per core, see chunk_per_core_runner)."""
    if cluster.uses_dask:
        return dask_task_runner(cluster)
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=threads)


@contextmanager
def chunk_per_core_runner(cluster: ClusterConfig) -> Iterator[TaskRunner]:
    """recommend_all's runner, started for the length of the block: Dask as chunk_task_runner
    gives it (each worker process is its own chunk loop), else one chunk per core in this
    process with BLAS held to one thread for the length of the run (numpy's partitions, exps
    and masks run on one core, so chunks side by side use the cores the products alone would).
    Each thread hands its chunk to a worker forked from this process where it can
    (forked_processes): the threads alone share one interpreter lock."""
    if cluster.uses_dask:
        with chunk_task_runner(cluster) as runner:
            yield runner
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"), chunk_task_runner(cluster, usable_cores()) as runner:
        yield runner


def forked_processes(cluster: ClusterConfig) -> int:
    """How many worker processes recommend_all's in-process runner forks to score its chunks
    (bookrec.serving.forked: one per core once the Recommender is loaded); 0 on Dask, whose
    workers are processes already, or where the platform cannot fork."""
    from bookrec.serving.forked import can_fork

    cores = usable_cores()
    return cores if not cluster.uses_dask and cores > 1 and can_fork() else 0


def current_api_url() -> str:
    """The Prefect API this flow reports to, for the local workers: without it each worker
    process would start a temporary Prefect server of its own (a minute of start-up each)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url).rstrip("/")


def threads_per_local_worker(dask_workers: int | None) -> int | None:
    """torch threads for each local worker: the cores shared out, so N workers do not each
    start one thread per core and fight over them. None (torch's default) for a remote cluster.
    """
    if not dask_workers:
        return None
    return max(1, usable_cores() // dask_workers)


def fail_once_if_asked(what: str) -> None:
    """The fault-injection hook (see FAULT_ONCE_ENV); does nothing when the variable is unset."""
    marker = os.environ.get(FAULT_ONCE_ENV)
    if not marker:
        return
    try:
        with open(marker, "x") as handle:
            handle.write(what)
    except FileExistsError:
        return
    raise RuntimeError(f"injected fault in {what} ({FAULT_ONCE_ENV}={marker})")
