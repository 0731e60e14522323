"""Shared pieces of the benchmarks: where the real data is, timing a child process, reports."""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bookrec.report_json import report_json

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("BOOKREC_SHARED_DATA", ROOT.parent / "shared" / "data"))
REPORTS = ROOT / "reports"


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's parser, as a flow's (flows/_cli.flow_parser): the docstring's first
    paragraph as the description, the rest (its commands, what it measures) as the epilog."""
    first, _, rest = doc.strip().partition("\n\n")
    return argparse.ArgumentParser(
        description=textwrap.fill(" ".join(first.split()), 79),
        epilog=rest.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def require_shared_data() -> Path:
    """../shared/data, or exit with a clear message (benchmarks are about real data)."""
    if not (SHARED_DATA / "all_books_dataset").is_dir():
        sys.exit(
            f"benchmarks need the real Goodreads files at {SHARED_DATA} "
            "(set BOOKREC_SHARED_DATA to point elsewhere)"
        )
    return SHARED_DATA


def _tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    total_kib, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total_kib += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue  # the process ended between two reads
    return total_kib / 1024


def run_timed(
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    log: Path | None = None,
) -> dict[str, float]:
    """Run a command to completion (in `cwd`); its wall time and peak resident memory (MiB).

    Memory is sampled every 0.1 s over the command's whole process tree (a flow starts a
    temporary Prefect server beside itself), so the peak is what the job needed in all.
    log: where to keep the command's stderr (Prefect's log lines), if anywhere.
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=stderr,  # a file, not a pipe: a chatty child cannot fill it and block
        )
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, _tree_rss_mib(process.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        stderr.seek(0)
        errors = stderr.read()
    if log is not None:
        log.write_text(errors)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{errors[-3000:]}")
    return {"wall_s": round(wall, 2), "peak_mib": round(peak, 1)}


def machine() -> dict[str, object]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "max_rss_self_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def write_report(name: str, payload: dict, markdown: str) -> tuple[Path, Path]:
    """reports/<name>.json and reports/<name>.md.

    Sections another benchmark wrote into the same Markdown report (between
    `<!-- section: NAME -->` and `<!-- /section: NAME -->`, e.g. bench/web_load.py's part of
    bench_speed.md) are kept at the end, so rerunning one benchmark never drops another's.
    """
    REPORTS.mkdir(exist_ok=True)
    json_path = REPORTS / f"{name}.json"
    md_path = REPORTS / f"{name}.md"
    json_path.write_text(report_json(payload), encoding="utf-8")
    old = md_path.read_text() if md_path.exists() else ""
    blocks = re.findall(r"(<!-- section: (\S+) -->.*?<!-- /section: \2 -->)", old, re.S)
    kept = [text for text, section in blocks if f"<!-- section: {section} -->" not in markdown]
    md_path.write_text(markdown.rstrip("\n") + "".join(f"\n\n{k}" for k in kept) + "\n")
    return json_path, md_path


def table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table of rows (dicts), numbers rounded to 3 decimals."""

    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


BENCH_WAREHOUSE = ROOT / "warehouse" / "bench.duckdb"
BENCH_ARTIFACTS = ROOT / "artifacts" / "bench"


def real_warehouse(embed: bool = True) -> Path:
    """warehouse/bench.duckdb built from ../shared/data, embedded with the default encoder and
    with the default projector trained and applied.

    Idempotent: prepare skips unchanged inputs, embed encodes only texts not cached yet and
    train reuses a saved projector of the same version, so only the first benchmark run on a
    machine pays for encoding the catalog (~10 minutes on 2 cores).
    """
    from bookrec.config import DataConfig, ProjectorConfig
    from bookrec.embedding.store import embed_books
    from bookrec.training.pipeline import train_projector
    from bookrec.training.reencode import encode_with_projector
    from bookrec.warehouse.connection import connect
    from bookrec.warehouse.prepare import build_warehouse

    data = require_shared_data()
    build_warehouse(DataConfig(data_dir=data, warehouse=BENCH_WAREHOUSE, download=False))
    if embed:
        embed_books(BENCH_WAREHOUSE)
        with connect(BENCH_WAREHOUSE) as con:
            train_projector(con, ProjectorConfig(), BENCH_ARTIFACTS)
            encode_with_projector(con, BENCH_ARTIFACTS)
    return BENCH_WAREHOUSE


def replace_section(path: Path, name: str, text: str) -> None:
    """Put `text` between this section's markers in a report, replacing an earlier run's."""
    begin, end = f"<!-- section: {name} -->", f"<!-- /section: {name} -->"
    old = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)
