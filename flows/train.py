"""Flow `train`: the triplet-trained projector, selected on the validation blend's Spearman.

python -m flows.train
python -m flows.train --hidden-sizes 256 --embedding-size 64 --epochs 20 --negatives hard

Saves weights, config and training curve under <artifacts-dir>/projector/<version>/ and a row
in the warehouse table projector_runs. A run with the same config on the same data is reused
(--force trains again). The projector becomes the default space only where it beats the raw
encoder space on the validation readers' blend Spearman.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_ARTIFACTS, DEFAULT_WAREHOUSE, ProjectorConfig
from bookrec.embedding.training import TrainOutcome, train_projector
from bookrec.warehouse.connection import connect
from flows._cli import base_parser, require_built_warehouse, run_cli

_DEFAULTS = ProjectorConfig()


@task
def train_and_record(
    db_path: Path, config: ProjectorConfig, artifacts_dir: Path, force: bool
) -> TrainOutcome:
    """Train (or reuse) the projector, save its artifacts and record it in projector_runs."""
    with connect(db_path) as con:
        return train_projector(con, config, artifacts_dir, force)


@flow(name="train", log_prints=True)
def train(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    artifacts_dir: str = str(DEFAULT_ARTIFACTS),
    hidden_sizes: tuple[int, ...] = _DEFAULTS.hidden_sizes,
    embedding_size: int | None = _DEFAULTS.embedding_size,
    residual: bool = _DEFAULTS.residual,
    margin: float = _DEFAULTS.margin,
    raw_weight: float = _DEFAULTS.raw_weight,
    cross_user_share: float = _DEFAULTS.cross_user_share,
    negatives: str = _DEFAULTS.negatives,
    epochs: int = _DEFAULTS.epochs,
    patience: int = _DEFAULTS.patience,
    learning_rate: float = _DEFAULTS.learning_rate,
    batch_size: int = _DEFAULTS.batch_size,
    seed: int = _DEFAULTS.seed,
    threads: int = _DEFAULTS.threads,
    force: bool = False,
) -> dict[str, object]:
    """Train the projector on triplets from the ratings and keep its best validation epoch.

    Args:
        warehouse: the DuckDB file with books, ratings and feat_book_embeddings.
        artifacts_dir: root of projector/<version>/ (weights.pt, config.json, curve.csv).
        hidden_sizes: hidden residual layer sizes (e.g. [256]); empty for none.
        embedding_size: output size (None: the encoder's size).
        residual: identity/PCA-initialised residual layers (False: a plain MLP).
        margin: triplet margin on cosine distance.
        raw_weight: weight of the penalty toward the raw cosine similarities.
        cross_user_share: share of "liked together by several readers" triplets.
        negatives: "rated" (a random disliked book) or "hard" (the closest of several).
        epochs / patience: most epochs / epochs without progress before stopping.
        learning_rate: Adam's step size.
        batch_size: triplets per step.
        seed: seed of the user split, triplets and initial weights.
        threads: torch threads (speed only).
        force: train again even when this version was saved before.
    """
    config = ProjectorConfig(
        hidden_sizes=tuple(hidden_sizes),
        embedding_size=embedding_size,
        residual=residual,
        margin=margin,
        raw_weight=raw_weight,
        cross_user_share=cross_user_share,
        negatives=negatives,
        epochs=epochs,
        patience=patience,
        learning_rate=learning_rate,
        batch_size=batch_size,
        seed=seed,
        threads=threads,
    )
    outcome = train_and_record(Path(warehouse), config, Path(artifacts_dir), force)
    run = outcome.run
    get_run_logger().info(
        "projector %s%s: val blend Spearman %.4f (raw %.4f) at epoch %d, triplet accuracy "
        "%.3f (raw %.3f); default space: %s; artifacts in %s",
        run.version,
        " (reused)" if outcome.reused else "",
        run.val_spearman,
        run.raw_val_spearman,
        run.best_epoch,
        run.val_triplet_accuracy,
        run.raw_val_triplet_accuracy,
        "trained" if run.selected_as_default else "raw",
        outcome.folder,
    )
    return {**run.to_dict(), "folder": str(outcome.folder), "reused": outcome.reused}


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--artifacts-dir", type=Path, default=DEFAULT_ARTIFACTS, help="projector weights folder"
    )
    parser.add_argument(
        "--hidden-sizes",
        type=int,
        nargs="*",
        default=list(_DEFAULTS.hidden_sizes),
        help="hidden residual layer sizes, e.g. 256 (none: a single layer)",
    )
    parser.add_argument(
        "--embedding-size",
        type=int,
        default=_DEFAULTS.embedding_size,
        help="output size (default: the encoder's)",
    )
    parser.add_argument(
        "--plain-mlp",
        action="store_true",
        default=not _DEFAULTS.residual,
        help="no identity-initialised residual layers",
    )
    parser.add_argument(
        "--margin", type=float, default=_DEFAULTS.margin, help="triplet margin (cosine)"
    )
    parser.add_argument(
        "--raw-weight",
        type=float,
        default=_DEFAULTS.raw_weight,
        help="penalty toward raw cosine similarities",
    )
    parser.add_argument(
        "--cross-user-share",
        type=float,
        default=_DEFAULTS.cross_user_share,
        help="share of triplets from books liked together by several readers",
    )
    parser.add_argument(
        "--negatives",
        choices=["rated", "hard"],
        default=_DEFAULTS.negatives,
        help="random disliked book, or the closest of several in the current space",
    )
    parser.add_argument("--epochs", type=int, default=_DEFAULTS.epochs, help="most training epochs")
    parser.add_argument(
        "--patience", type=int, default=_DEFAULTS.patience, help="epochs without progress"
    )
    parser.add_argument(
        "--learning-rate", type=float, default=_DEFAULTS.learning_rate, help="Adam step size"
    )
    parser.add_argument(
        "--batch-size", type=int, default=_DEFAULTS.batch_size, help="triplets per step"
    )
    parser.add_argument(
        "--seed", type=int, default=_DEFAULTS.seed, help="seed of split, triplets, weights"
    )
    parser.add_argument(
        "--threads", type=int, default=_DEFAULTS.threads, help="torch threads (speed only)"
    )
    parser.add_argument("--force", action="store_true", help="train again even if saved")
    return parser


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    settings = {
        "hidden_sizes": tuple(args.hidden_sizes),
        "embedding_size": args.embedding_size,
        "residual": not args.plain_mlp,
        "margin": args.margin,
        "raw_weight": args.raw_weight,
        "cross_user_share": args.cross_user_share,
        "negatives": args.negatives,
        "epochs": args.epochs,
        "patience": args.patience,
        "learning_rate": args.learning_rate,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "threads": args.threads,
    }
    # Settings are checked before Prefect starts, so a mistake prints one line.
    ProjectorConfig(**settings)
    train(
        warehouse=str(args.warehouse),
        artifacts_dir=str(args.artifacts_dir),
        force=args.force,
        **settings,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
