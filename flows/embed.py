"""Flow `embed`: every book's text -> the pretrained encoder -> feat_book_embeddings.

python -m flows.embed
python -m flows.embed --model path/to/hf-model-folder --max-tokens 128
python -m flows.embed --device cuda              # on a GPU (auto: when torch sees one)
python -m flows.embed --runtime torch            # torch fp32 on the CPU (auto: ONNX int8 there)
python -m flows.embed --dask-workers 4           # a local Dask cluster of 4 processes
python -m flows.embed --dask-address tcp://scheduler:8786

Vectors are cached by content hash and model: a second run encodes nothing, a changed book
re-encodes that book, a changed model re-encodes everything. The texts to encode are cut into
chunks that are committed to the cache one by one, with the warehouse closed while encoding: a
killed run keeps its finished chunks and the re-run encodes only the rest. With a Dask option the
chunks are encoded on the cluster's workers (each loads the encoder once, a failed chunk is
retried) and this process writes what they return: the warehouse has one writer either way.
"""

from __future__ import annotations

import argparse
import dataclasses

from prefect import flow

from bookrec.config import DEFAULT_WAREHOUSE, RUNTIMES, ClusterConfig, EncoderConfig
from flows._chunks import encode_on_cluster
from flows._cli import base_parser, require_built_warehouse, run_cli
from flows._dask import add_dask_options, chunk_task_runner, threads_per_local_worker

_DEFAULTS = EncoderConfig()
_CLUSTER = ClusterConfig()


@flow(name="embed", log_prints=True)
def embed(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    model: str | None = _DEFAULTS.model,
    max_tokens: int = _DEFAULTS.max_tokens,
    batch_size: int = _DEFAULTS.batch_size,
    threads: int | None = _DEFAULTS.threads,
    device: str = _DEFAULTS.device,
    chunk_size: int = _DEFAULTS.chunk_size,
    runtime: str = _DEFAULTS.runtime,
    dask_address: str | None = _CLUSTER.dask_address,
    dask_workers: int | None = _CLUSTER.dask_workers,
) -> dict[str, object]:
    """Embed every book with the pretrained encoder, re-encoding only what changed.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        model: a Hugging Face model folder or name; None is the packaged all-MiniLM-L6-v2.
        max_tokens: texts are cut to this many tokens.
        batch_size: books per forward pass (speed only).
        threads: torch threads (speed only); None uses every core (shared out between local
            Dask workers).
        device: "auto" (a GPU when torch sees one), "cpu" or "cuda".
        chunk_size: texts per committed chunk (and per Dask task).
        runtime: "auto" (torch on a GPU, ONNX Runtime int8 on the CPU), "torch", "onnx" or
            "onnx-int8"; each runtime's vectors are cached apart.
        dask_address: an existing Dask scheduler, e.g. tcp://host:8786.
        dask_workers: start a local Dask cluster of this many worker processes.
    """
    cluster = ClusterConfig(dask_address=dask_address, dask_workers=dask_workers)
    config = EncoderConfig(
        model=model,
        max_tokens=max_tokens,
        batch_size=batch_size,
        threads=threads,
        device=device,
        chunk_size=chunk_size,
        runtime=runtime,
    )
    if cluster.uses_dask and threads is None:
        config = dataclasses.replace(config, threads=threads_per_local_worker(dask_workers))
    runner = chunk_task_runner(cluster)
    counts = encode_on_cluster.with_options(task_runner=runner)(warehouse, config)
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
        "--threads", type=int, default=_DEFAULTS.threads, help="encoder threads (speed only)"
    )
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default=_DEFAULTS.device,
        help="where the encoder runs; auto uses a GPU when torch sees one",
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=_DEFAULTS.chunk_size,
        help="texts per chunk: each is committed when encoded (a killed run resumes from there)",
    )
    parser.add_argument(
        "--runtime",
        choices=list(RUNTIMES),
        default=_DEFAULTS.runtime,
        help="auto: torch on a GPU, ONNX Runtime int8 on the CPU; or torch, onnx (fp32), onnx-int8",
    )
    return add_dask_options(parser)


def main(args: argparse.Namespace) -> None:
    require_built_warehouse(args.warehouse)
    ClusterConfig(dask_address=args.dask_address, dask_workers=args.dask_workers)  # one line
    embed(
        warehouse=str(args.warehouse),
        model=args.model,
        max_tokens=args.max_tokens,
        batch_size=args.batch_size,
        threads=args.threads,
        device=args.device,
        chunk_size=args.chunk_size,
        runtime=args.runtime,
        dask_address=args.dask_address,
        dask_workers=args.dask_workers,
    )


if __name__ == "__main__":
    raise SystemExit(run_cli(main, build_parser()))
