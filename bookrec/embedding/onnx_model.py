"""The encoder as an ONNX graph run by ONNX Runtime: exported once, cached by content.

The export (torch.onnx), ONNX Runtime's transformer fusions (attention, LayerNorm, GELU) and,
for int8, dynamic quantisation of the MatMul weights (int8, one scale per output channel;
embeddings, LayerNorm and attention kept in fp32) are done once per model and settings. The
result is kept under `<cache>/onnx/<label>-<precision>-<key>/model.onnx`, where the key hashes
the source model's files, the export settings and the exporting tools' versions: other weights or
another recipe get another folder, never a stale graph.

Two processes may export at once (two Dask workers on a fresh machine): each writes into its own
temporary folder beside the final one and renames it into place; a rename onto a folder another
process finished first fails, and the loser keeps the winner's files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bookrec.errors import ConfigError

log = logging.getLogger(__name__)

Precision = Literal["fp32", "int8"]

# Bump when the recipe below changes: every cached export then stops matching and is redone.
RECIPE_VERSION = 1
CACHE_ENV = "BOOKREC_CACHE_DIR"
MODEL_FILE = "model.onnx"
# A temporary export folder older than this belongs to a killed process (an export takes ~1 min).
STALE_EXPORT_S = 3600
# The files of a Hugging Face folder that decide what the graph computes.
_SOURCE_PATTERNS = ("config.json", "*.safetensors", "*.bin")


@dataclass(frozen=True)
class ExportSettings:
    """How the graph is made; every field is part of the cache key.

    precision: "int8" quantises the MatMul weights per output channel (activations quantised
      per batch at run time); "fp32" keeps every weight.
    opset: the ONNX operator set of the export.
    fuse: apply ONNX Runtime's BERT fusions (one Attention, SkipLayerNorm and Gelu op each
      instead of dozens of small ones) before saving.
    """

    precision: Precision = "fp32"
    opset: int = 17
    fuse: bool = True


def default_cache_dir() -> Path:
    """$BOOKREC_CACHE_DIR, else ~/.cache/bookrec (XDG_CACHE_HOME when set)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bookrec"


def export_key(model_path: Path, settings: ExportSettings) -> str:
    """sha256 of the source files' bytes, the settings and the tools' versions (hex, 16 chars)."""
    import onnxruntime
    import torch

    digest = hashlib.sha256()
    sources = sorted({p for pattern in _SOURCE_PATTERNS for p in model_path.glob(pattern)})
    for source in sources:
        digest.update(source.name.encode())
        with source.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    recipe = {
        **asdict(settings),
        "recipe": RECIPE_VERSION,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def exported_model(
    model_path: Path, label: str, settings: ExportSettings, cache_dir: Path | None = None
) -> Path:
    """The cached graph for this model and settings, exporting it first when it is missing.

    Raises:
        ConfigError: the cache folder cannot be written, or the model cannot be exported.
    """
    root = (cache_dir or default_cache_dir()) / "onnx"
    safe_label = "".join(c if c.isalnum() or c in "-._" else "_" for c in label)
    final = root / f"{safe_label}-{settings.precision}-{export_key(model_path, settings)}"
    if (final / MODEL_FILE).is_file():
        return final / MODEL_FILE
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale_exports(root, final.name)
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    except OSError as exc:
        raise ConfigError(f"cannot write the ONNX cache under {root}: {exc}") from exc
    try:
        log.info("exporting %s to ONNX (%s) under %s", label, settings.precision, final)
        _export(model_path, work, settings)
        (work / "settings.json").write_text(
            json.dumps({**asdict(settings), "source": str(model_path), "label": label}, indent=1)
        )
        try:
            os.rename(work, final)
        except OSError:
            # Another process renamed its export into place first: keep that one.
            if not (final / MODEL_FILE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final / MODEL_FILE


def _export(model_path: Path, out: Path, settings: ExportSettings) -> None:
    """torch.onnx export -> fusions -> (int8) quantisation, every step written into `out`."""
    import torch
    from transformers import AutoModel

    # Eager attention exports as the plain MatMul-Softmax-MatMul pattern that ONNX Runtime's
    # fuser turns into one Attention op; the SDPA path exports a graph it does not recognise.
    model = AutoModel.from_pretrained(
        model_path, local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class _Hidden(torch.nn.Module):
        """Only the last hidden state: pooling stays in numpy, where padding is known."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask)[0]

    raw = out / "raw.onnx"
    example = (torch.ones(2, 8, dtype=torch.int64), torch.ones(2, 8, dtype=torch.int64))
    dynamic = {0: "batch", 1: "tokens"}
    # The tracer warns about shape checks it freezes (masks, SDPA switches); with eager attention
    # and dynamic batch and token axes they do not apply, and the vectors are checked in tests.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model),
            example,
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic},
            opset_version=settings.opset,
            dynamo=False,
        )
    current = raw
    if settings.fuse:
        from onnxruntime.transformers.optimizer import optimize_model

        fused = optimize_model(
            str(raw),
            model_type="bert",
            num_heads=int(model.config.num_attention_heads),
            hidden_size=int(model.config.hidden_size),
        )
        current = out / "fused.onnx"
        fused.save_model_to_file(str(current))
    if settings.precision == "int8":
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantised = out / "int8.onnx"
        # The quantiser advises pre-processing on the root logger; the graph is already fused.
        advice = _DropAdvice()
        logging.getLogger().addFilter(advice)
        try:
            quantize_dynamic(
                str(current),
                str(quantised),
                op_types_to_quantize=["MatMul"],
                per_channel=True,
                weight_type=QuantType.QInt8,
                # Only weight MatMuls (attention's Q.K and P.V stay fp32); fused ops such as
                # SkipLayerNormalization defeat shape inference, so name the float type outright.
                extra_options={
                    "MatMulConstBOnly": True,
                    "DefaultTensorType": onnx.TensorProto.FLOAT,
                },
            )
        finally:
            logging.getLogger().removeFilter(advice)
        current = quantised
    os.replace(current, out / MODEL_FILE)
    for step in out.glob("*.onnx"):
        if step.name != MODEL_FILE:
            step.unlink()


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def _remove_stale_exports(root: Path, name: str) -> None:
    """Temporary folders of exports killed before their rename (a finished one is renamed)."""
    for folder in root.glob(f".{name}.*"):
        try:
            if time.time() - folder.stat().st_mtime > STALE_EXPORT_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another process removed it first


def _omp_threads() -> int | None:
    """OMP_NUM_THREADS when set to a whole number: torch reads it, ONNX Runtime does not (its
    pool has one thread per core), so one setting limits both (the tests' workers set 1)."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


class OnnxHidden:
    """An ONNX Runtime session: (input_ids, attention_mask) int64 -> last hidden state."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        threads = threads or _omp_threads()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # warnings about unused initializers say nothing here
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {
            "input_ids": input_ids.astype(np.int64, copy=False),
            "attention_mask": attention_mask.astype(np.int64, copy=False),
        }
        return self.session.run(None, feeds)[0]
