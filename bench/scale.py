"""Scale benchmark: encoding in-process vs a local 2-worker Dask cluster, and recommend_all
readers/s, at three sizes (reports/bench_scale.md and .json; docs/scaling.md reads from it).

1. Encoding: the same N real book texts (sampled from the embedded real warehouse) embedded by
   `python -m flows.embed` in-process and with `--dask-workers 2`, each into a fresh warehouse;
   wall time of the whole command (Prefect start, cluster start, model loads, encoding, writes)
   and the encoder alone (books/s of Encoder.encode on the same texts, in this process).
2. recommend_all on: the tiny demo (300 books, 80 readers: prepare + embed + recommend_all),
   the real data (a copy of the embedded real warehouse), and the full-size demo (52k books,
   20k readers: prepare + recommend_all only; its vectors are random unit vectors written by
   this script, since scoring costs the same whatever the vectors hold and a full re-encode
   would take hours here; its encoding time is extrapolated from step 1's books/s).

Usage: python bench/scale.py [--books 200] [--real-warehouse PATH] [--skip-full-size]
The real warehouse is only read (copied to a temporary folder first).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, run_timed, table, write_report  # noqa: E402
from bookrec.config import EncoderConfig  # noqa: E402
from bookrec.embedding.encoder import Encoder  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

PY = sys.executable
REAL_WAREHOUSE = Path("/work/realwh/bookrec.duckdb")


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
    base = work / "sample.duckdb"
    texts = sample_warehouse(real, base, n_books)
    encoder = Encoder.load(EncoderConfig())
    encoder.encode(texts[:8])
    start = time.perf_counter()
    encoder.encode(texts)
    encoder_rate = len(texts) / (time.perf_counter() - start)
    row: dict[str, object] = {"books": len(texts), "encoder_books_per_s": round(encoder_rate, 1)}
    for label, extra in (("in_process", []), ("dask_2_workers", ["--dask-workers", "2"])):
        target = work / f"{label}.duckdb"
        shutil.copy(base, target)
        row[f"load_avg_before_{label}"] = load_average()
        timed = run_timed([PY, "-m", "flows.embed", "--warehouse", str(target), *extra])
        row[f"{label}_wall_s"] = timed["wall_s"]
        row[f"{label}_peak_mib"] = timed["peak_mib"]
        row[f"{label}_books_per_s"] = round(len(texts) / timed["wall_s"], 1)
    row["dask_overhead_s"] = round(row["dask_2_workers_wall_s"] - row["in_process_wall_s"], 1)
    return row


def recommend_all_run(db: Path, label: str, extra: list[str]) -> dict[str, object]:
    before = load_average()
    timed = run_timed([PY, "-m", "flows.recommend_all", "--warehouse", str(db), *extra])
    with connect(db, read_only=True) as con:
        readers, rows, seconds, runner = con.execute(
            "select readers, rows, seconds, runner from recommend_all_runs "
            "order by created_at desc limit 1"
        ).fetchall()[0]
        books = con.execute("select count(*) from books").fetchall()[0][0]
    return {
        "size": label,
        "books": books,
        "readers": readers,
        "rows": rows,
        "runner": runner,
        "flow_s": round(seconds, 1),
        "readers_per_s": round(readers / seconds, 1),
        "command_wall_s": timed["wall_s"],
        "peak_mib": timed["peak_mib"],
        "load_avg_before": before,
    }


def random_vectors(db: Path, dim: int = 384, seed: int = 0) -> None:
    """feat_book_embeddings filled with random unit vectors (bench only; see the docstring)."""
    with connect(db) as con:
        ids = np.array(
            [r[0] for r in con.execute("select book_id from books order by book_id").fetchall()]
        )
        vectors = np.random.default_rng(seed).normal(size=(len(ids), dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        con.register(
            "v",
            pa.table(
                {
                    "book_id": pa.array(ids),
                    "embedding": pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), dim),
                }
            ),
        )
        con.execute(
            f"create or replace table feat_book_embeddings as select book_id, "
            f"'random-bench' as model, '' as content_hash, embedding::float[{dim}] as embedding "
            "from v order by book_id"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=200, help="texts of the encoding test")
    parser.add_argument("--real-warehouse", type=Path, default=REAL_WAREHOUSE)
    parser.add_argument("--skip-full-size", action="store_true")
    parser.add_argument(
        "--skip-encoding",
        type=float,
        metavar="BOOKS_PER_S",
        help="skip step 1 and use this encoder rate for the extrapolation",
    )
    args = parser.parse_args(argv)
    if not args.real_warehouse.is_file():
        sys.exit(f"no embedded real warehouse at {args.real_warehouse} (--real-warehouse)")
    payload: dict[str, object] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="bookrec-scale-") as tmp:
        work = Path(tmp)
        if args.skip_encoding:
            payload["encoding"] = {"encoder_books_per_s": args.skip_encoding, "skipped": True}
        else:
            payload["encoding"] = bench_encoding(args.real_warehouse, work, args.books)
        print("encoding:", payload["encoding"], flush=True)

        tiny = work / "tiny.duckdb"
        prep = run_timed(
            [
                PY,
                "-m",
                "flows.prepare_data",
                "--demo",
                "--demo-books",
                "300",
                "--demo-users",
                "80",
                "--warehouse",
                str(tiny),
            ]
        )
        emb = run_timed([PY, "-m", "flows.embed", "--warehouse", str(tiny)])
        runs = [recommend_all_run(tiny, "tiny demo", [])]
        runs[-1].update(prepare_s=prep["wall_s"], embed_s=emb["wall_s"])
        print("tiny:", runs[-1], flush=True)

        real = work / "real.duckdb"
        shutil.copy(args.real_warehouse, real)
        runs.append(recommend_all_run(real, "shared data", []))
        print("shared:", runs[-1], flush=True)
        runs.append(recommend_all_run(real, "shared data", ["--dask-workers", "2"]))
        print("shared dask:", runs[-1], flush=True)
        print("recommend_all:", runs, flush=True)

        if not args.skip_full_size:
            full = work / "full.duckdb"
            prep = run_timed(
                [
                    PY,
                    "-m",
                    "flows.prepare_data",
                    "--demo",
                    "--demo-books",
                    "52000",
                    "--demo-users",
                    "20000",
                    "--warehouse",
                    str(full),
                ]
            )
            random_vectors(full)
            runs.append(recommend_all_run(full, "full-size demo", []))
            runs[-1]["prepare_s"] = prep["wall_s"]
            rate = payload["encoding"]["encoder_books_per_s"]
            runs[-1]["embed_s_extrapolated"] = round(runs[-1]["books"] / rate, 0)
            print("full size:", runs[-1], flush=True)
        payload["recommend_all"] = runs

    enc = payload["encoding"]
    markdown = (
        "# bookrec scale benchmark\n\n"
        f"Machine: {payload['machine']['cores']} cores, {payload['machine']['platform']}. "
        "Load averages are recorded per measurement: the machine is shared, and a load above "
        "the core count slows every number here by about that factor.\n\n"
        "Command: `python bench/scale.py`\n\n## Encoding: in-process vs a local 2-worker Dask "
        "cluster (same texts)\n\n"
        + table([enc], list(enc))
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
                "prepare_s",
                "embed_s",
                "embed_s_extrapolated",
            ],
        )
    )
    json_path, md_path = write_report("bench_scale", payload, markdown)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
