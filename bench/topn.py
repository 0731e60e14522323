"""Top-N benchmark: the lists of every method (bookrec.evaluation.topn) over several seeds of the
hidden split, on a warehouse built from ../shared/data, with the issue's targets.

python bench/topn.py --warehouse /tmp/real.duckdb --seeds 0 1 2
(bench/quality.py runs it too, after rating prediction.)

Targets, fixed here (a miss is reported, never loosened): bookrec's NDCG@10 >= 2x most popular
and >= 1.2x the best collaborative peer on every seed; already-read rate of its top 10 <= 2%.
Writes reports/bench_topn.md, .json and .png.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPORTS, machine, table, write_report  # noqa: E402
from bookrec.config import EvalConfig  # noqa: E402
from bookrec.evaluation.topn import (  # noqa: E402
    DIAG_ALS_UNDER_RULES,
    DIAG_WITHOUT_RULES,
    METRICS,
    evaluate_topn,
)
from bookrec.evaluation.topn_report import plot  # noqa: E402
from bookrec.lists.works import build_works  # noqa: E402
from bookrec.warehouse.connection import connect, table_exists  # noqa: E402

TARGET_OVER_POPULAR = 2.0
TARGET_OVER_PEER = 1.2
TARGET_ALREADY_READ = 0.02
PEERS = ("implicit_als", "implicit_item_cosine", "implicit_item_bm25")


def ensure_works(db_path: Path) -> None:
    """Build the works tables once (top-N needs them; vectors are fitted per split)."""
    with connect(db_path, read_only=True) as con:
        if table_exists(con, "book_works"):
            return
    with connect(db_path) as con:
        build_works(con)


def run_topn(db_path: Path, seeds: list[int]) -> dict:
    ensure_works(db_path)
    runs = []
    with connect(db_path, read_only=True) as con:
        for seed in seeds:
            result = evaluate_topn(con, EvalConfig(), seed)
            runs.append(result)
            logging.info("top-N seed %d: %s", seed, result.methods["bookrec_list"])
    REPORTS.mkdir(exist_ok=True)
    plot(runs, REPORTS / "bench_topn.png")
    per_seed = []
    for r in runs:
        m = r.methods
        peer = max(PEERS, key=lambda p: m[p]["ndcg@10"])
        ours = m["bookrec_list"]["ndcg@10"]
        per_seed.append(
            {
                "seed": r.seed,
                "bookrec_ndcg": ours,
                "over_popular": ours / m["most_popular"]["ndcg@10"],
                "best_peer": peer,
                "over_peer": ours / m[peer]["ndcg@10"],
                "already_read": m["bookrec_list"]["already_read"],
                # the rules' cost: each score with and without them, against ALS
                "free_over_als": m[DIAG_WITHOUT_RULES]["ndcg@10"] / m["implicit_als"]["ndcg@10"],
                "over_als_same_rules": ours / m[DIAG_ALS_UNDER_RULES]["ndcg@10"],
                "weights": "/".join(
                    str(getattr(r.chosen, w)) for w in ("w_pop", "w_text", "w_corating", "w_rating")
                ),
            }
        )
    summary = []
    for name in runs[0].methods:
        row: dict[str, object] = {"method": name}
        for metric in METRICS:
            values = np.array([r.methods[name][metric] for r in runs])
            row[metric] = float(values.mean())
            row[f"{metric}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        summary.append(row)
    return {
        "seeds": seeds,
        "machine": machine(),
        "summary": summary,
        "per_seed": per_seed,
        "runs": [r.to_json() for r in runs],
        "targets": {
            "over_popular": all(p["over_popular"] >= TARGET_OVER_POPULAR for p in per_seed),
            "over_peer": all(p["over_peer"] >= TARGET_OVER_PEER for p in per_seed),
            "already_read": all(p["already_read"] <= TARGET_ALREADY_READ for p in per_seed),
        },
    }


def markdown(payload: dict) -> str:
    cols = ["method", *METRICS]
    lines = [
        "# Top-N benchmark: the lists on held-out readers",
        "",
        f"Seeds {payload['seeds']}; mean over seeds (report readers; weights tuned on the tuning "
        "readers). Protocol: bookrec.evaluation.topn.",
        "",
        table(payload["summary"], cols),
        "Per seed (weights pop/text/co-rating/predicted rating):",
        "",
        table(
            payload["per_seed"],
            [
                "seed",
                "bookrec_ndcg",
                "over_popular",
                "best_peer",
                "over_peer",
                "already_read",
                "free_over_als",
                "over_als_same_rules",
                "weights",
            ],
        ),
        "`free_over_als`: bookrec's score without the list's rules (only training books left "
        "out) over ALS; `over_als_same_rules`: bookrec's list over ALS's own scores under the "
        "same rules (nothing read in any form, next-in-series only, caps). Rows `diag_*` above "
        "are these two diagnostics, not methods a reader gets.",
        "",
    ]
    t = payload["targets"]
    lines += [
        f"- NDCG@10 >= {TARGET_OVER_POPULAR}x most popular on every seed: "
        f"{'PASS' if t['over_popular'] else 'MISS'}",
        f"- NDCG@10 >= {TARGET_OVER_PEER}x the best collaborative peer on every seed: "
        f"{'PASS' if t['over_peer'] else 'MISS'}",
        f"- already-read rate <= {TARGET_ALREADY_READ:.0%}: "
        f"{'PASS' if t['already_read'] else 'MISS'}",
        "",
        "![NDCG@10 per method and seed](bench_topn.png)",
        "",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--warehouse", type=Path, required=True, help="a built, embedded warehouse")
    args = parser.parse_args()
    if not args.warehouse.is_file():
        parser.error(f"no warehouse at {args.warehouse}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    payload = run_topn(args.warehouse, args.seeds)
    text = markdown(payload)
    json_path, md_path = write_report("bench_topn", payload, text)
    print(text)
    print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
