"""reports/evaluation.md, evaluation.json, evaluation_alpha.png (alpha curves) and
evaluation_per_user.png (per-user Spearman) of one evaluation run
(bookrec.evaluation.rating_results)."""

from __future__ import annotations

from pathlib import Path

from bookrec.evaluation.rating_results import EvalResult
from bookrec.report_json import report_json
from bookrec.scoring.blend import DEFAULT_CENTERING


def _markdown(result: EvalResult) -> str:
    c = result.counts
    columns = [
        "method",
        "spearman",
        "spearman_median",
        "pearson",
        "ndcg",
        "rmse",
        "mae",
        "cold_spearman",
        "users",
        "users_skipped",
        "fallback_share",
        "alpha",
        "temperature",
        "top_k",
    ]

    def cell(value: object) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = [
        "# Evaluation: rating prediction on hidden ratings",
        "",
        *([f"Data: {result.data}.", ""] if result.data else []),
        f"Run `{result.run_id}`, seed {result.seed}. Users with at least "
        f"{result.config.min_ratings} ratings: {c['users_taking_part']}; "
        f"{result.config.hidden_share:.0%} of each one's ratings hidden. Settings tuned on "
        f"{c['tune_users']} users, every number below measured on the other "
        f"{c['report_users']} ({c['report_hidden_rows']} hidden ratings). Cold books (hidden "
        f"books with no training rating at all): {c['cold_share']:.1%} of hidden ratings.",
        "",
        "Metrics are per user, then averaged. Users with fewer than 3 hidden ratings or constant "
        "truth are skipped (`users_skipped`); a method that gives all of a user's books one "
        "score counts 0. `fallback_share`: predictions that fell back to a book or global "
        "mean.",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for name, method in result.methods.items():
        row = method.as_dict()
        label = f"**{name}**" if method.best_variant else name
        lines.append("| " + " | ".join([label] + [cell(row.get(k)) for k in columns[1:]]) + " |")
    lines += [
        "",
        f"Best variant on the tuning users: **{result.best_method}**. Saved scorer settings "
        f"(used by `recommend`, from {result.chosen_method}): space {result.chosen.space}, "
        f"centering {DEFAULT_CENTERING}, "
        f"alpha {result.chosen.alpha}, temperature {result.chosen.temperature}, top_k "
        f"{result.chosen.top_k}.",
        "",
        "Blend variants (bookrec.scoring.scorer): `blend_<space>` is the plain blend "
        "(1 - alpha) m_b + alpha sum_j w_bj r_j; `_user` adds alpha sum_j w_bj (r_j - mean of "
        "the user's ratings) to m_b; `_book` adds alpha sum_j w_bj (r_j - m_j). m_b is the "
        "Goodreads-wide average, else the book's mean training rating, else the global mean; "
        "`_user` ranks one user's books as the plain blend does at alpha / (1 + alpha) (the "
        "user's mean is one number per user), so its Spearman differs from the plain blend's "
        "only through tuning noise, while its RMSE is worse; "
        "`_damped` uses the damped training mean (sum + k mu) / (n + k) instead "
        f"(k = {result.config.damping}), as does book_avg_goodreads_damped.",
        "",
        "![alpha curve](evaluation_alpha.png)",
        "![per-user Spearman](evaluation_per_user.png)",
        "",
    ]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _plots(result: EvalResult, reports_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    alpha_path = reports_dir / "evaluation_alpha.png"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, tuning in result.tunings.items():
        curve = tuning.alpha_curve()
        label = f"{name} (T={tuning.config.temperature}, top_k={tuning.config.top_k})"
        ax.plot(
            [p["alpha"] for p in curve], [p["spearman"] for p in curve], marker="o", label=label
        )
    ax.set_xlabel("alpha (0 = book average only)")
    ax.set_ylabel("mean per-user Spearman (tuning users)")
    ax.set_title("Alpha curve of the similarity blends")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(alpha_path, dpi=110)
    plt.close(fig)

    users_path = reports_dir / "evaluation_per_user.png"
    names = list(result.per_user)
    fig, ax = plt.subplots(figsize=(max(7, 0.9 * len(names)), 4.5))
    data = [result.per_user[n]["spearman"].dropna().to_numpy() for n in names]
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=35, ha="right", fontsize=8)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_ylabel("per-user Spearman (report users)")
    ax.set_title("Distribution of per-user Spearman per method")
    fig.tight_layout()
    fig.savefig(users_path, dpi=110)
    plt.close(fig)
    return [alpha_path, users_path]


def write_reports(result: EvalResult, reports_dir: Path) -> list[Path]:
    """reports_dir/evaluation.md, evaluation.json and the two PNG plots."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path = reports_dir / "evaluation.json"
    json_path.write_text(report_json(result.as_dict()), encoding="utf-8")
    md_path = reports_dir / "evaluation.md"
    md_path.write_text(_markdown(result), encoding="utf-8")
    return [md_path, json_path, *_plots(result, reports_dir)]
