"""Top-N results out: eval_runs rows, the tuned list weights, reports/topn.md / .json / .png,
and the issue's target ratios (bench/topn.py prints them per seed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import duckdb

from bookrec.evaluation.eval_runs import append_eval_runs
from bookrec.evaluation.topn import (
    DIAG_ALS_UNDER_RULES,
    DIAG_EASE_UNDER_RULES,
    DIAG_WITHOUT_RULES,
    METRICS,
    TopNResult,
)
from bookrec.evaluation.topn_metrics import TopNScores
from bookrec.evaluation.topn_modes import MORE_LIKE_THIS, MORE_LIKE_THIS_SPECIFIC
from bookrec.lists.settings import save_list_settings
from bookrec.report_json import report_json


def store_topn(con: duckdb.DuckDBPyConnection, run_id: str, result: TopNResult) -> int:
    """eval_runs rows (metric names prefixed "topn_"), the tuned list weights and the
    re-rankers."""
    rows = []
    settings = json.dumps({"seed": result.seed, "protocol": "topn"}, sort_keys=True)
    for method, row in result.methods.items():
        values = row.model_dump(mode="json")
        for metric in METRICS:
            rows.append(
                (run_id, method, settings, f"topn_{metric}", float(values[metric]), row.users)
            )
    written = append_eval_runs(con, rows)
    save_list_settings(
        con, run_id, result.chosen, result.tune_ndcg, result.few_tune_ndcg, result.rerankers
    )
    return written


def markdown(results: list[TopNResult]) -> str:
    """One table per seed, then the margins of bookrec's list against its peers."""
    lines = [
        "# Top-N evaluation: the lists themselves",
        "",
        *([f"Data: {results[0].data}.", ""] if results and results[0].data else []),
        "For each report reader, every method ranks the candidates (books with a Goodreads "
        "average from at least 1,000 ratings, minus the reader's training books); relevant = the "
        "works of their hidden books rated 4-5, but for the works read through their training "
        "books (another edition of a book they have, or #1 of a series whose #3 they have, is "
        "no hit). bookrec's list weights are "
        "tuned on the tuning readers' NDCG@10; every number below is measured on the other "
        "readers. `novelty_rank`: mean popularity rank of top-10 items (1 = most rated; higher "
        "= less obvious). "
        "`already_read`: share of top-10 items that are another edition, a containing "
        "collection or a derivative of a training book; `hygiene`: the same, or of another item "
        "of the list; `after_dislike`: share of top-10 items continuing a series past a book "
        "the reader rated <= 2.",
        "",
    ]
    for r in results:
        c = r.counts
        lines += [
            f"## Seed {r.seed}",
            "",
            f"{c['candidates']} candidates, {c['tune_users']} tuning and {c['report_users']} "
            f"report readers. Tuned weights: pop {r.chosen.w_pop}, text {r.chosen.w_text}, "
            f"co-rating {r.chosen.w_corating}, predicted rating {r.chosen.w_rating} "
            f"(tuning NDCG@10 {r.tune_ndcg:.3f}); for a reader with at most "
            f"{r.chosen.few_books} books: pop {r.chosen.few_w_pop}, text {r.chosen.few_w_text}, "
            f"co-rating {r.chosen.few_w_corating}, predicted rating {r.chosen.few_w_rating} "
            f"(tuned on the tuning readers' books cut to few, NDCG@10 {r.few_tune_ndcg:.3f}).",
            "",
            *_method_table(r.methods, METRICS),
        ]
        lines += ["", *margins(r), ""]
        lines += mode_tables(r)
    lines += ["![NDCG@10 per method](topn.png)", ""]
    return "\n".join(lines) + "\n"


MODE_METRICS = (
    "ndcg@10",
    "recall@10",
    "hit@10",
    "mrr",
    "coverage",
    "novelty_rank",
    "already_read",
    "hygiene",
    "after_dislike",
    "users",
)
MODE_TITLES = {
    MORE_LIKE_THIS: '"More like this": one seed book, relevant = the books rated 4-5 by the '
    "report readers who rated the seed 4-5 (users = seeds)",
    MORE_LIKE_THIS_SPECIFIC: '"More like this", beyond popularity: the same seeds, relevant = '
    "those of their relevant books that at least two of the seed's likers liked, at "
    "TopNConfig.mlt_lift (4) times the share of all report readers who liked them (users = "
    "seeds left with one)",
}


def mode_title(mode: str) -> str:
    if mode in MODE_TITLES:
        return MODE_TITLES[mode]
    _, size, kind = mode.split("_")
    return (
        f"Few-book readers, {size} {'book' if size == '1' else 'books'} {kind}: each report "
        f"reader cut to {size} of their books; relevant = their other books rated 4-5 (but "
        "for the works read through the books kept)"
    )


def mode_tables(result: TopNResult) -> list[str]:
    """One table per reader mode (bookrec.evaluation.topn_modes), with bookrec's ratios."""
    if not result.modes:
        return []
    lines = [
        "### The lists readers meet (models fitted without the report readers)",
        "",
    ]
    ratios = target_ratios(result)
    for mode, rows in result.modes.items():
        lines += [
            f"#### {mode}",
            "",
            mode_title(mode) + ".",
            "",
            *_method_table(rows, MODE_METRICS),
        ]
        mine = {k: v for k, v in ratios.items() if k.startswith(f"{mode}:")}
        if mine:
            lines += ["", "; ".join(f"{k.split(':')[1]} {v:.2f}x" for k, v in mine.items())]
        lines.append("")
    return lines


def _method_table(rows: dict, metrics: Sequence[str]) -> list[str]:
    """A Markdown table of each method's metrics, bookrec's list in bold."""
    lines = ["| method | " + " | ".join(metrics) + " |", "|" + "---|" * (len(metrics) + 1)]
    for name, row in rows.items():
        values = row.model_dump(mode="json")
        label = f"**{name}**" if name == "bookrec_list" else name
        lines.append(f"| {label} | " + " | ".join(_cell(m, values[m]) for m in metrics) + " |")
    return lines


def _cell(metric: str, value: float) -> str:
    if metric == "users":
        return str(int(value))
    return f"{value:.1f}" if metric == "novelty_rank" else f"{value:.3f}"


FULL_PEERS = ("implicit_als", "implicit_item_cosine", "implicit_item_bm25", "ease")


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def target_ratios(result: TopNResult) -> dict[str, float]:
    """bookrec's NDCG@10 over each target's peer, per mode ("mode:over_peer" -> ratio)."""
    out: dict[str, float] = {}
    m = result.methods
    ours = m["bookrec_list"].ndcg_at_10
    best = best_full_peer(result)
    out["full:over_best_peer"] = _ratio(ours, m[best].ndcg_at_10)
    out["full:over_most_popular"] = _ratio(ours, m["most_popular"].ndcg_at_10)
    for mode, rows in result.modes.items():
        mine = rows["bookrec_list"].ndcg_at_10
        if mode in (MORE_LIKE_THIS, MORE_LIKE_THIS_SPECIFIC):
            out[f"{mode}:over_item_cosine"] = _ratio(mine, rows["implicit_item_cosine"].ndcg_at_10)
            out[f"{mode}:over_ease"] = _ratio(mine, rows["ease"].ndcg_at_10)
            continue
        out[f"{mode}:over_als_folded_in"] = _ratio(mine, rows["implicit_als_folded_in"].ndcg_at_10)
        out[f"{mode}:over_most_popular"] = _ratio(mine, rows["most_popular"].ndcg_at_10)
    return out


def best_full_peer(result: TopNResult) -> str:
    m = result.methods
    return max((p for p in FULL_PEERS if p in m), key=lambda p: m[p].ndcg_at_10)


def margins(result: TopNResult) -> list[str]:
    """bookrec's NDCG@10 over most popular and over the best collaborative peer."""
    m = result.methods
    ratios = target_ratios(result)
    return [
        f"- bookrec_list / most_popular NDCG@10: {ratios['full:over_most_popular']:.2f}x "
        "(target >= 2x)",
        f"- bookrec_list / best CF peer ({best_full_peer(result)}) NDCG@10: "
        f"{ratios['full:over_best_peer']:.2f}x (target >= 1.2x)",
        f"- bookrec_list already-read rate: {m['bookrec_list'].already_read:.3%}; hygiene rate "
        f"{m['bookrec_list'].hygiene:.3%} (target <= 0.5%); after a dislike "
        f"{m['bookrec_list'].after_dislike:.3%} (target 0)",
        *rules_cost(m),
    ]


def rules_cost(methods: dict[str, TopNScores]) -> list[str]:
    """Lines on what the list's rules cost in NDCG@10, when the diagnostic rows were run."""
    if DIAG_WITHOUT_RULES not in methods or DIAG_ALS_UNDER_RULES not in methods:
        return []
    free = methods[DIAG_WITHOUT_RULES].ndcg_at_10
    ours = methods["bookrec_list"].ndcg_at_10
    lines = [
        f"- the list's rules (nothing read in any form, next-in-series only, caps) cost NDCG@10: "
        f"bookrec's score {free:.3f} without them -> {ours:.3f} with them"
    ]
    peers_under_rules = (("implicit_als", DIAG_ALS_UNDER_RULES), ("ease", DIAG_EASE_UNDER_RULES))
    for peer, ruled_row in peers_under_rules:
        if peer not in methods or ruled_row not in methods:
            continue
        own, ruled = methods[peer].ndcg_at_10, methods[ruled_row].ndcg_at_10
        lines.append(
            f"- {peer}'s own scores {own:.3f} -> {ruled:.3f} under the same rules: without the "
            f"rules bookrec's score is {free / own:.2f}x {peer}, under them {ours / ruled:.2f}x"
        )
    return lines


def plot(results: list[TopNResult], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results[0].methods)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / len(results)
    for k, r in enumerate(results):
        values = [r.methods[n].ndcg_at_10 for n in names]
        ax.bar([i + k * width for i in range(len(names))], values, width, label=f"seed {r.seed}")
    ax.set_xticks(
        [i + 0.4 - width / 2 for i in range(len(names))], names, rotation=25, ha="right", fontsize=8
    )
    ax.set_ylabel("NDCG@10 (report readers)")
    ax.set_title("Top-N lists on held-out readers")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_topn_reports(results: list[TopNResult], reports_dir: Path) -> list[Path]:
    """reports_dir/topn.md, topn.json and topn.png."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    md = reports_dir / "topn.md"
    md.write_text(markdown(results), encoding="utf-8")
    js = reports_dir / "topn.json"
    js.write_text(report_json({"runs": [r.as_dict() for r in results]}), encoding="utf-8")
    return [md, js, plot(results, reports_dir / "topn.png")]
