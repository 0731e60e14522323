"""CPU vs GPU encoder check: the same book texts encoded on each device; vectors must agree.

For each device (cpu always, cuda when torch sees a GPU) it prints and writes books/s and, for
cuda, the per-book cosine to the CPU vector: min, mean, and whether min >= 1 - 1e-4 (the target
of issue 14: CPU and GPU vectors share one embedding cache, so they must be interchangeable).

    python bench/device_check.py --out reports/device_check.json
    python bench/device_check.py --texts texts.json --model path/to/model --out /tmp/check.json
    python bench/device_check.py --warehouse W.duckdb --bundle gpu_bundle --out unused.json
        # texts + a float16-stored model copy (45 MiB), to carry to a GPU machine

Texts (first found): --texts (a JSON list of strings), --warehouse (feat_book_texts, needs
duckdb), else 500 synthetic book texts made here from a fixed seed. It needs only numpy, torch,
transformers and bookrec's encoder (no DuckDB, no Prefect), so it runs on a bare GPU machine;
a run takes well under 2 minutes (the CPU pass dominates: 500 texts at ~50-150 books/s).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bookrec.config import EncoderConfig  # noqa: E402
from bookrec.embedding.encoder import Encoder  # noqa: E402

TARGET_MIN_COSINE = 1 - 1e-4
_WORDS = [
    "dragon",
    "kingdom",
    "detective",
    "murder",
    "love",
    "letter",
    "war",
    "island",
    "ship",
    "winter",
    "queen",
    "garden",
    "secret",
    "family",
    "river",
    "city",
    "night",
    "storm",
    "empire",
    "witness",
    "journey",
    "forest",
    "castle",
    "ghost",
    "machine",
    "star",
    "memory",
    "summer",
    "village",
    "doctor",
    "soldier",
    "prince",
    "thief",
    "library",
    "ocean",
    "mountain",
    "train",
    "school",
]


def synthetic_texts(n: int, seed: int = 14) -> list[str]:
    """Book-like texts of varied length (titles only up to long descriptions), fixed by seed."""
    rng = np.random.default_rng(seed)
    texts = []
    for i in range(n):
        title = " ".join(rng.choice(_WORDS, size=rng.integers(1, 5))).title()
        sentences = [
            " ".join(rng.choice(_WORDS, size=rng.integers(5, 16))).capitalize() + "."
            for _ in range(int(rng.choice([0, 1, 3, 8, 20])))
        ]
        texts.append(f"{title} by Author {i}. Genres: Fiction. " + " ".join(sentences))
    return texts


def load_texts(args: argparse.Namespace) -> tuple[list[str], str]:
    if args.texts:
        texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
        return texts[: args.books], f"file {args.texts}"
    if args.warehouse:
        import duckdb

        with duckdb.connect(str(args.warehouse), read_only=True) as con:
            rows = con.execute(
                "select text from feat_book_texts order by hash(book_id), book_id limit ?",
                [args.books],
            ).fetchall()
        return [r[0] for r in rows], f"warehouse {args.warehouse}"
    return synthetic_texts(args.books), "synthetic (fixed seed)"


def encode_on(device: str, texts: list[str], model: str | None) -> tuple[np.ndarray, float]:
    """Vectors and books/s of one device (after a warm-up batch)."""
    import torch

    # torch on both devices: the check is about CPU and GPU agreeing, not int8 vs fp32.
    encoder = Encoder.load(EncoderConfig(model=model, device=device, runtime="torch"))
    encoder.encode(texts[:32])
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    vectors = encoder.encode(texts)
    if device == "cuda":
        torch.cuda.synchronize()
    return vectors, len(texts) / (time.perf_counter() - start)


def write_bundle(folder: Path, texts: list[str], model: str | None) -> None:
    """texts.json and a copy of the model with its weights stored in float16 (loaded back as
    float32): what a GPU machine without this venv needs, under a 64 MiB transfer limit (the
    float32 weights alone are 87 MiB). Both devices then load the same weights, so the check
    still compares the devices' arithmetic."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from bookrec.config import default_model

    source = model or default_model()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    weights = AutoModel.from_pretrained(source, local_files_only=True, dtype=torch.float32)
    weights.half().save_pretrained(folder / "model")
    config_path = folder / "model" / "config.json"
    config = json.loads(config_path.read_text())
    config["dtype"] = "float32"  # load the float16 storage back into float32 modules
    config.pop("torch_dtype", None)
    config_path.write_text(json.dumps(config, indent=2))
    AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(folder / "model")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON result file to write")
    parser.add_argument("--books", type=int, default=500, help="texts to encode")
    parser.add_argument("--texts", type=Path, help="a JSON list of book texts")
    parser.add_argument("--warehouse", type=Path, help="take texts from feat_book_texts")
    parser.add_argument("--model", help="model folder (default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument(
        "--bundle",
        type=Path,
        help="only write texts.json and a float16-stored model copy here (for a GPU machine "
        "reached through a size-limited transfer), then exit",
    )
    args = parser.parse_args(argv)

    import torch

    texts, source = load_texts(args)
    if args.bundle:
        write_bundle(args.bundle, texts, args.model)
        print(f"wrote {args.bundle}/texts.json and {args.bundle}/model")
        return 0
    result: dict[str, object] = {
        "texts": len(texts),
        "source": source,
        "torch": torch.__version__,
        "host": platform.node(),
        "target_min_cosine": TARGET_MIN_COSINE,
    }
    cpu_vectors, result["cpu_books_per_s"] = encode_on("cpu", texts, args.model)
    if torch.cuda.is_available():
        result["gpu"] = torch.cuda.get_device_name(0)
        gpu_vectors, result["cuda_books_per_s"] = encode_on("cuda", texts, args.model)
        cosine = (cpu_vectors.astype(np.float64) * gpu_vectors).sum(axis=1)
        result["min_cosine"] = float(cosine.min())
        result["mean_cosine"] = float(cosine.mean())
        result["meets_target"] = bool(cosine.min() >= TARGET_MIN_COSINE)
    else:
        result["gpu"] = None
        result["note"] = "torch sees no GPU here: only the CPU pass ran"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0 if result.get("meets_target", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
