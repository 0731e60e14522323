"""Flow `embed`: every book's text -> the pretrained encoder -> feat_book_embeddings.

python -m flows.embed
python -m flows.embed --model path/to/hf-model-folder --max-tokens 128

Vectors are cached by content hash and model: a second run encodes nothing, a changed book
re-encodes that book, a changed model re-encodes everything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task

from bookrec.config import DEFAULT_WAREHOUSE, EncoderConfig
from bookrec.embedding.store import EmbedCounts, embed_books
from flows._cli import base_parser, require_built_warehouse, run_cli

_DEFAULTS = EncoderConfig()


@task
def encode_books(db_path: Path, config: EncoderConfig) -> EmbedCounts:
    counts = embed_books(db_path, config)
    get_run_logger().info(
        "%d books: %d encoded, %d from the cache (%s)",
        counts.books,
        counts.encoded,
        counts.reused,
        counts.model,
    )
    return counts


@flow(name="embed", log_prints=True)
def embed(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    model: str | None = _DEFAULTS.model,
    max_tokens: int = _DEFAULTS.max_tokens,
    batch_size: int = _DEFAULTS.batch_size,
    threads: int | None = _DEFAULTS.threads,
) -> dict[str, object]:
    """Embed every book with the pretrained encoder, re-encoding only what changed.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        model: a Hugging Face model folder or name; None is the packaged all-MiniLM-L6-v2.
        max_tokens: texts are cut to this many tokens.
        batch_size: books per forward pass (speed only).
        threads: torch threads (speed only); None uses every core.
    """
    config = EncoderConfig(
        model=model, max_tokens=max_tokens, batch_size=batch_size, threads=threads
    )
    counts = encode_books(Path(warehouse), config)
    return {"books": counts.books, "encoded": counts.encoded, "model": counts.model}


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default=_DEFAULTS.model,
        help="Hugging Face model folder or name (default: all-MiniLM-L6-v2)",
    )
    parser.add_argument(
        "--max-tokens", type=int, default=_DEFAULTS.max_tokens, help="tokens kept per book text"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=_DEFAULTS.batch_size,
        help="books per batch (speed only)",
    )
    parser.add_argument(
        "--threads", type=int, default=_DEFAULTS.threads, help="torch threads (speed only)"
    )
    return parser


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    embed(
        warehouse=str(args.warehouse),
        model=args.model,
        max_tokens=args.max_tokens,
        batch_size=args.batch_size,
        threads=args.threads,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
