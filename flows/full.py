"""Flow `full`: the whole job, prepare_data -> embed -> lists -> train -> encode_embeddings ->
test_embeddings -> evaluate, then a summary.

python -m flows.full                      # real files under ./data when present, else the demo
python -m flows.full --demo               # the synthetic demo catalog
python -m flows.full --data-dir ../shared/data

Every stage is its own flow (a subflow here, a deployment in prefect.yaml) and skips work that
is already done: prepare_data when its inputs and SQL are unchanged, embed for books whose text
was encoded before, train when a projector with the same config and data exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger

from bookrec.config import (
    DEFAULT_ARTIFACTS,
    DEFAULT_REPORTS,
    DEFAULT_WAREHOUSE,
    DataConfig,
    EncoderConfig,
    ProjectorConfig,
)
from bookrec.warehouse.summary import summarize
from flows._cli import add_data_options, base_parser, run_cli
from flows.embed import embed
from flows.encode_embeddings import encode_embeddings
from flows.evaluate import evaluate
from flows.lists import lists
from flows.prepare_data import prepare_data
from flows.test_embeddings import test_embeddings
from flows.train import train

_DATA, _ENCODER, _PROJECTOR = DataConfig(), EncoderConfig(), ProjectorConfig()


@flow(name="full", log_prints=True)
def full(
    data_dir: str | None = None,
    demo: bool = False,
    warehouse: str = str(DEFAULT_WAREHOUSE),
    reports_dir: str = str(DEFAULT_REPORTS),
    artifacts_dir: str = str(DEFAULT_ARTIFACTS),
    demo_books: int = _DATA.demo_books,
    demo_users: int = _DATA.demo_users,
    demo_seed: int = _DATA.demo_seed,
    model: str | None = _ENCODER.model,
    max_tokens: int = _ENCODER.max_tokens,
    seed: int = _PROJECTOR.seed,
    force: bool = False,
) -> dict[str, object]:
    """Run every stage in order and print a summary of what the warehouse now holds.

    Args:
        data_dir: folder with the original Kaggle files (None: ./data, else the demo).
        demo: use the synthetic demo catalog.
        warehouse: the DuckDB file (feature store).
        reports_dir: where the Markdown/JSON/PNG reports go.
        artifacts_dir: where projector weights, configs and curves go.
        demo_books / demo_users / demo_seed: size and seed of the demo catalog.
        model: encoder folder or name (None: the packaged all-MiniLM-L6-v2).
        max_tokens: tokens kept per book text.
        seed: seed of the training split, the projector and the evaluation split.
        force: rebuild the warehouse even if its inputs are unchanged.
    """
    prepare_data(
        data_dir=data_dir,
        demo=demo,
        warehouse=warehouse,
        demo_books=demo_books,
        demo_users=demo_users,
        demo_seed=demo_seed,
        force=force,
    )
    embed(warehouse=warehouse, model=model, max_tokens=max_tokens)
    lists(warehouse=warehouse)
    train(warehouse=warehouse, artifacts_dir=artifacts_dir, seed=seed)
    encode_embeddings(warehouse=warehouse, artifacts_dir=artifacts_dir)
    test_embeddings(warehouse=warehouse, reports_dir=reports_dir)
    evaluate(warehouse=warehouse, seed=seed, reports_dir=reports_dir)
    summary = summarize(Path(warehouse), Path(reports_dir))
    get_run_logger().info("summary\n%s", summary.as_text())
    return summary.as_dict()


def build_parser() -> argparse.ArgumentParser:
    parser = add_data_options(base_parser(__doc__.splitlines()[0]))
    parser.add_argument("--reports-dir", type=Path, default=DEFAULT_REPORTS, help="report folder")
    parser.add_argument(
        "--artifacts-dir", type=Path, default=DEFAULT_ARTIFACTS, help="projector weights folder"
    )
    parser.add_argument(
        "--model", default=None, help="encoder folder or name (default: all-MiniLM-L6-v2)"
    )
    parser.add_argument(
        "--max-tokens", type=int, default=_ENCODER.max_tokens, help="tokens kept per book text"
    )
    parser.add_argument(
        "--seed", type=int, default=_PROJECTOR.seed, help="seed of training and evaluation"
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild the warehouse even if inputs are unchanged"
    )
    return parser


def main(args: argparse.Namespace) -> None:
    full(
        data_dir=str(args.data_dir) if args.data_dir else None,
        demo=args.demo,
        warehouse=str(args.warehouse),
        reports_dir=str(args.reports_dir),
        artifacts_dir=str(args.artifacts_dir),
        demo_books=args.demo_books,
        demo_users=args.demo_users,
        demo_seed=args.demo_seed,
        model=args.model,
        max_tokens=args.max_tokens,
        seed=args.seed,
        force=args.force,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
