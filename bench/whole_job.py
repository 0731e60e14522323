"""The whole job on the real shared data from an empty cache, before and after (issue 20).

`python -m flows.full --data-dir ../shared/data` (prepare_data -> embed -> lists -> train ->
encode_embeddings -> test_embeddings -> evaluate) into a new warehouse, run first by the
commit issue 20 started from (BEFORE_REF, extracted from git, run with this environment) and
then by this checkout, one after the other on the same machine. A new warehouse holds no
embedding cache (the vectors are cached in it by content hash) and each run gets an empty
ONNX model cache ($BOOKREC_CACHE_DIR), so every text is encoded and the exported model built
as on a first run. Times per step come from Prefect's log lines (each step is a subflow).

Usage: python bench/whole_job.py [--before REF] [--skip-before]
Writes reports/bench_whole_job.md and .json, and the "whole_job" section of
reports/bench_speed.md. Takes ~12 minutes of both cores here (the old commit ~6.5, this one ~5).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.batch_lists import extract_ref  # noqa: E402
from bench.common import (  # noqa: E402
    REPORTS,
    ROOT,
    bench_parser,
    machine,
    replace_section,
    require_shared_data,
    run_timed,
    table,
    write_report,
)
from bookrec.warehouse.connection import connect  # noqa: E402

# The last commit before issue 20 was filed (2026-11-26): torch encoder, one reader at a time.
BEFORE_REF = "98a1677"
STEPS = (
    "prepare_data",
    "embed",
    "lists",
    "train",
    "encode_embeddings",
    "test_embeddings",
    "evaluate",
)
# Prefect's lines: "12:00:01.234 | INFO    | Flow run 'calm-fox' - Beginning subflow run
# 'calm-fox' for flow 'embed'" and "... | Flow run 'calm-fox' - Finished in state Completed()"
_CLOCK = r"(\d\d:\d\d:\d\d\.\d+) \| \w+\s*\| Flow run '([^']+)' - "
_BEGIN = re.compile(_CLOCK + r"Beginning (?:sub)?flow run '[^']+' for flow '([^']+)'")
_END = re.compile(_CLOCK + r"Finished in state")


def step_seconds(log: str) -> dict[str, float]:
    """Seconds of each flow run in a Prefect log, by flow name (a step run twice: summed)."""
    started: dict[str, tuple[str, datetime]] = {}
    seconds: dict[str, float] = {}
    for line in log.splitlines():
        if match := _BEGIN.search(line):
            clock, run, name = match.groups()
            started[run] = (name, datetime.strptime(clock, "%H:%M:%S.%f"))
        elif (match := _END.search(line)) and match.group(2) in started:
            name, begun = started.pop(match.group(2))
            took = datetime.strptime(match.group(1), "%H:%M:%S.%f") - begun
            if took < timedelta(0):  # the clock passed midnight
                took += timedelta(days=1)
            seconds[name] = round(seconds.get(name, 0.0) + took.total_seconds(), 1)
    return seconds


def whole_job(label: str, work: Path, data: Path, source: Path | None) -> dict[str, object]:
    """One `python -m flows.full` over the shared data into work/<label>/bookrec.duckdb, timed."""
    folder = work / label
    folder.mkdir()
    warehouse = folder / "bookrec.duckdb"
    log = folder / "prefect.log"
    print(f"{label}: the whole job into {warehouse} ...", flush=True)
    env = {"BOOKREC_CACHE_DIR": str(folder / "cache"), "PYTHONPATH": str(source or ROOT)}
    load_before = round(os.getloadavg()[0], 1)
    timed = run_timed(
        [
            sys.executable,
            "-m",
            "flows.full",
            "--data-dir",
            str(data),
            "--warehouse",
            str(warehouse),
            "--reports-dir",
            str(folder / "reports"),
            "--artifacts-dir",
            str(folder / "artifacts"),
        ],
        env=env,
        cwd=source or ROOT,
        log=log,
    )
    with connect(warehouse, read_only=True) as con:
        books, ratings = con.execute(
            "select (select count(*) from books), (select count(*) from ratings)"
        ).fetchall()[0]
        vectors = con.execute("select count(*) from feat_book_embeddings").fetchall()[0][0]
    row = {
        "commit": label,
        "wall_s": timed["wall_s"],
        "peak_mib": timed["peak_mib"],
        "books": books,
        "ratings": ratings,
        "vectors": vectors,
        "load_avg_before": load_before,
        **{f"{step}_s": seconds for step, seconds in step_seconds(log.read_text()).items()},
    }
    print(f"{label}: {row}", flush=True)
    return row


def markdown(payload: dict) -> str:
    runs = payload["runs"]
    columns = ["commit", "wall_s", "peak_mib", "books", "vectors", "load_avg_before"]
    columns += [f"{s}_s" for s in STEPS if any(f"{s}_s" in r for r in runs)]
    lines = [
        "## Whole job on the shared data, from an empty cache (`bench/whole_job.py`)",
        "",
        "`python -m flows.full --data-dir ../shared/data` into a new warehouse (no cached "
        "vectors) with an empty ONNX model cache, by the commit issue 20 started from "
        f"({payload['before']}, extracted from git) and by this checkout, one after the other; "
        "per-step seconds from Prefect's log (each step is a subflow). Machine: "
        f"{payload['machine']['cores']} cores, Python {payload['machine']['python']}.",
        "",
        table(runs, columns),
        "",
    ]
    if len(runs) == 2:
        before, after = runs
        lines.append(
            f"Whole job: {before['wall_s']:.0f} s -> {after['wall_s']:.0f} s "
            f"({before['wall_s'] / after['wall_s']:.2f}x)."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--before", default=BEFORE_REF, help="the commit to compare with")
    parser.add_argument("--skip-before", action="store_true", help="run this checkout only")
    args = parser.parse_args()
    data = require_shared_data()
    with tempfile.TemporaryDirectory(prefix="bookrec-whole-job-") as tmp:
        work = Path(tmp)
        runs = []
        if not args.skip_before:
            (work / "before_src").mkdir()
            source = extract_ref(args.before, work / "before_src")
            runs.append(whole_job(args.before, work, data, source))
        runs.append(whole_job("this checkout", work, data, None))
    payload = {"machine": machine(), "before": args.before, "runs": runs}
    text = markdown(payload)
    print(text)
    write_report("bench_whole_job", payload, text)
    replace_section(REPORTS / "bench_speed.md", "whole_job", text)
    print(json.dumps(runs, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
