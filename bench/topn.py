"""Top-N benchmark: the lists of every method (bookrec.evaluation.topn) over several seeds of the
hidden split, on a warehouse built from ../shared/data, with the issue's targets.

python bench/topn.py                                   # warehouse/bench.duckdb, seeds 0 1 2
python bench/topn.py --warehouse /tmp/real.duckdb --seeds 0 1 2
(bench/quality.py runs it too, after rating prediction.)

Every list a reader meets: full histories of held-out readers; few-book readers (1, 3, 5
books, rated and unrated); "more like this" from one book (bookrec.evaluation.topn_modes).
Targets, fixed here (a miss is reported, never loosened), on every seed:
- hygiene: <= 0.5% of bookrec's top 10 an edition, collection, derivative or companion of the
  reader's books or of another listed item, in every mode; no next-in-series after a dislike;
- full histories: NDCG@10 >= 1.2x the best collaborative peer (ALS, item-item, EASE) and >= 2x
  most popular; already-read rate <= 2%;
- few-book readers at 3 and 5 books (rated and unrated): NDCG@10 >= 1.2x ALS folded in and
  >= 1.5x most popular (1 book: reported as is);
- "more like this": NDCG@10 >= item-item cosine.
(The blend's per-user Spearman is bench/quality.py's.)

The works tables are rebuilt from sql/works/ first (--keep-works: use the warehouse's), so the
rules measured are the checkout's. The blend behind the predicted-rating input is tuned on each
seed's tuning readers (raw space), so a run's numbers follow from the checkout, the warehouse's
data and the seeds alone, not from the settings the last `flows.evaluate` saved. Writes
reports/bench_topn.md / .json / .png (summary and targets), reports/topn.md / .json / .png
(every table of every seed) and docs/results/topn.*.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BENCH_WAREHOUSE,
    REPORTS,
    ROOT,
    bench_parser,
    machine,
    real_warehouse,
    table,
    write_report,
)
from bookrec.config import EvalConfig  # noqa: E402
from bookrec.evaluation.rating_evaluation import tune_scorer_settings  # noqa: E402
from bookrec.evaluation.topn import (  # noqa: E402
    DIAG_ALS_UNDER_RULES,
    DIAG_EASE_UNDER_RULES,
    DIAG_WITHOUT_RULES,
    FEW_WEIGHTS,
    METRICS,
    WEIGHTS,
    TopNResult,
    evaluate_topn,
)
from bookrec.evaluation.topn_metrics import TopNScores  # noqa: E402
from bookrec.evaluation.topn_modes import MORE_LIKE_THIS, few_mode  # noqa: E402
from bookrec.evaluation.topn_report import (  # noqa: E402
    MODE_METRICS,
    best_full_peer,
    plot,
    target_ratios,
    write_topn_reports,
)
from bookrec.lists.learned import TreeRanker  # noqa: E402
from bookrec.lists.works import build_works  # noqa: E402
from bookrec.warehouse.connection import connect, table_exists  # noqa: E402

DOCS = ROOT / "docs" / "results"
TARGET_OVER_POPULAR = 2.0
TARGET_OVER_PEER = 1.2
TARGET_ALREADY_READ = 0.02
TARGET_HYGIENE = 0.005
TARGET_FEW_OVER_ALS = 1.2
TARGET_FEW_OVER_POPULAR = 1.5
TARGET_FEW_SIZES = (3, 5)
TARGET_MLT_OVER_COSINE = 1.0


def prepare_works(db_path: Path, rebuild: bool) -> None:
    """The works tables from this checkout's sql/works/ (or the warehouse's, kept)."""
    with connect(db_path, read_only=True) as con:
        if table_exists(con, "book_works") and not rebuild:
            return
    started = time.perf_counter()
    with connect(db_path) as con:
        counts = build_works(con)
    logging.info("works rebuilt in %.0f s: %s", time.perf_counter() - started, counts)


def targets(runs: list[TopNResult]) -> list[dict]:
    """One row per target: its value on every seed, the bar, and whether every seed meets it."""
    rows: list[dict] = []

    def add(name: str, values: list[float], bar: float, at_most: bool = False) -> None:
        ok = all((v <= bar) if at_most else (v >= bar) for v in values)
        row = {"target": name, "bar": f"{'<=' if at_most else '>='} {bar:g}"}
        row |= {f"seed {r.seed}": v for r, v in zip(runs, values, strict=True)}
        rows.append({**row, "result": "PASS" if ok else "MISS"})

    ratios = [target_ratios(r) for r in runs]
    ours = [r.methods["bookrec_list"] for r in runs]
    add(
        "hygiene rate, worst mode (share of top 10)",
        [max(_hygiene(r).values()) for r in runs],
        TARGET_HYGIENE,
        at_most=True,
    )
    add(
        "next in series after a dislike, worst mode (share of top 10)",
        [max(_after_dislike(r).values()) for r in runs],
        0.0,
        at_most=True,
    )
    add(
        "full histories: already-read rate",
        [o.already_read for o in ours],
        TARGET_ALREADY_READ,
        True,
    )
    add(
        "full histories: NDCG@10 / best CF peer",
        [x["full:over_best_peer"] for x in ratios],
        TARGET_OVER_PEER,
    )
    add(
        "full histories: NDCG@10 / most popular",
        [x["full:over_most_popular"] for x in ratios],
        TARGET_OVER_POPULAR,
    )
    if runs[0].modes:
        sizes = sorted({int(m.split("_")[1]) for m in runs[0].modes if m.startswith("few_")})
        for size in [s for s in sizes if s in TARGET_FEW_SIZES]:
            for rated in (True, False):
                mode = few_mode(size, rated)
                add(
                    f"{mode}: NDCG@10 / ALS folded in",
                    [x[f"{mode}:over_als_folded_in"] for x in ratios],
                    TARGET_FEW_OVER_ALS,
                )
                add(
                    f"{mode}: NDCG@10 / most popular",
                    [x[f"{mode}:over_most_popular"] for x in ratios],
                    TARGET_FEW_OVER_POPULAR,
                )
        add(
            "more like this: NDCG@10 / item-item cosine",
            [x[f"{MORE_LIKE_THIS}:over_item_cosine"] for x in ratios],
            TARGET_MLT_OVER_COSINE,
        )
    return rows


def _hygiene(r: TopNResult) -> dict[str, float]:
    """bookrec's hygiene rate in every mode ("full" = full histories)."""
    out = {"full": r.methods["bookrec_list"].hygiene}
    return out | {mode: rows["bookrec_list"].hygiene for mode, rows in r.modes.items()}


def _after_dislike(r: TopNResult) -> dict[str, float]:
    out = {"full": r.methods["bookrec_list"].after_dislike}
    return out | {mode: rows["bookrec_list"].after_dislike for mode, rows in r.modes.items()}


def _mean_table(rows_per_seed: list[dict[str, TopNScores]], metrics) -> list[dict]:
    """Each method's metrics averaged over seeds (with the standard deviation of each)."""
    summary = []
    for name in rows_per_seed[0]:
        row: dict[str, object] = {"method": name}
        dumped = [rows[name].model_dump(mode="json") for rows in rows_per_seed]
        for metric in metrics:
            values = np.array([one[metric] for one in dumped], float)
            row[metric] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
            row[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        if "users" in row:
            row["users"] = int(round(row["users"]))
        summary.append(row)
    return summary


def run_topn(db_path: Path, seeds: list[int], rebuild_works: bool = True) -> dict:
    started = time.perf_counter()
    prepare_works(db_path, rebuild_works)
    runs = []
    blends = []
    with connect(db_path, read_only=True) as con:
        for seed in seeds:
            # the blend tuned on this seed's own tuning readers, not the warehouse's saved
            # settings: those follow whichever evaluation ran last (flow full's seed or
            # flow evaluate's), and the lists' numbers moved with them from run to run. In the
            # raw space: the lists' readers include the projector's training readers, whose
            # hidden ratings the trained space has seen
            blend = tune_scorer_settings(con, EvalConfig(spaces=("raw",)), seed)
            logging.info("seed %d: the blend tuned on its tuning readers: %s", seed, blend)
            result = evaluate_topn(con, EvalConfig(), seed, scorer_settings=blend)
            runs.append(result)
            blends.append(blend)
            logging.info("top-N seed %d in %s s", seed, result.counts["seconds"])
    REPORTS.mkdir(exist_ok=True)
    plot(runs, REPORTS / "bench_topn.png")
    write_topn_reports(runs, REPORTS)  # reports/topn.*: every table of every seed
    per_seed = []
    for r, blend in zip(runs, blends, strict=True):
        m = r.methods
        peer = best_full_peer(r)
        ours = m["bookrec_list"].ndcg_at_10
        per_seed.append(
            {
                "seed": r.seed,
                "bookrec_ndcg": ours,
                "over_popular": ours / m["most_popular"].ndcg_at_10,
                "best_peer": peer,
                "over_peer": ours / m[peer].ndcg_at_10,
                "already_read": m["bookrec_list"].already_read,
                "hygiene": m["bookrec_list"].hygiene,
                # the rules' cost: each score with and without them, against ALS
                "free_over_als": m[DIAG_WITHOUT_RULES].ndcg_at_10 / m["implicit_als"].ndcg_at_10,
                "over_als_same_rules": ours / m[DIAG_ALS_UNDER_RULES].ndcg_at_10,
                "over_ease_same_rules": ours / m[DIAG_EASE_UNDER_RULES].ndcg_at_10,
                "blend": f"alpha {blend.alpha:g}, temperature {blend.temperature:g}, "
                f"top_k {blend.top_k or 'all'}",
                "weights": "/".join(str(getattr(r.chosen, w)) for w in WEIGHTS),
                "few_book_weights": "/".join(str(getattr(r.chosen, w)) for w in FEW_WEIGHTS),
                # the re-rankers of a reader's best candidates (bookrec.lists.learned)
                "full_history_reranker": _trees(r.rerankers.full),
                "few_book_reranker": _trees(r.rerankers.few),
            }
        )
    modes = {
        mode: _mean_table([r.modes[mode] for r in runs], MODE_METRICS) for mode in runs[0].modes
    }
    rows = targets(runs)
    return {
        "seeds": seeds,
        "warehouse": str(db_path),
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "summary": _mean_table([r.methods for r in runs], METRICS),
        "per_seed": per_seed,
        "modes": modes,
        "mode_counts": [r.counts for r in runs],
        "target_rows": rows,
        "targets": {row["target"]: row["result"] == "PASS" for row in rows},
        "runs": [r.as_dict() for r in runs],
    }


def _trees(ranker: TreeRanker | None) -> str:
    return f"{len(ranker.roots)} trees" if ranker is not None else "none"


def _shown(row: dict) -> dict:
    """A target row for reading: shares (an upper bar) in percent, ratios with an x."""
    share = row["bar"].startswith("<=")
    out = dict(row)
    for key, value in row.items():
        if key.startswith("seed "):
            out[key] = f"{value:.2%}" if share else f"{value:.2f}x"
    out["bar"] = f"<= {float(row['bar'][3:]):.1%}" if share else row["bar"] + "x"
    return out


def markdown(payload: dict, image: str = "bench_topn.png") -> str:
    seeds = payload["seeds"]
    lines = [
        "# Top-N benchmark: every list a reader meets",
        "",
        f"Seeds {seeds}; mean over seeds. Protocol: bookrec.evaluation.topn (full histories: "
        "report readers, weights tuned on the tuning readers; relevant = the works of their "
        "hidden books rated 4-5 but for those read through their training books: editions, "
        "a collection's contents, series entries before the earliest one they have) and "
        "bookrec.evaluation.topn_modes "
        '(few-book readers and "more like this": every model fitted without the report '
        "readers). `hygiene`: share of top-10 items that are an edition, collection, derivative "
        "or companion of the reader's books or of another listed item; `after_dislike`: share "
        "of top-10 items continuing a series past a book rated <= 2. Every bookrec list comes "
        "from bookrec.evaluation.bookrec_list.",
        "",
        "## Targets, per seed",
        "",
        table(
            [_shown(row) for row in payload["target_rows"]],
            ["target", *[f"seed {s}" for s in seeds], "bar", "result"],
        ),
        "## Full histories (held-out readers)",
        "",
        table(payload["summary"], ["method", *METRICS]),
        "Per seed (`blend`: the settings of the predicted-rating input, tuned on the seed's "
        "tuning readers in the raw space; weights pop/text/co-rating/predicted rating, "
        "re-ordered by "
        "`full_history_reranker`, trained on the tuning readers' histories; `few_book_weights` "
        "rank a reader who gives at most 5 books, tuned on the tuning readers' books cut to 1, 3 "
        "and 5, and `few_book_reranker` re-orders their best candidates, trained on the same "
        "cases):",
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
                "hygiene",
                "free_over_als",
                "over_als_same_rules",
                "over_ease_same_rules",
                "blend",
                "weights",
                "full_history_reranker",
                "few_book_weights",
                "few_book_reranker",
            ],
        ),
        "`free_over_als`: bookrec's score without the list's rules (only training books left "
        "out) over ALS; `over_als_same_rules`, `over_ease_same_rules`: bookrec's list over ALS's "
        "and EASE's own scores under the same rules (nothing read in any form, next-in-series "
        "only, caps). Rows `diag_*` above are these diagnostics, not methods a reader gets.",
        "",
    ]
    if payload["modes"]:
        lines += [
            "## The lists readers meet",
            "",
            "Few-book readers: each report reader's books cut to 1, 3 or 5 (seeded), given rated "
            "or unrated; relevant = their other books rated 4-5 (but for the works read through "
            "the books kept). The collaborative peers ignore ratings (their rated and unrated "
            'lists are the same). "More like this": one seed '
            "book; relevant = the books rated 4-5 by report readers who rated the seed 4-5. "
            "`users`: readers (or seeds) measured. `diag_bookrec_score_without_rules`: "
            "bookrec's score for the same books with only those books left out, as for full "
            "histories (what the list's rules cost these readers; not a list a reader gets).",
            "",
        ]
        for mode, rows in payload["modes"].items():
            lines += [f"### {mode}", "", table(rows, ["method", *MODE_METRICS])]
    lines += [
        *[
            f"- {row['target']} {row['bar']} on every seed: {row['result']}"
            for row in map(_shown, payload["target_rows"])
        ],
        "- the blend's per-user Spearman: bench/quality.py",
        "",
        f"Time: {payload['seconds']} s, {payload['machine']['cores']} cores.",
        "",
        f"![NDCG@10 per method and seed]({image})",
        "",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help=f"a built, embedded warehouse of ../shared/data (default: {BENCH_WAREHOUSE}, "
        "built when missing)",
    )
    parser.add_argument(
        "--keep-works",
        action="store_true",
        help="use the warehouse's works tables instead of rebuilding them from sql/works/",
    )
    args = parser.parse_args()
    if args.warehouse is not None and not args.warehouse.is_file():
        parser.error(f"no warehouse at {args.warehouse}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("httpx", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warehouse = args.warehouse
    if warehouse is None:
        warehouse = BENCH_WAREHOUSE if BENCH_WAREHOUSE.is_file() else real_warehouse()
    payload = run_topn(warehouse, args.seeds, rebuild_works=not args.keep_works)
    text = markdown(payload)
    json_path, md_path = write_report("bench_topn", payload, text)
    DOCS.mkdir(parents=True, exist_ok=True)
    (DOCS / "topn.md").write_text(markdown(payload, image="topn.png"), encoding="utf-8")
    shutil.copyfile(json_path, DOCS / "topn.json")
    shutil.copyfile(REPORTS / "bench_topn.png", DOCS / "topn.png")
    print(text)
    print(f"wrote {md_path}, {json_path}, reports/topn.*, docs/results/topn.*")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
