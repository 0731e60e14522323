"""Speed benchmark on this machine, in one run (reports/bench_speed.md and .json).

1. Encoder throughput: a naive loop (batches of 32 in catalog order, padded to the longest)
   vs bookrec's length-bucketed encoder, on the same real book texts; vectors compared.
2. Recommend latency: a 50-book reader over the whole real catalog, p50/p95 of 200 warm
   in-process calls, and the cold start of the `bookrec recommend` command.
3. Ingestion: rows/s of load + clean + merge on the real files in ../shared/data.
4. prepare_data at the size of the full Kaggle data (52k books, ~2M ratings made by the demo
   generator): wall time and peak memory.
5. The whole `python -m flows.full --demo`: wall time and peak memory.

Usage: python bench/speed.py [--encoder-books 600] [--skip-kaggle-size] [--skip-full]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    machine,
    real_warehouse,
    require_shared_data,
    run_timed,
    table,
    write_report,
)
from bookrec.config import DataConfig, EncoderConfig  # noqa: E402
from bookrec.embedding.encoder import Encoder, _mean_pool  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

TARGETS = {
    "encoder_speedup": 1.5,
    "recommend_p50_ms": 20.0,
    "prepare_kaggle_size_s": 60.0,
    "full_demo_s": 180.0,
}


def naive_encode(encoder: Encoder, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """The obvious loop: fixed batches in the given order, each padded to its longest text."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = encoder.tokenizer(
                texts[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=encoder.config.max_tokens,
                return_tensors="pt",
            )
            hidden = encoder.model(**batch).last_hidden_state
            out.append(_mean_pool(hidden, batch["attention_mask"]).numpy())
    return np.vstack(out)


def bench_encoder(db_path: Path, n_books: int) -> dict[str, object]:
    """books/s of both loops on the same sample of the real catalog's texts."""
    with connect(db_path, read_only=True) as con:
        texts = [
            row[0]
            for row in con.execute(
                "select text from feat_book_texts order by hash(book_id), book_id limit $n",
                {"n": n_books},
            ).fetchall()
        ]
    encoder = Encoder.load(EncoderConfig())
    encoder.encode(texts[:8])  # warm-up: first calls allocate
    start = time.perf_counter()
    naive = naive_encode(encoder, texts)
    naive_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = encoder.encode(texts)
    ours_s = time.perf_counter() - start
    cosine = np.sum(naive * ours, axis=1)
    return {
        "books": len(texts),
        "naive_books_per_s": round(len(texts) / naive_s, 1),
        "bookrec_books_per_s": round(len(texts) / ours_s, 1),
        "speedup": round(naive_s / ours_s, 2),
        "min_cosine_to_naive": round(float(cosine.min()), 6),
        "max_abs_difference": float(np.abs(naive - ours).max()),
    }


def bench_recommend(db_path: Path, calls: int = 200, history: int = 50) -> dict[str, object]:
    """Warm in-process latency of one reader's recommendations over the whole catalog.

    The reader: the 50 most-rated books of the warehouse with seeded ratings. Timed twice:
    from matched books (the scoring, what the target is about) and from raw titles (matching
    included).
    """
    from bookrec.serving.reader_input import ReaderBook
    from bookrec.serving.recommender import Recommender

    with connect(db_path, read_only=True) as con:
        rows = con.execute(
            "select b.title, b.author from books b join ratings r using (book_id) "
            "group by all order by count(*) desc, b.title limit $n",
            {"n": history},
        ).fetchall()
        recommender = Recommender.from_warehouse(con)
    rng = np.random.default_rng(0)
    books = [ReaderBook(title, author, int(rng.integers(1, 6))) for title, author in rows]
    matches = recommender.matcher.match(books)
    recommender.recommend_matches(matches, top_n=10)  # warm-up

    def timed(call) -> np.ndarray:
        timings = []
        for _ in range(calls):
            start = time.perf_counter()
            call()
            timings.append((time.perf_counter() - start) * 1000)
        return np.asarray(timings)

    scoring = timed(lambda: recommender.recommend_matches(matches, top_n=10))
    with_matching = timed(lambda: recommender.recommend(books, top_n=10))
    cold = run_timed(
        [sys.executable, "-m", "bookrec.serving.cli", "recommend", "--warehouse", str(db_path)]
        + [arg for title, author in rows[:5] for arg in ("--book", f"{title}|{author or ''}|5")]
    )
    return {
        "history_books": sum(m.status == "matched" for m in matches),
        "candidates": len(recommender.cand_ids),
        "calls": calls,
        "p50_ms": round(float(np.percentile(scoring, 50)), 2),
        "p95_ms": round(float(np.percentile(scoring, 95)), 2),
        "p50_with_matching_ms": round(float(np.percentile(with_matching, 50)), 2),
        "p95_with_matching_ms": round(float(np.percentile(with_matching, 95)), 2),
        "cold_start_command_s": cold["wall_s"],
        "cold_start_peak_mib": cold["peak_mib"],
    }


def bench_ingestion(data_dir: Path, workdir: Path) -> dict[str, object]:
    """Rows per second of load + clean + merge on the real shared files."""
    from bookrec.warehouse import prepare

    db_path = workdir / "ingest.duckdb"
    config = DataConfig(data_dir=data_dir, warehouse=db_path, download=False)
    chosen = prepare.choose_sources(config)
    start = time.perf_counter()
    counts = prepare.load_raw(db_path, chosen.files)
    loaded = time.perf_counter()
    prepare.clean(db_path)
    prepare.merge(db_path)
    merged = time.perf_counter()
    rows = sum(counts.rows.values())
    return {
        "raw_rows": rows,
        "load_s": round(loaded - start, 2),
        "clean_merge_s": round(merged - loaded, 2),
        "rows_per_s": round(rows / (merged - start)),
    }


def bench_kaggle_size(workdir: Path, books: int, users: int) -> dict[str, object]:
    """prepare_data on a generated catalog the size of the full Kaggle data."""
    from bookrec.demo import write_demo_dataset

    folder = workdir / "kaggle_size"
    start = time.perf_counter()
    summary = write_demo_dataset(folder, n_books=books, n_users=users, seed=11)
    generated = time.perf_counter() - start
    timing = run_timed(
        [
            sys.executable,
            "-m",
            "flows.prepare_data",
            "--data-dir",
            str(folder),
            "--warehouse",
            str(workdir / "kaggle_size.duckdb"),
        ]
    )
    with connect(workdir / "kaggle_size.duckdb", read_only=True) as con:
        ratings = con.execute("select count(*) from ratings").fetchall()[0][0]
        n_books = con.execute("select count(*) from books").fetchall()[0][0]
    return {
        "generated_books": books,
        "generated_users": users,
        "generate_s": round(generated, 1),
        "generated_ratings": summary.n_ratings,
        "books": n_books,
        "ratings": ratings,
        "prepare_wall_s": timing["wall_s"],
        "prepare_peak_mib": timing["peak_mib"],
    }


def bench_full_demo(workdir: Path) -> dict[str, object]:
    """The whole job on the default demo catalog, from an empty warehouse."""
    timing = run_timed(
        [
            sys.executable,
            "-m",
            "flows.full",
            "--demo",
            "--warehouse",
            str(workdir / "full_demo.duckdb"),
            "--reports-dir",
            str(workdir / "reports"),
            "--artifacts-dir",
            str(workdir / "artifacts"),
        ]
    )
    return {"wall_s": timing["wall_s"], "peak_mib": timing["peak_mib"]}


def verdicts(results: dict[str, dict]) -> list[dict[str, object]]:
    checks = [
        ("encoder speedup vs naive", "encoder", "speedup", ">=", TARGETS["encoder_speedup"]),
        ("recommend p50 (ms)", "recommend", "p50_ms", "<", TARGETS["recommend_p50_ms"]),
        (
            "prepare_data at Kaggle size (s)",
            "kaggle_size",
            "prepare_wall_s",
            "<",
            TARGETS["prepare_kaggle_size_s"],
        ),
        ("full demo job (s)", "full_demo", "wall_s", "<", TARGETS["full_demo_s"]),
    ]
    rows = []
    for name, section, key, op, target in checks:
        if section not in results:
            rows.append({"target": name, "goal": f"{op} {target}", "measured": "not run"})
            continue
        value = results[section][key]
        ok = value >= target if op == ">=" else value < target
        margin = value - target
        rows.append(
            {
                "target": name,
                "goal": f"{op} {target}",
                "measured": value,
                "result": "PASS" if ok else f"MISS by {abs(margin):.2f}",
            }
        )
    return rows


def markdown(results: dict[str, dict], rows: list[dict]) -> str:
    parts = [
        "# bookrec speed benchmark\n",
        f"Machine: {results['machine']['cores']} cores, {results['machine']['platform']}, "
        f"Python {results['machine']['python']}.\n",
        "## Targets\n",
        table(rows, ["target", "goal", "measured", "result"]),
    ]
    for section, values in results.items():
        if section == "machine":
            continue
        parts += [f"## {section}\n", table([values], list(values))]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-books", type=int, default=600, help="texts for the encoder race")
    parser.add_argument("--kaggle-books", type=int, default=52_000, help="books at Kaggle size")
    parser.add_argument("--kaggle-users", type=int, default=20_000, help="readers at Kaggle size")
    parser.add_argument("--skip-kaggle-size", action="store_true", help="skip section 4")
    parser.add_argument("--skip-full", action="store_true", help="skip section 5")
    args = parser.parse_args()

    data_dir = require_shared_data()
    results: dict[str, dict] = {"machine": machine()}
    db_path = real_warehouse()
    workdir = Path(tempfile.mkdtemp(prefix="bookrec-bench-"))
    try:
        print("encoder ...", flush=True)
        results["encoder"] = bench_encoder(db_path, args.encoder_books)
        print("recommend ...", flush=True)
        results["recommend"] = bench_recommend(db_path)
        print("ingestion ...", flush=True)
        results["ingestion"] = bench_ingestion(data_dir, workdir)
        if not args.skip_kaggle_size:
            print("prepare_data at Kaggle size ...", flush=True)
            results["kaggle_size"] = bench_kaggle_size(
                workdir, args.kaggle_books, args.kaggle_users
            )
        if not args.skip_full:
            print("full demo job ...", flush=True)
            results["full_demo"] = bench_full_demo(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = verdicts(results)
    json_path, md_path = write_report(
        "bench_speed", {**results, "targets": rows}, markdown(results, rows)
    )
    print(table(rows, ["target", "goal", "measured", "result"]))
    print(f"wrote {md_path} and {json_path} (from {ROOT})")


if __name__ == "__main__":
    main()
