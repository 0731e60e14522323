"""Flow `test_embeddings`: raw encoder vs trained projector on readers held out from training.

python -m flows.compare_spaces
python -m flows.compare_spaces --reports-dir reports --version p0123456789ab

Writes reports/embeddings.md, embeddings.json (one object per space) and embeddings.png.

This file was once named test_embeddings.py, a name that reads as a test's (and a function
pytest collects once a test module imports it); the names users know stay: the flow
`test_embeddings` (`prefect deployment run test_embeddings/default`) and `make test_embeddings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_REPORTS, DEFAULT_WAREHOUSE
from bookrec.warehouse.connection import connect
from flows._cli import run_flow_cli

if TYPE_CHECKING:  # imported in the tasks: torch takes seconds, --help and errors need none
    from bookrec.training.embedding_report import EmbeddingReport


@task
def measure_spaces(db_path: Path, version: str | None, seed: int | None) -> EmbeddingReport:
    """Separation and blend metrics of every stored space on the test readers."""
    with connect(db_path, read_only=True) as con:
        from bookrec.training.embedding_report import build_report

        return build_report(con, version, seed)


@task
def write_reports(report: EmbeddingReport, reports_dir: Path) -> list[Path]:
    from bookrec.training.embedding_report import write_report

    return write_report(report, reports_dir)


@flow(name="test_embeddings", log_prints=True)
def compare_spaces(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    reports_dir: str = str(DEFAULT_REPORTS),
    version: str | None = None,
    seed: int | None = None,
) -> dict[str, object]:
    """Compare the raw and trained spaces on held-out readers and write the report.

    Args:
        warehouse: the DuckDB file with the stored spaces.
        reports_dir: where embeddings.md / .json / .png go.
        version: projector version of the trained space (None: the newest stored).
        seed: split seed (None: the projector's, so the test readers are its held-out ones).
    """
    report = measure_spaces(Path(warehouse), version, seed)
    paths = write_reports(report, Path(reports_dir))
    logger = get_run_logger()
    for space in report.spaces:
        m = space.metrics["all"]
        logger.info(
            "%-7s triplet acc %.3f  AUC %.3f  cos liked-liked %.3f vs liked-disliked %.3f  "
            "blend Spearman %.4f",
            space.space,
            m["triplet_accuracy"],
            m["centroid_auc"],
            m["cos_liked_liked"],
            m["cos_liked_disliked"],
            m["blend_spearman"],
        )
    for note in report.notes:
        logger.info(note)
    logger.info("reports: %s", ", ".join(str(p) for p in paths))
    return report.as_dict()


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(compare_spaces, __doc__))
