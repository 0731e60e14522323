"""Speed benchmark on this machine, in one run (reports/bench_speed.md and .json).

1. Encoder throughput on the same real book texts (2,000 by default), side by side in turns:
   sentence-transformers' `encode`, bookrec on torch fp32, on ONNX Runtime fp32 and int8;
   books/s, ratio to sentence-transformers, cosine to the torch fp32 vectors. Then a naive
   loop (batches of 32 in catalog order, padded to the longest) vs bookrec's length buckets.
2. Recommend latency: a 50-book reader over the whole real catalog, p50/p95 of 200 warm
   in-process calls, and the cold start of the `bookrec recommend` command.
3. Ingestion: rows/s of load + clean + merge on the real files in ../shared/data.
4. prepare_data at the size of the full Kaggle data (52k books, ~2M ratings made by the demo
   generator): wall time and peak memory.
5. The whole `python -m flows.full --demo`: wall time and peak memory.

Usage: python bench/speed.py [--encoder-books 2000] [--encoder-only] [--skip-kaggle-size]
                             [--skip-full]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    REPORTS,
    ROOT,
    bench_parser,
    machine,
    real_warehouse,
    replace_section,
    require_shared_data,
    run_timed,
    table,
    write_report,
)
from bookrec.config import DataConfig, EncoderConfig, default_model  # noqa: E402
from bookrec.embedding.encoder import Encoder, _mean_pool, resolve_runtime  # noqa: E402
from bookrec.report_json import report_json  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

# The encoder runtimes raced against sentence-transformers, with their names in the report.
RUNTIME_VARIANTS = ("torch", "onnx", "onnx-int8")
VARIANT_LABELS = {
    "torch": "bookrec torch fp32",
    "onnx": "bookrec ONNX fp32",
    "onnx-int8": "bookrec ONNX int8 (MatMul, per-channel)",
}
TARGETS = {
    "encoder_speedup": 1.5,
    "encoder_vs_sentence_transformers": 2.0,
    "encoder_mean_cosine": 0.99,
    "encoder_min_cosine": 0.97,
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


def real_texts(db_path: Path, n_books: int) -> list[str]:
    """A fixed pseudo-random sample of the real catalog's book texts (titles and descriptions)."""
    with connect(db_path, read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "select text from feat_book_texts order by hash(book_id), book_id limit $n",
                {"n": n_books},
            ).fetchall()
        ]


def sentence_transformers_encoder():
    """sentence-transformers' own `encode` on the same packaged model (its modules.json: the
    transformer, mean pooling, normalisation), the standard tool bookrec is measured against."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(default_model(), device="cpu")
    model.max_seq_length = EncoderConfig().max_tokens

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(
            texts, batch_size=EncoderConfig().batch_size, normalize_embeddings=True
        ).astype(np.float32)

    return encode


def bench_encoder(db_path: Path, n_books: int, rounds: int, naive_books: int) -> dict[str, object]:
    """books/s of sentence-transformers and of each bookrec runtime on the same real texts.

    Every variant runs once per round, in turn, and keeps its best round: on a shared machine
    the others' load comes and goes, and taking turns gives each variant the same chances.
    Vectors are compared with torch fp32's (the reference the cache held until now).
    """
    texts = real_texts(db_path, n_books)
    encoders: dict[str, object] = {"sentence-transformers": sentence_transformers_encoder()}
    for runtime in RUNTIME_VARIANTS:
        encoder = Encoder.load(EncoderConfig(runtime=runtime, device="cpu"))
        encoders[runtime] = encoder.encode
        if runtime == "torch":
            torch_encoder = encoder
    for encode in encoders.values():
        encode(texts[:16])  # warm-up: first calls allocate
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, encode in encoders.items():
            start = time.perf_counter()
            vectors[name] = encode(texts)
            seconds = time.perf_counter() - start
            best[name] = min(best.get(name, seconds), seconds)
    reference = vectors["torch"]
    base = len(texts) / best["sentence-transformers"]
    rows = []
    for name, seconds in best.items():
        cosine = np.sum(vectors[name] * reference, axis=1)
        rows.append(
            {
                "variant": VARIANT_LABELS.get(name, name),
                "books_per_s": round(len(texts) / seconds, 1),
                "vs_sentence_transformers": round(len(texts) / seconds / base, 2),
                "mean_cosine_to_fp32": round(float(cosine.mean()), 5),
                "min_cosine_to_fp32": round(float(cosine.min()), 5),
            }
        )
    # The naive loop (fixed batches in catalog order) on a subset: what bucketing alone gives.
    subset = texts[:naive_books]
    start = time.perf_counter()
    naive = naive_encode(torch_encoder, subset)
    naive_s = time.perf_counter() - start
    start = time.perf_counter()
    bucketed = torch_encoder.encode(subset)
    bucketed_s = time.perf_counter() - start
    shipped = next(
        row for row in rows if row["variant"] == VARIANT_LABELS[resolve_runtime(EncoderConfig())]
    )
    return {
        "books": len(texts),
        "rounds": rounds,
        "variants": rows,
        "default_variant": shipped["variant"],
        "default_vs_sentence_transformers": shipped["vs_sentence_transformers"],
        "default_mean_cosine": shipped["mean_cosine_to_fp32"],
        "default_min_cosine": shipped["min_cosine_to_fp32"],
        "naive_books": len(subset),
        "naive_books_per_s": round(len(subset) / naive_s, 1),
        "bucketing_speedup": round(naive_s / bucketed_s, 2),
        "min_cosine_bucketed_to_naive": round(float(np.sum(naive * bucketed, axis=1).min()), 6),
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
        (
            "encoder bucketing vs naive loop",
            "encoder",
            "bucketing_speedup",
            ">=",
            TARGETS["encoder_speedup"],
        ),
        (
            "default encoder vs sentence-transformers (x books/s)",
            "encoder",
            "default_vs_sentence_transformers",
            ">=",
            TARGETS["encoder_vs_sentence_transformers"],
        ),
        (
            "default encoder mean cosine to fp32",
            "encoder",
            "default_mean_cosine",
            ">=",
            TARGETS["encoder_mean_cosine"],
        ),
        (
            "default encoder min cosine to fp32",
            "encoder",
            "default_min_cosine",
            ">=",
            TARGETS["encoder_min_cosine"],
        ),
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
        if section == "encoder":
            parts.append(f"<!-- section: encoder -->\n{encoder_markdown(values)}")
            parts.append("<!-- /section: encoder -->\n")
            continue
        parts += [f"## {section}\n", table([values], list(values))]
    return "\n".join(parts)


def encoder_markdown(values: dict) -> str:
    """Section 1 as Markdown: the race table, then the default's verdicts and the naive loop."""
    shown = {k: v for k, v in values.items() if k != "variants"}
    passed = (
        values["default_vs_sentence_transformers"] >= TARGETS["encoder_vs_sentence_transformers"]
        and values["default_mean_cosine"] >= TARGETS["encoder_mean_cosine"]
        and values["default_min_cosine"] >= TARGETS["encoder_min_cosine"]
    )
    return "\n".join(
        [
            "## encoder\n",
            f"{values['books']} real book texts (a fixed sample of the shared catalog), each "
            f"variant run {values['rounds']} times in turns on the same machine, best run kept; "
            "cosine to bookrec torch fp32's vectors. Bar for the default: >= "
            f"{TARGETS['encoder_vs_sentence_transformers']}x sentence-transformers' books/s at "
            f"mean cosine >= {TARGETS['encoder_mean_cosine']} and min >= "
            f"{TARGETS['encoder_min_cosine']}: **{'PASS' if passed else 'MISS'}** "
            f"({values['default_variant']}).\n",
            table(values["variants"], list(values["variants"][0])),
            table([shown], list(shown)),
        ]
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--encoder-books", type=int, default=2000, help="texts for the encoder race"
    )
    parser.add_argument("--encoder-rounds", type=int, default=2, help="turns of each variant")
    parser.add_argument(
        "--naive-books", type=int, default=600, help="texts for the naive loop (it is slow)"
    )
    parser.add_argument(
        "--encoder-only", action="store_true", help="section 1 only (needs no embedded catalog)"
    )
    parser.add_argument("--kaggle-books", type=int, default=52_000, help="books at Kaggle size")
    parser.add_argument("--kaggle-users", type=int, default=20_000, help="readers at Kaggle size")
    parser.add_argument("--skip-kaggle-size", action="store_true", help="skip section 4")
    parser.add_argument("--skip-full", action="store_true", help="skip section 5")
    args = parser.parse_args()

    data_dir = require_shared_data()
    results: dict[str, dict] = {"machine": machine()}
    db_path = real_warehouse(embed=not args.encoder_only)
    workdir = Path(tempfile.mkdtemp(prefix="bookrec-bench-"))
    try:
        print("encoder ...", flush=True)
        results["encoder"] = bench_encoder(
            db_path, args.encoder_books, args.encoder_rounds, args.naive_books
        )
        if args.encoder_only:
            # Only this section of the report is replaced; the others keep their last run.
            text = encoder_markdown(results["encoder"])
            replace_section(REPORTS / "bench_speed.md", "encoder", text)
            (REPORTS / "bench_speed_encoder.json").write_text(report_json(results))
            print(text)
            return
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
