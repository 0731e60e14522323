"""Scale benchmark: encoding in-process vs a local 2-worker Dask cluster, and recommend_all
readers/s, at three sizes (reports/bench_scale.md and .json; docs/scaling.md reads from it).

1. Encoding, at each --books size: the same N real book texts (sampled from the embedded real
   warehouse) embedded by `python -m flows.embed` in-process and with `--dask-workers 2`, each
   into a fresh warehouse;
   wall time of the whole command (Prefect start, cluster start, model loads, encoding, writes)
   and the encoder alone (books/s of Encoder.encode on the same texts, in this process).
2. recommend_all on: the tiny demo (300 books, 80 readers), the real data (a copy of the embedded
   real warehouse, in-process and on a 2-worker cluster), and the full-size demo (52k books, 20k
   readers). For both demos every step is run and timed as a user runs it: prepare_data, embed
   (the real encoder over every book text), lists (works, series, co-rating vectors), then
   recommend_all.

Usage: python bench/scale.py [--books 200 2000] [--real-warehouse PATH] [--skip-full-size]
       python bench/scale.py --only-encoding   # step 1 again, keeping the stored step 2 rows
The real warehouse is only read (copied to a temporary folder first). Writes
reports/bench_scale.md and .json, and the "scale" section of reports/bench_speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.batch_lists import (  # noqa: E402
    BEFORE_REF,
    demo_warehouse,
    extract_ref,
    flow_run,
    implicit_batch,
    measure,
)
from bench.common import (  # noqa: E402
    BENCH_WAREHOUSE,
    REPORTS,
    bench_parser,
    machine,
    real_warehouse,
    replace_section,
    run_timed,
    table,
    write_report,
)
from bookrec.config import EncoderConfig  # noqa: E402
from bookrec.embedding.encoder import Encoder  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

PY = sys.executable


def load_average() -> float:
    return round(os.getloadavg()[0], 1)


def sample_warehouse(real: Path, target: Path, n_books: int) -> list[str]:
    """A warehouse holding n_books real books (books table only); returns their texts."""
    with connect(real, read_only=True) as src:
        ids = [
            r[0]
            for r in src.execute(
                "select book_id from feat_book_texts order by hash(book_id), book_id limit $n",
                {"n": n_books},
            ).fetchall()
        ]
        books = src.sql(
            "select * from books where book_id in (select unnest($ids))", params={"ids": ids}
        ).to_arrow_table()
        texts = [
            r[0]
            for r in src.execute(
                "select text from feat_book_texts where book_id in (select unnest($ids))",
                {"ids": ids},
            ).fetchall()
        ]
    with connect(target) as con:
        con.register("sample", books)
        con.execute("create table books as select * from sample")
    return texts


def bench_encoding(real: Path, work: Path, n_books: int) -> dict[str, object]:
    base = work / f"sample_{n_books}.duckdb"
    texts = sample_warehouse(real, base, n_books)
    encoder = Encoder.load(EncoderConfig())
    encoder.encode(texts[:8])
    start = time.perf_counter()
    encoder.encode(texts)
    encoder_rate = len(texts) / (time.perf_counter() - start)
    row: dict[str, object] = {"books": len(texts), "encoder_books_per_s": round(encoder_rate, 1)}
    for label, extra in (("in_process", []), ("dask_2_workers", ["--dask-workers", "2"])):
        target = work / f"{label}_{n_books}.duckdb"
        shutil.copy(base, target)
        row[f"load_avg_before_{label}"] = load_average()
        timed = run_timed([PY, "-m", "flows.embed", "--warehouse", str(target), *extra])
        row[f"{label}_wall_s"] = timed["wall_s"]
        row[f"{label}_peak_mib"] = timed["peak_mib"]
        row[f"{label}_books_per_s"] = round(len(texts) / timed["wall_s"], 1)
    row["dask_overhead_s"] = round(row["dask_2_workers_wall_s"] - row["in_process_wall_s"], 1)
    return row


def recommend_all_run(db: Path, label: str, extra: list[str]) -> dict[str, object]:
    return {"size": label, **flow_run(db, tuple(extra))}


def demo_run(work: Path, label: str, books: int, readers: int) -> dict[str, object]:
    """prepare_data -> embed -> lists -> recommend_all on a fresh demo warehouse, each timed."""
    db = work / f"{label.replace(' ', '_')}.duckdb"
    steps = {
        "prepare": ["flows.prepare_data", "--demo", "--demo-books", str(books)],
        "embed": ["flows.embed"],
        "lists": ["flows.lists"],
    }
    timings: dict[str, object] = {}
    for step, command in steps.items():
        if step == "prepare":
            command = [*command, "--demo-users", str(readers)]
        timed = run_timed([PY, "-m", *command, "--warehouse", str(db)])
        timings[f"{step}_s"] = timed["wall_s"]
        timings[f"{step}_peak_mib"] = timed["peak_mib"]
        print(f"{label} {step}: {timed}", flush=True)
    row = recommend_all_run(db, label, [])
    row.update(timings)
    with connect(db, read_only=True) as con:
        row["ratings"] = con.execute("select count(*) from ratings").fetchall()[0][0]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--books", type=int, nargs="+", default=[200, 2000], help="texts of each encoding test"
    )
    parser.add_argument(
        "--real-warehouse",
        type=Path,
        help="an embedded warehouse of ../shared/data with its lists (default: the benchmarks' "
        "warehouse/bench.duckdb, built or brought up to date first)",
    )
    parser.add_argument("--skip-full-size", action="store_true")
    parser.add_argument(
        "--only-encoding",
        action="store_true",
        help="re-measure step 1 only and rewrite the report with the stored recommend_all rows",
    )
    parser.add_argument(
        "--only-batch-lists",
        action="store_true",
        help="re-measure step 3 only (batch lists before/after) and keep the stored rows",
    )
    parser.add_argument(
        "--sample-readers",
        type=int,
        default=300,
        help="readers scored before and after in step 3 (the same readers both ways)",
    )
    parser.add_argument(
        "--full-size-warehouse",
        type=Path,
        help="step 3: a full-size demo warehouse built before (bench/batch_lists.demo_warehouse)",
    )
    parser.add_argument(
        "--small-demo-warehouse",
        type=Path,
        help="step 3: also a small demo warehouse embedded with the real encoder (its lists built)",
    )
    parser.add_argument(
        "--skip-flows",
        action="store_true",
        help="step 3: the before/after samples only, not the whole recommend_all flow",
    )
    args = parser.parse_args(argv)
    if args.only_batch_lists:
        return only_batch_lists(args)
    if args.real_warehouse is None:
        args.real_warehouse = real_warehouse()
        run_timed([PY, "-m", "flows.lists", "--warehouse", str(args.real_warehouse)])
    if not args.real_warehouse.is_file():
        sys.exit(f"no embedded real warehouse at {args.real_warehouse} (--real-warehouse)")
    stored = REPORTS / "bench_scale.json"
    if args.only_encoding and not stored.is_file():
        sys.exit(f"--only-encoding needs an earlier full run's {stored}")
    payload = json.loads(stored.read_text()) if args.only_encoding else {}
    payload["machine"] = machine()
    with tempfile.TemporaryDirectory(prefix="bookrec-scale-") as tmp:
        work = Path(tmp)
        payload["encoding"] = [bench_encoding(args.real_warehouse, work, n) for n in args.books]
        print("encoding:", payload["encoding"], flush=True)
        if not args.only_encoding:
            payload["recommend_all"] = recommend_all_runs(work, args)
            payload["batch_lists"] = batch_list_runs(work, args)

    json_path, md_path = write_report("bench_scale", payload, report_markdown(payload))
    replace_section(REPORTS / "bench_speed.md", SECTION, speed_section(payload))
    print(f"wrote {md_path}, {json_path} and the {SECTION} section of bench_speed.md")
    return 0


def only_batch_lists(args: argparse.Namespace) -> int:
    """Step 3 alone, the stored steps 1-2 kept (the warehouses given are only read)."""
    stored = REPORTS / "bench_scale.json"
    payload = json.loads(stored.read_text()) if stored.is_file() else {}
    payload["machine"] = machine()
    with tempfile.TemporaryDirectory(prefix="bookrec-scale-") as tmp:
        payload["batch_lists"] = batch_list_runs(Path(tmp), args)
    json_path, md_path = write_report("bench_scale", payload, report_markdown(payload))
    print(f"wrote {md_path} and {json_path}")
    return 0


def batch_list_runs(work: Path, args: argparse.Namespace) -> dict[str, list[dict[str, object]]]:
    """Step 3: before/after on the same sample of readers, then the whole flow, on the real
    data (when its warehouse exists) and on the full-size demo (stand-in text vectors:
    bench/batch_lists.demo_warehouse; --full-size-warehouse reuses one built before)."""
    warehouses = []
    real = args.real_warehouse or BENCH_WAREHOUSE
    if real.is_file():
        copy = work / "real_batch.duckdb"
        shutil.copy(real, copy)
        warehouses.append(("shared data", copy))
    else:
        print(f"no real warehouse at {real}: step 3 on the demo only", flush=True)
    demo = args.full_size_warehouse
    if demo is None:
        (work / "full_size").mkdir()
        started = time.perf_counter()
        demo = demo_warehouse(work / "full_size", 52000, 20000, encode=False)
        print(f"full-size demo built in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        shutil.copy(demo, work / "full_size.duckdb")
        demo = work / "full_size.duckdb"
    if real.is_file():
        lend_rerankers(real, demo)
    warehouses.append(("full-size demo (stand-in vectors)", demo))
    if args.small_demo_warehouse is not None:
        shutil.copy(args.small_demo_warehouse, work / "small_demo.duckdb")
        warehouses.append(("small demo (real encoder)", work / "small_demo.duckdb"))
    samples = [measure(db, label, args.sample_readers) for label, db in warehouses]
    flows = [] if args.skip_flows else [{"data": label, **flow_run(db)} for label, db in warehouses]
    if flows and warehouses[0][0] == "shared data":
        before = before_flow_run(work, warehouses[0][1])
        flows[0]["speedup_vs_before"] = round(before["flow_s"] / flows[0]["flow_s"], 1)
        flows.insert(0, before)
    peers = [{"data": label, **implicit_batch(db)} for label, db in warehouses]
    return {"samples": samples, "flows": flows, "implicit": peers}


def lend_rerankers(source: Path, target: Path) -> None:
    """The re-rankers `evaluate` trained on the shared data, stored in the full-size demo's
    warehouse (its own weights kept): nobody evaluates the demo, and without them its readers
    would skip the re-rankers' inputs and trees, which every served list pays. Their cost
    depends on the shapes (a reader's books, the candidates re-ordered), not on where the
    trees were learned."""
    from bookrec.lists.settings import load_list_settings, load_rerankers, save_list_settings
    from bookrec.warehouse.connection import connect

    with connect(source, read_only=True) as con:
        rerankers = load_rerankers(con)
    with connect(target) as con:
        save_list_settings(
            con,
            "bench-lent-rerankers",
            load_list_settings(con),
            float("nan"),
            float("nan"),
            rerankers,
        )


def before_flow_run(work: Path, warehouse: Path) -> dict[str, object]:
    """The whole flow of BEFORE_REF (every reader through the one-reader path) on a copy of
    the shared data's warehouse, in the same run as this checkout's: the side-by-side ratio
    issue 20 asks for. Not on the full-size demo, where it takes ~30 minutes."""
    (work / "before_flow").mkdir()
    source = extract_ref(BEFORE_REF, work / "before_flow")
    copy = work / "before_flow.duckdb"
    shutil.copy(warehouse, copy)
    return {"data": f"shared data, {BEFORE_REF} (before)", **flow_run(copy, source=source)}


def recommend_all_runs(work: Path, args: argparse.Namespace) -> list[dict[str, object]]:
    runs = [demo_run(work, "tiny demo", 300, 80)]
    print("tiny:", runs[-1], flush=True)
    real = work / "real.duckdb"
    shutil.copy(args.real_warehouse, real)
    runs.append(recommend_all_run(real, "shared data", []))
    print("shared:", runs[-1], flush=True)
    runs.append(recommend_all_run(real, "shared data", ["--dask-workers", "2"]))
    print("shared dask:", runs[-1], flush=True)
    if not args.skip_full_size:
        runs.append(demo_run(work, "full-size demo", 52000, 20000))
        print("full size:", runs[-1], flush=True)
    return runs


def report_markdown(payload: dict) -> str:
    encoding = payload.get("encoding")
    if not encoding:
        return "# bookrec scale benchmark\n\n" + batch_lists_markdown(payload)
    return (
        "# bookrec scale benchmark\n\n"
        f"Machine: {payload['machine']['cores']} cores, {payload['machine']['platform']}. "
        "Load averages are recorded per measurement: a load above the core count slows every "
        "number here by about that factor.\n\n"
        "Command: `python bench/scale.py`\n\n## Encoding: in-process vs a local 2-worker Dask "
        "cluster (same texts)\n\n"
        + table(encoding, list(encoding[0]))
        + "\nOn 2 cores a 2-worker cluster cannot beat the in-process encoder (which already "
        "uses both cores through torch threads): what it adds is start-up (scheduler, two "
        "worker processes each importing torch and loading the model) and shipping texts and "
        "vectors. Its point is a cluster of many machines or GPUs (docs/scaling.md).\n\n"
        "## recommend_all\n\n"
        + table(
            payload["recommend_all"],
            [
                "size",
                "books",
                "readers",
                "rows",
                "runner",
                "flow_s",
                "readers_per_s",
                "command_wall_s",
                "peak_mib",
                "load_avg_before",
                "ratings",
                "prepare_s",
                "embed_s",
                "lists_s",
                "embed_peak_mib",
            ],
        )
        + "\n"
        + batch_lists_markdown(payload)
    )


def batch_lists_markdown(payload: dict) -> str:
    """Step 3's tables ('' before it has run)."""
    runs = payload.get("batch_lists")
    if not runs:
        return ""
    samples = runs["samples"]
    return (
        "## Batch lists: one reader at a time (before) vs blocks of readers (after)\n\n"
        "Command: `python bench/scale.py --only-batch-lists`. The same readers scored in one "
        "run by the batch path of the commit before blocks (bench/batch_lists.BEFORE_REF, "
        "every reader through the one-reader path), by this checkout's one-reader path "
        "(`Recommender.recommend_ids` per reader, what a request runs) and by its batch path "
        "(`score_chunk`: a chunk's readers together, on shortlists where the catalog is "
        "larger than `ListConfig.shortlist` + its sample); scoring time only. "
        "`after_whole_catalog_cpu_ms_per_reader`: the same batch path ranking every "
        "candidate (shortlist 0), and `shortlist_keeps_of_whole_top` the share of those "
        "lists' books the shortlisted lists hold. The commit before blocks ranks every "
        "candidate with ALS's score: rows_differing_vs_before compares it with this batch "
        "path, whole catalog, on a copy without EASE's weights "
        "(`after_als_feature_cpu_ms_per_reader`); the other columns are the lists as served "
        "(EASE's score for full histories). rows_differing: list rows whose book, rank, "
        "reason or mode differ (0: the same lists).\n\n"
        + table(samples, list(samples[0]))
        + (
            "\nThe whole `python -m flows.recommend_all` over every reader (Prefect start, "
            "loading, scoring, writing), the shared data's also by the commit before blocks, side "
            "by side (speedup_vs_before: its flow seconds over this checkout's):\n\n"
            + table(runs["flows"], list(dict.fromkeys(k for row in runs["flows"] for k in row)))
            if runs["flows"]
            else ""
        )
        + (
            "\nThe library a user would pick for batch lists, in the same run: implicit's ALS "
            "(bookrec's settings) fitted on every rating, then its batch `recommend` of 10 "
            "books for every reader (read books filtered out; no candidate filter, works rules "
            "or reasons). Its lists rank below bookrec's (full histories' NDCG@10 in "
            f"[bench_topn.md](bench_topn.md): bookrec's list {list_over_als()} ALS's), so the "
            "flow keeps its own ranker and pays for it in readers/s:\n\n"
            + table(runs["implicit"], list(runs["implicit"][0]))
            if runs.get("implicit")
            else ""
        )
        + "\nThe full-size demo's text vectors are stand-ins (seeded random unit vectors "
        "stored through the encoder's chunk store): the ranker's cost depends on the shapes "
        "(candidates x history books), not on the values, and encoding its 52k texts would "
        "take 8+ minutes of both cores. Nobody evaluates it, so it ranks with the re-rankers "
        "the shared data's `evaluate` trained (bench/scale.lend_rerankers): what every served "
        "list pays for them depends on the shapes too.\n"
    )


def list_over_als() -> str:
    """bookrec's list over implicit ALS on full histories, NDCG@10, per seed of the latest
    top-N report (reports/topn.json, which bench/topn.py and flows.evaluate write)."""
    try:
        runs = json.loads((REPORTS / "topn.json").read_text())["runs"]
        ndcg = [{m["method"]: m["ndcg@10"] for m in run["methods"]} for run in runs]
        ratios = [n["bookrec_list"] / n["implicit_als"] for n in ndcg]
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return "(no top-N report yet) against"
    return f"{min(ratios):.2f}-{max(ratios):.2f}x" if ratios else "(no top-N run) against"


SECTION = "scale"


def speed_section(payload: dict) -> str:
    """The two figures the speed report carries: encoding in-process vs a 2-worker cluster on
    the same texts, and recommend_all readers/s (the rest stays in bench_scale.md)."""
    runs = payload["recommend_all"]
    rows = [
        {
            "texts": enc["books"],
            "runner": label,
            "command_wall_s": enc[f"{key}_wall_s"],
            "books_per_s": enc[f"{key}_books_per_s"],
            "peak_mib": enc[f"{key}_peak_mib"],
            "encoder_alone_books_per_s": enc["encoder_books_per_s"],
        }
        for enc in payload["encoding"]
        for label, key in (("in-process", "in_process"), ("2-worker Dask", "dask_2_workers"))
    ]
    return (
        "## Scale (bench/scale.py; whole table in bench_scale.md)\n\n"
        "Encoding the same real texts, whole `flows.embed` command (Prefect start, model "
        "loads, encoding, writes) against the encoder alone in one warm process. On 2 cores "
        "the cluster cannot be much faster: both use both cores; what it adds is start-up "
        "(scheduler, two worker processes each loading torch and the model) and memory.\n\n"
        + table(rows, list(rows[0]))
        + "\nrecommend_all:\n\n"
        + table(runs, ["size", "books", "readers", "runner", "flow_s", "readers_per_s"])
    )


if __name__ == "__main__":
    raise SystemExit(main())
