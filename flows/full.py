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

import ctypes
import ctypes.util
import dataclasses
import gc
from pathlib import Path

from prefect import flow, get_run_logger

from bookrec.config import (
    DEFAULT_ARTIFACTS,
    DEFAULT_REPORTS,
    DataConfig,
    EncoderConfig,
    EvalConfig,
    ProjectorConfig,
)
from bookrec.embedding.encoder import cached_encoder
from bookrec.warehouse.summary import summarize
from flows._cli import run_flow_cli
from flows.compare_spaces import compare_spaces
from flows.embed import embed
from flows.encode_embeddings import encode_embeddings
from flows.evaluate import evaluate
from flows.lists import lists
from flows.prepare_data import prepare_data
from flows.train import train


@flow(name="full", log_prints=True)
def full(
    data: DataConfig = DataConfig(),
    reports_dir: str = str(DEFAULT_REPORTS),
    artifacts_dir: str = str(DEFAULT_ARTIFACTS),
    encoder: EncoderConfig = EncoderConfig(),
    seed: int = ProjectorConfig().seed,
    force: bool = False,
) -> dict[str, object]:
    """Run every stage in order and print a summary of what the warehouse now holds.

    Args:
        data: where the files come from (or the demo catalog's size) and the warehouse file.
        reports_dir: where the Markdown/JSON/PNG reports go.
        artifacts_dir: where projector weights, configs and curves go.
        encoder: the pretrained text encoder of stage embed.
        seed: seed of the training split, the projector and the evaluation split.
        force: rebuild the warehouse even if its inputs are unchanged.
    """
    warehouse = str(data.warehouse)
    prepare_data(config=data, force=force)
    embed(warehouse=warehouse, config=encoder)
    release_memory()
    lists(warehouse=warehouse)
    release_memory()
    projector = dataclasses.replace(ProjectorConfig(), seed=seed)
    train(warehouse=warehouse, artifacts_dir=artifacts_dir, config=projector)
    encode_embeddings(warehouse=warehouse, artifacts_dir=artifacts_dir)
    compare_spaces(warehouse=warehouse, reports_dir=reports_dir)
    release_memory()
    evaluate(warehouse=warehouse, seed=seed, config=EvalConfig(reports_dir=reports_dir))
    summary = summarize(data.warehouse, Path(reports_dir))
    get_run_logger().info("summary\n%s", summary.as_text())
    return summary.as_dict()


def release_memory() -> None:
    """Give back what a finished stage left loaded before the next one starts. The stages run
    in this one process: the encoder that embed loaded (ONNX Runtime's arena grows to the
    largest batch) and the heap pages Python has freed would otherwise stay through lists and
    evaluate, the stages that need the most. On the shared data the job's peak fell from
    4.0 to 3.3 GiB (docs/speed.md)."""
    cached_encoder.cache_clear()
    gc.collect()
    # glibc keeps freed heap pages for reuse; malloc_trim hands them back (absent elsewhere)
    libc = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if trim is not None:
        trim(0)


if __name__ == "__main__":
    raise SystemExit(run_flow_cli(full, __doc__))
