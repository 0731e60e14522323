"""Flow `prepare_data`: the original Goodreads files -> the DuckDB warehouse.

python -m flows.prepare_data --data-dir ../shared/data
python -m flows.prepare_data --demo
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DataConfig
from bookrec.demo.sources import demo_sources
from bookrec.errors import DownloadError
from bookrec.warehouse import prepare
from flows._cli import run_flow_cli


def _is_download_error(task, task_run, state) -> bool:
    """Retry only what the network broke; a user's missing file will still be missing."""
    try:
        state.result()
    except DownloadError:
        return True
    except Exception:
        return False
    return False


@task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_is_download_error)
def choose_sources(config: DataConfig) -> prepare.ChosenSources:
    """Find, download (Kaggle; the network can fail, hence the retries) or generate the data."""
    chosen = prepare.choose_sources(config)
    if isinstance(chosen, prepare.DemoWanted):
        chosen = demo_sources(config, chosen.reason)
    get_run_logger().info("data: %s", chosen.label)
    return chosen


@task
def load_raw(db_path: Path, chosen: prepare.ChosenSources) -> None:
    counts = prepare.load_raw(db_path, chosen.files)
    get_run_logger().info("raw rows %s; unreadable %s", counts.rows, counts.rejected)


@task
def clean(db_path: Path) -> None:
    prepare.clean(db_path)


@task
def merge(db_path: Path) -> None:
    prepare.merge(db_path)


@task
def check(db_path: Path, chosen: prepare.ChosenSources) -> list[tuple[str, str, int]]:
    prepare.check(db_path)
    prepare.record_source(db_path, chosen)
    return prepare.match_report(db_path)


@flow(name="prepare_data", log_prints=True)
def prepare_data(config: DataConfig = DataConfig(), force: bool = False) -> dict[str, int]:
    """Ingest, clean and merge both Goodreads datasets into the warehouse (idempotent).

    A warehouse already built from the same files by the same SQL is left as it is, unless
    force is set.

    Args:
        config: where the files come from (or the demo catalog's size) and the warehouse file.
        force: rebuild even if the inputs have not changed.

    Returns:
        The warehouse section of the match report: books, ratings, users, ...
    """
    chosen = choose_sources(config)
    logger = get_run_logger()
    if not force and prepare.is_up_to_date(config.warehouse, prepare.fingerprint(chosen.files)):
        logger.info("warehouse %s is up to date with its inputs: nothing to do", config.warehouse)
        report = prepare.match_report(config.warehouse)
        return {metric: value for section, metric, value in report if section == "warehouse"}
    load_raw(config.warehouse, chosen)
    clean(config.warehouse)
    merge(config.warehouse)
    report = check(config.warehouse, chosen)
    for section, metric, value in report:
        logger.info("%-14s %-60s %d", section, metric, value)
    return {metric: value for section, metric, value in report if section == "warehouse"}


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(prepare_data, __doc__))
