"""The pretrained text encoder: book text -> one L2-normalized vector (mean pooling).

Speed on a CPU comes from not computing on padding: texts are tokenized once, sorted by
token count and batched with their neighbours in length, so a batch of titles is never
padded to the length of a description. The vectors equal a one-text-at-a-time encoding up to
float tolerance (tests/test_embed.py checks it).

The transformer runs on one of three runtimes (EncoderConfig.runtime): torch (fp32, CPU or GPU,
the reference), or the same model exported to ONNX and run by ONNX Runtime on the CPU in fp32
or with int8 MatMul weights (bookrec/embedding/onnx_model.py). The batching above is the same
for all three; each runtime's vectors are cached under their own model id.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bookrec.config import EncoderConfig, default_model
from bookrec.errors import ConfigError, DataError

log = logging.getLogger(__name__)

# The name recorded for the packaged model, instead of its folder inside site-packages.
DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2"
# What runtime "auto" means on a CPU: the fastest variant whose vectors pass the quality bar
# (>= 0.99 mean and >= 0.97 least cosine to torch fp32 on 2,000 real texts, bench/speed.py).
DEFAULT_CPU_RUNTIME = "onnx-int8"


def _model_label(model: str) -> str:
    try:
        if model == default_model():
            return DEFAULT_MODEL_LABEL
    except ConfigError:
        pass  # the packaged model is not installed (a bare GPU machine): not the default, then
    return Path(model).name if Path(model).exists() else model


def _model_digest(model: str) -> str:
    """A short digest of the model's config and weights size: the same name with other weights
    must not reuse cached vectors."""
    folder = Path(model)
    digest = hashlib.sha1()
    for name in ("config.json", "tokenizer.json", "vocab.txt"):
        if (folder / name).is_file():
            digest.update((folder / name).read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:8]


def _looks_like_path(model_path: str) -> bool:
    return "/" in model_path or model_path.startswith(".")


def model_id_of(config: EncoderConfig) -> str:
    """The cache key of a config's vectors ("label@digest/maxN", then "/onnx" or "/onnx-int8"
    for an ONNX runtime), without loading the model: the flow plans what to encode before any
    worker has loaded it. The device is not part of it: CPU and GPU vectors agree to 1e-4
    cosine (bench/device_check.py), so they share a cache; the runtime is, so int8 vectors
    never stand in for fp32 ones or the reverse.
    """
    model_path = config.resolved_model()
    digest = _model_digest(model_path) if _looks_like_path(model_path) else "hub"
    base = f"{_model_label(model_path)}@{digest}/max{config.max_tokens}"
    runtime = resolve_runtime(config)
    return base if runtime == "torch" else f"{base}/{runtime}"


def resolve_runtime(config: EncoderConfig) -> str:
    """ "auto" -> "torch" where the encoder runs on a GPU or the model is a hub name (ONNX export
    needs the files at hand), else DEFAULT_CPU_RUNTIME; other runtimes as given.

    Raises:
        ConfigError: cuda asked for on a machine where torch sees no GPU.
    """
    if config.runtime != "auto":
        return config.runtime
    if resolve_device(config.device) == "cuda" or not _looks_like_path(config.resolved_model()):
        return "torch"
    return DEFAULT_CPU_RUNTIME


def resolved(config: EncoderConfig) -> EncoderConfig:
    """The config with its runtime fixed here, for work sent to other machines: a Dask worker
    with a GPU must not resolve "auto" to another runtime than the plan's model id says."""
    return dataclasses.replace(config, runtime=resolve_runtime(config))


def resolve_device(device: str) -> str:
    """ "auto" -> "cuda" when torch sees a GPU, else "cpu"; "cuda" without one is an error.

    Raises:
        ConfigError: cuda asked for on a machine where torch sees no GPU.
    """
    import torch

    has_gpu = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if has_gpu else "cpu"
    if device == "cuda" and not has_gpu:
        raise ConfigError(
            "--device cuda, but torch sees no GPU here (CPU-only torch or no driver); "
            "use --device auto or cpu"
        )
    return device


@dataclass
class Encoder:
    """A loaded tokenizer + transformer; build it with `Encoder.load(config)`.

    model: the torch module (runtime "torch") or an OnnxHidden session; both map a padded
      batch to its last hidden state.
    """

    config: EncoderConfig
    tokenizer: object
    model: object
    model_id: str
    dim: int
    device: str = "cpu"
    runtime: str = "torch"

    @classmethod
    def load(cls, config: EncoderConfig | None = None) -> Encoder:
        """Load the encoder offline from a local folder (or the Hugging Face cache for a name).

        Raises:
            ConfigError: the folder is missing or does not hold a transformer model.
        """
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars say nothing to a reader

        config = config or EncoderConfig()
        model_path = config.resolved_model()
        looks_like_path = _looks_like_path(model_path)
        if looks_like_path and not Path(model_path).is_dir():
            raise ConfigError(f"model folder {model_path} does not exist")
        if looks_like_path and not (Path(model_path) / "config.json").is_file():
            raise ConfigError(
                f"{model_path} is not a Hugging Face model folder (no config.json); "
                "pass a folder with config.json, tokenizer and weights"
            )
        device = resolve_device(config.device)
        runtime = resolve_runtime(config)
        if config.threads:
            torch.set_num_threads(config.threads)
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
            if runtime == "torch":
                model = AutoModel.from_pretrained(model_path, local_files_only=True)
                dim = int(model.config.hidden_size)
            else:
                model, dim = _load_onnx(config, model_path, runtime)
                device = "cpu"
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load encoder {model_path!r}: {exc}") from exc
        if runtime == "torch":
            model.eval()
            model.to(device)
        model_id = model_id_of(config)
        return cls(config, tokenizer, model, model_id, dim, device, runtime)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Encode texts to (len(texts), dim) float32 rows of norm 1, in the input order.

        Raises:
            DataError: a text is empty (it would become a meaningless vector).
        """
        import torch
        from tqdm import tqdm

        empty = [i for i, text in enumerate(texts) if not text or not text.strip()]
        if empty:
            raise DataError(
                f"{len(empty)} empty texts (first at position {empty[0]}); nothing to embed"
            )
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = self.tokenizer(
            list(texts), truncation=True, max_length=self.config.max_tokens, padding=False
        )["input_ids"]
        order = np.argsort([len(ids) for ids in tokens], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        started = time.perf_counter()
        bar = tqdm(total=len(texts), unit="book", desc="encoding", disable=not progress)
        with torch.inference_mode(), bar:
            for start in range(0, len(order), self.config.batch_size):
                rows = order[start : start + self.config.batch_size]
                out[rows] = self._encode_batch([tokens[i] for i in rows])
                bar.update(len(rows))
        seconds = time.perf_counter() - started
        log.info(
            "encoded %d texts in %.1f s (%.0f books/s)", len(texts), seconds, len(texts) / seconds
        )
        _check_vectors(out)
        return out

    def _encode_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        """One padded batch of similar lengths -> its pooled, normalized float32 vectors."""
        if self.runtime == "torch":
            batch = self.tokenizer.pad({"input_ids": token_ids}, return_tensors="pt")
            batch = batch.to(self.device)
            hidden = self.model(**batch).last_hidden_state
            return _mean_pool(hidden, batch["attention_mask"]).float().cpu().numpy()
        batch = self.tokenizer.pad({"input_ids": token_ids}, return_tensors="np")
        mask = batch["attention_mask"]
        return _mean_pool_numpy(self.model(batch["input_ids"], mask), mask)


def _load_onnx(config: EncoderConfig, model_path: str, runtime: str) -> tuple[object, int]:
    """The cached ONNX export of the model (exported on first use) in an ONNX Runtime session."""
    from transformers import AutoConfig

    from bookrec.embedding.onnx_model import ExportSettings, OnnxHidden, exported_model

    if not _looks_like_path(model_path):
        raise ConfigError(
            f"runtime {runtime} needs a local model folder; got {model_path!r} "
            "(use --runtime torch)"
        )
    settings = ExportSettings(precision="int8" if runtime == "onnx-int8" else "fp32")
    label = _model_label(model_path)
    path = exported_model(Path(model_path), label, settings, config.cache_dir)
    hidden_size = int(AutoConfig.from_pretrained(model_path, local_files_only=True).hidden_size)
    return OnnxHidden(path, config.threads), hidden_size


def _mean_pool_numpy(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """_mean_pool for numpy arrays (the ONNX runtimes), in float32."""
    mask = attention_mask[:, :, None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)


def _mean_pool(hidden, attention_mask):
    """Mean of the token vectors that are not padding, L2-normalized (sentence-transformers)."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * mask).sum(dim=1)
    pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


def _check_vectors(vectors: np.ndarray) -> None:
    """Never store a NaN or a zero vector: both would silently poison every similarity."""
    if not np.isfinite(vectors).all():
        raise DataError("the encoder produced NaN or infinite values")
    norms = np.linalg.norm(vectors, axis=1)
    if len(norms) and not np.allclose(norms, 1.0, atol=1e-3):
        raise DataError(
            f"encoder vectors are not unit length (norms {norms.min():.3f}..{norms.max():.3f})"
        )


@functools.lru_cache(maxsize=2)
def cached_encoder(config: EncoderConfig) -> Encoder:
    """One loaded encoder per config and process: a Dask worker loads the model for its first
    chunk and reuses it for every later one (loading costs seconds, a chunk fractions of that).
    """
    return Encoder.load(config)
