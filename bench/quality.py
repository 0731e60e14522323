"""Quality benchmark: the evaluation protocol of `flows.evaluate`, repeated over 3 seeds of the
hidden split, on the real files in ../shared/data.

python bench/quality.py                 # seeds 0 1 2
python bench/quality.py --seeds 0 1 2 3 --no-surprise
python bench/quality.py --warehouse /tmp/real.duckdb   # a warehouse already built and embedded

Builds warehouse/bench.duckdb from ../shared/data and embeds it (bench.common.real_warehouse;
only the first run pays for encoding), then for each seed fits every method on the same split:
book averages (Goodreads-wide, training ratings), Surprise BaselineOnly / SVD / user KNN, the
raw-embedding blend, the trained-projector blend (when feat_book_projections exists) and the
blend variants. Reports mean and spread per method, cold-book Spearman, and the targets of the
benchmark issue with PASS / MISS and the margin. Writes reports/bench_quality.md and .json.
Then the top-N lists over the same seeds (bench/topn.py: reports/bench_topn.md and .json).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_parser, machine, real_warehouse, table, write_report  # noqa: E402
from bookrec.config import EvalConfig  # noqa: E402
from bookrec.evaluation.rating_evaluation import PEERS, evaluate_methods  # noqa: E402
from bookrec.evaluation.rating_results import MethodRow, Metric  # noqa: E402
from bookrec.warehouse.connection import connect, table_exists  # noqa: E402

SURPRISE_PEERS = ("surprise_baseline_only", "surprise_svd", "surprise_knn_user")
METRICS: tuple[Metric, ...] = ("spearman", "pearson", "ndcg", "rmse", "mae", "cold_spearman")
# The targets, fixed here: a missed target is reported, never loosened.
TARGET_BEST = 0.10  # best variant over the best peer, mean per-user Spearman, every seed
FLOOR_RAW = 0.05  # a plain raw-vector blend over the best peer
TARGET_COLD = 0.10  # best variant over every peer on cold books


def _verdict(margin: float, target: float) -> str:
    status = "PASS" if margin >= target else "MISS"
    return (
        f"{status} (margin {margin:+.3f}, target {target:+.2f}, {margin - target:+.3f} vs target)"
    )


def _peer_best(
    methods: dict[str, MethodRow], metric: Metric, peers: list[str]
) -> tuple[str, float]:
    name = max(peers, key=lambda p: methods[p].value(metric))
    return name, methods[name].value(metric)


def _summary(runs: list, names: list[str] | None = None) -> list[dict]:
    """Mean and spread over seeds of every metric, one row per method."""
    rows = []
    for name in names if names is not None else (list(runs[0].methods) if runs else []):
        row: dict[str, object] = {"method": name}
        for metric in METRICS:
            values = np.array([r.methods[name].value(metric) for r in runs], dtype=float)
            row[metric] = float(np.mean(values))
            row[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        row["best_variant_on_seeds"] = sum(r.best_method == name for r in runs)
        rows.append(row)
    return rows


def run(seeds: list[int], surprise: bool, warehouse: Path | None = None) -> dict:
    started = time.perf_counter()
    db_path = warehouse or real_warehouse()
    prepared = time.perf_counter() - started
    # Two passes per seed. All readers, raw space: the comparison with the peers. Then raw
    # vs trained on the readers the projector never saw (its training readers would flatter
    # it), which is fewer readers and so noisier.
    config = EvalConfig(surprise=surprise, spaces=("raw",))
    runs, trained_runs = [], []
    with connect(db_path, read_only=True) as con:
        has_trained = table_exists(con, "feat_book_projections")
        # What the content side has to work with, for the "why" of a missed target.
        text_facts = dict(
            zip(
                ("ratings_on_books_with_description", "ratings_on_title_only_books"),
                con.execute(
                    "select avg(b.has_description::int), avg((b.author is null)::int) "
                    "from ratings r join books b using (book_id)"
                ).fetchall()[0],
                strict=True,
            )
        )
        for seed in seeds:
            tick = time.perf_counter()
            runs.append(evaluate_methods(con, config, seed))
            if has_trained:
                both = EvalConfig(surprise=False, spaces=("raw", "trained"))
                trained_runs.append(evaluate_methods(con, both, seed))
            logging.info("seed %d done in %.1f s", seed, time.perf_counter() - tick)
    peers = [p for p in (*PEERS, *SURPRISE_PEERS) if p in runs[0].methods]
    summary = _summary(runs)
    blends = (
        [name for name in trained_runs[0].methods if name.startswith("blend_")]
        if (trained_runs)
        else []
    )
    trained_summary = _summary(trained_runs, blends)

    per_seed = []
    for result in runs:
        m = result.methods
        best = result.best_method
        peer, peer_spearman = _peer_best(m, "spearman", peers)
        cold_peer, cold_peer_value = _peer_best(m, "cold_spearman", peers)
        surprise_peers = [p for p in peers if p in SURPRISE_PEERS]
        surprise_best = _peer_best(m, "spearman", surprise_peers)[1] if surprise_peers else None
        entry = {
            "seed": result.seed,
            "best_variant": best,
            "best_variant_spearman": m[best].spearman,
            "best_peer": peer,
            "best_peer_spearman": peer_spearman,
            "margin_best": m[best].spearman - peer_spearman,
            "margin_raw": m["blend_raw"].spearman - peer_spearman,
            "raw_minus_best_surprise": (
                m["blend_raw"].spearman - surprise_best if surprise_best is not None else None
            ),
            "best_variant_cold": m[best].cold_spearman,
            "best_cold_peer": cold_peer,
            "margin_cold": m[best].cold_spearman - cold_peer_value,
            "cold_share": result.counts["cold_share"],
            "chosen": f"alpha {m[best].blend.alpha}, T {m[best].blend.temperature}, "
            f"top_k {m[best].blend.top_k}",
        }
        per_seed.append(entry)
    for entry, result in zip(per_seed, trained_runs, strict=False):
        m = result.methods
        entry["trained_minus_raw"] = m["blend_trained"].spearman - m["blend_raw"].spearman
        entry["trained_minus_raw_damped"] = (
            m["blend_trained_damped"].spearman - m["blend_raw_damped"].spearman
        )
        entry["unseen_readers"] = result.counts["report_users"]

    targets = {
        "best_variant_vs_best_peer": _verdict(min(e["margin_best"] for e in per_seed), TARGET_BEST),
        "raw_blend_vs_best_peer_floor": _verdict(min(e["margin_raw"] for e in per_seed), FLOOR_RAW),
        "cold_best_variant_vs_every_peer": _verdict(
            min(e["margin_cold"] for e in per_seed), TARGET_COLD
        ),
    }
    if trained_runs:
        worst = min(e["trained_minus_raw"] for e in per_seed)
        targets["trained_beats_raw"] = _verdict(worst, 0.0)
    else:
        targets["trained_beats_raw"] = "NOT RUN: no trained projections in the warehouse"
    return {
        "seeds": seeds,
        "counts": runs[0].counts,
        "summary": summary,
        "text_facts": text_facts,
        "trained_vs_raw_unseen_readers": trained_summary,
        "per_seed": per_seed,
        "targets": targets,
        "notes": sorted({note for r in [*runs, *trained_runs] for note in r.notes}),
        "seconds": {
            "prepare_and_embed": round(prepared, 1),
            "total": round(time.perf_counter() - started, 1),
        },
        "machine": machine(),
    }


def markdown(payload: dict) -> str:
    c = payload["counts"]
    columns = ["method"]
    for metric in METRICS:
        columns += [metric, f"{metric}_sd"]
    lines = [
        "# Quality benchmark: rating prediction on hidden ratings, real Goodreads data",
        "",
        f"Seeds {payload['seeds']}; per seed {c['users_taking_part']} users with >= 10 ratings, "
        f"20% of each one's ratings hidden, settings tuned on {c['tune_users']} users and "
        f"reported on the other {c['report_users']}. Cold books (hidden books without any "
        f"training rating): {np.mean([e['cold_share'] for e in payload['per_seed']]):.1%} of "
        "hidden ratings. Mean over seeds, `_sd` = standard deviation over seeds. A method that "
        "gives all of a user's (cold) books one score counts 0.",
        "",
        table(payload["summary"], columns),
        "## Raw vs trained space, on readers the projector never saw",
        "",
        "The projector's training readers are left out of tuning and reporting here (it saw "
        "their hidden ratings), so fewer readers count and the spread is larger.",
        "",
        table(payload["trained_vs_raw_unseen_readers"], columns)
        if payload["trained_vs_raw_unseen_readers"]
        else "Not run: no trained projections in the warehouse.\n",
        "## Per seed",
        "",
        table(
            payload["per_seed"],
            [
                "seed",
                "best_variant",
                "chosen",
                "best_variant_spearman",
                "best_peer",
                "best_peer_spearman",
                "margin_best",
                "margin_raw",
                "raw_minus_best_surprise",
                "best_variant_cold",
                "best_cold_peer",
                "margin_cold",
                "unseen_readers",
                "trained_minus_raw",
                "trained_minus_raw_damped",
            ],
        ),
        "## Targets (worst seed)",
        "",
    ]
    lines += [f"- {name}: {verdict}" for name, verdict in payload["targets"].items()]
    if any(verdict.startswith("MISS") for verdict in payload["targets"].values()):
        facts = payload["text_facts"]
        lines += [
            "",
            "Why the content scorer gains less here than the targets ask: only "
            f"{facts['ratings_on_books_with_description']:.0%} of the ratings are on a book with "
            f"a description, {facts['ratings_on_title_only_books']:.0%} on a book known only by "
            "its title (no author, genres or description: its vector carries little taste), "
            "and most readers have 10 to a few dozen ratings, so each reader's correlation rests "
            "on a handful of hidden books and is noisy for every method.",
        ]
    lines += ["", *[f"- {note}" for note in payload["notes"]]]
    s = payload["seconds"]
    lines += [
        "",
        f"Time: {s['total']} s in all ({s['prepare_and_embed']} s building and embedding the "
        f"warehouse), {payload['machine']['cores']} cores.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-surprise", action="store_true", help="leave out Surprise peers")
    parser.add_argument("--no-topn", action="store_true", help="leave out the top-N lists")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="an already built and embedded warehouse of ../shared/data "
        "(default: build warehouse/bench.duckdb)",
    )
    args = parser.parse_args()
    if args.warehouse is not None and not args.warehouse.is_file():
        parser.error(f"no warehouse at {args.warehouse}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    payload = run(args.seeds, surprise=not args.no_surprise, warehouse=args.warehouse)
    text = markdown(payload)
    json_path, md_path = write_report("bench_quality", payload, text)
    print(text)
    print(f"wrote {md_path} and {json_path}")
    if not args.no_topn:
        from bench.topn import markdown as topn_markdown
        from bench.topn import run_topn

        topn = run_topn(args.warehouse or real_warehouse(), args.seeds)
        text = topn_markdown(topn)
        json_path, md_path = write_report("bench_topn", topn, text)
        print(text)
        print(f"wrote {md_path} and {json_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
