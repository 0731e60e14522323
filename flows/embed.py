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

import dataclasses

from prefect import flow

from bookrec.config import DEFAULT_WAREHOUSE, ClusterConfig, EncoderConfig
from flows._chunks import encode_on_cluster
from flows._cli import run_flow_cli
from flows._dask import chunk_task_runner, threads_per_local_worker


@flow(name="embed", log_prints=True)
def embed(
    warehouse: str = str(DEFAULT_WAREHOUSE),
    config: EncoderConfig = EncoderConfig(),
    cluster: ClusterConfig = ClusterConfig(),
) -> dict[str, object]:
    """Embed every book with the pretrained encoder, re-encoding only what changed.

    Args:
        warehouse: the DuckDB file built by prepare_data.
        config: the encoder: model, tokens kept, runtime, device, batch and chunk sizes.
        cluster: where the chunks run: this process, a local Dask cluster or an existing one.
    """
    if cluster.uses_dask and config.threads is None:
        threads = threads_per_local_worker(cluster.dask_workers)
        config = dataclasses.replace(config, threads=threads)
    with chunk_task_runner(cluster) as runner:
        counts, workers = encode_on_cluster(runner, warehouse, config)
    return {
        "books": counts.books,
        "encoded": counts.encoded,
        "model": counts.model,
        # other processes that encoded chunks (Dask's workers; 0: all here, or none to encode)
        "worker_processes": workers,
    }


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(embed, __doc__))
