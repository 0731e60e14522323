"""Flow `evaluate`: every method on the same hidden ratings; tunes and saves the blend's settings;
then the top-N lists (bookrec.evaluation.topn) on the same split, tuning the list's weights and
training the re-rankers (few-book and full-history).

python -m flows.evaluate --warehouse warehouse/bookrec.duckdb
python -m flows.evaluate --min-ratings 10 --seed 1 --reports-dir reports --space raw
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_EVAL_SEED, DEFAULT_WAREHOUSE, EvalConfig
from bookrec.warehouse.connection import connect, table_exists
from flows._cli import run_flow_cli

if TYPE_CHECKING:  # imported in the tasks: scipy and torch take seconds; --help needs none
    from bookrec.evaluation import rating_evaluation as evaluation


@task
def evaluate_methods(db_path: Path, config: EvalConfig, seed: int) -> evaluation.EvalResult:
    """Fit, tune and score every method on one seeded split (reads the warehouse)."""
    with connect(db_path, read_only=True) as con:
        from bookrec.evaluation import rating_evaluation as evaluation

        return evaluation.evaluate_methods(con, config, seed)


@task
def store_result(db_path: Path, result: evaluation.EvalResult) -> int:
    """eval_runs rows and the tuned scorer settings into the warehouse."""
    from bookrec.evaluation import rating_evaluation as evaluation

    with connect(db_path) as con:
        return evaluation.store_result(con, result)


@task
def evaluate_lists(
    db_path: Path, config: EvalConfig, seed: int, run_id: str
) -> tuple[int, list[Path]]:
    """Top-N lists of every method on the same split; stores the tuned list weights and the
    re-rankers (bookrec.lists.learned). Returns (eval_runs rows written, the reports)."""
    with connect(db_path, read_only=True) as con:
        if not table_exists(con, "book_works"):
            get_run_logger().info("top-N skipped: no works tables (run `python -m flows.lists`)")
            return 0, []
        from bookrec.evaluation.topn import evaluate_topn
        from bookrec.evaluation.topn_report import store_topn, write_topn_reports

        result = evaluate_topn(con, config, seed)
    with connect(db_path) as con:
        rows = store_topn(con, run_id, result)
    paths = write_topn_reports([result], config.reports_dir)
    for name, row in result.methods.items():
        get_run_logger().info(
            "top-N %-22s ndcg@10 %.3f  recall@10 %.3f  coverage %.3f  already-read %.3f",
            name,
            row.ndcg_at_10,
            row.recall_at_10,
            row.coverage,
            row.already_read,
        )
    return rows, paths


@task
def write_reports(result: evaluation.EvalResult, reports_dir: Path) -> list[Path]:
    from bookrec.evaluation import rating_evaluation as evaluation

    return evaluation.write_reports(result, reports_dir)


@flow(name="evaluate", log_prints=True)
def evaluate(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    seed: int = DEFAULT_EVAL_SEED,
    config: EvalConfig = EvalConfig(),
    topn: bool = True,
) -> dict[str, float]:
    """Evaluate the baselines, Surprise peers and similarity blends on one hidden split.

    With topn, the lists are evaluated too (reports/topn.md) and their tuned weights saved.

    Args:
        warehouse: the DuckDB file (built by prepare_data, embed and lists).
        seed: seed of the hidden split.
        config: who takes part, what is hidden, the tuning grid and where the reports go.
        topn: evaluate the top-N lists too (and save their tuned weights).

    Returns:
        Mean per-user Spearman (report users) per method.
    """
    db_path = Path(warehouse)
    logger = get_run_logger()
    result = evaluate_methods(db_path, config, seed)
    rows = store_result(db_path, result)
    paths = write_reports(result, config.reports_dir)
    for name, row in result.methods.items():
        logger.info(
            "%-26s spearman %.3f  cold %.3f  rmse %.3f  ndcg %.3f",
            name,
            row.spearman,
            row.cold_spearman,
            row.rmse,
            row.ndcg,
        )
    for note in result.notes:
        logger.info(note)
    if topn:
        topn_rows, topn_paths = evaluate_lists(db_path, config, seed, result.run_id)
        rows, paths = rows + topn_rows, [*paths, *topn_paths]
    logger.info(
        "best variant %s; saved settings %s; %d eval_runs rows; reports: %s",
        result.best_method,
        result.chosen,
        rows,
        ", ".join(str(p) for p in paths),
    )
    return {name: row.spearman for name, row in result.methods.items()}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(evaluate, __doc__, aliases={"spaces": ["--space"]}))
