"""Does the int8 encoder change what readers get? The blend's per-user Spearman and the list's
NDCG@10 on the same splits, over a warehouse embedded with torch fp32 and one embedded with ONNX
int8, side by side (reports/bench_encoder_quality.md and .json).

python bench/encoder_quality.py --fp32 warehouse/bench.duckdb --int8 warehouse/bench_int8.duckdb

Both warehouses are built from ../shared/data the same way and differ only in their vectors
(`python -m flows.embed --runtime torch` / `--runtime onnx-int8`); the list side needs the works
tables, built here when missing. Per seed: bench/quality.py's protocol without the Surprise peers
(the blends, raw space) and bench/topn.py's lists. The bar: each int8 mean within one standard
error (sd / sqrt(seeds)) of fp32's.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPORTS, bench_parser, machine, table, write_report  # noqa: E402
from bench.topn import prepare_works  # noqa: E402
from bookrec.config import EvalConfig  # noqa: E402
from bookrec.evaluation.rating_evaluation import evaluate_methods  # noqa: E402
from bookrec.evaluation.topn import evaluate_topn  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

BLENDS = ("blend_raw", "blend_raw_user", "blend_raw_book", "blend_raw_damped")


def measure(db_path: Path, seeds: list[int]) -> dict[str, list[float]]:
    """metric -> one value per seed."""
    prepare_works(db_path, rebuild=False)  # build the works tables only when missing
    values: dict[str, list[float]] = {}
    with connect(db_path, read_only=True) as con:
        models = con.execute("select distinct model from feat_book_embeddings").fetchall()
        for seed in seeds:
            tick = time.perf_counter()
            result = evaluate_methods(con, EvalConfig(surprise=False, spaces=("raw",)), seed)
            for name in BLENDS:
                if name in result.methods:
                    values.setdefault(f"{name} spearman", []).append(
                        float(result.methods[name].spearman)
                    )
            lists = evaluate_topn(con, EvalConfig(), seed)
            values.setdefault("bookrec_list ndcg@10", []).append(
                float(lists.methods["bookrec_list"].ndcg_at_10)
            )
            logging.info(
                "%s seed %d in %.0f s: %s",
                db_path.name,
                seed,
                time.perf_counter() - tick,
                {metric: round(v[-1], 4) for metric, v in values.items()},
            )
    values["model"] = [m[0] for m in models]
    return values


def compare(fp32: dict, int8: dict, seeds: int) -> list[dict[str, object]]:
    rows = []
    for metric, reference in fp32.items():
        if metric == "model" or metric not in int8:
            continue
        ref, ours = np.asarray(reference), np.asarray(int8[metric])
        se = float(ref.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else float("nan")
        difference = float(ours.mean() - ref.mean())
        rows.append(
            {
                "metric": metric,
                "fp32_mean": float(ref.mean()),
                "fp32_se": se,
                "int8_mean": float(ours.mean()),
                "int8_minus_fp32": difference,
                "per_seed_difference": " ".join(f"{d:+.4f}" for d in ours - ref),
                "within_one_se": "PASS" if abs(difference) <= se else "MISS",
            }
        )
    return rows


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--fp32", type=Path, required=True, help="warehouse with torch vectors")
    parser.add_argument("--int8", type=Path, required=True, help="warehouse with int8 vectors")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--only",
        choices=["fp32", "int8"],
        help="measure one warehouse and keep its numbers in reports/ (two processes can then "
        "measure both at once); a later run without --only reuses them",
    )
    args = parser.parse_args()
    for path in (args.fp32, args.int8):
        if not path.is_file():
            parser.error(f"no warehouse at {path}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    measured = {}
    for name, path in (("fp32", args.fp32), ("int8", args.int8)):
        if args.only and name != args.only:
            continue
        partial = REPORTS / f"bench_encoder_quality_{name}.json"
        if not args.only and partial.is_file():
            saved = json.loads(partial.read_text())
            if saved["warehouse"] == str(path) and saved["seeds"] == args.seeds:
                measured[name] = saved["values"]
                continue
        measured[name] = measure(path, args.seeds)
        partial.write_text(
            json.dumps({"warehouse": str(path), "seeds": args.seeds, "values": measured[name]})
        )
    if args.only:
        return 0
    fp32, int8 = measured["fp32"], measured["int8"]
    rows = compare(fp32, int8, len(args.seeds))
    payload = {
        "seeds": args.seeds,
        "models": {"fp32": fp32["model"], "int8": int8["model"]},
        "rows": rows,
        "per_seed": {"fp32": fp32, "int8": int8},
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    text = "\n".join(
        [
            "# Encoder precision and what readers get\n",
            f"Seeds {args.seeds}; fp32 vectors `{fp32['model']}`, int8 vectors `{int8['model']}`. "
            "Bar: int8's mean within one standard error of fp32's (sd over seeds / sqrt(seeds)).\n",
            table(rows, list(rows[0])),
        ]
    )
    json_path, md_path = write_report("bench_encoder_quality", payload, text)
    print(text)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
