"""Every tunable setting of bookrec, one frozen dataclass per piece, checked when built.

Field names are shared with flow parameters, prefect.yaml and the result tables.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bookrec.errors import ConfigError

DEFAULT_WAREHOUSE = Path("warehouse/bookrec.duckdb")
DEFAULT_REPORTS = Path("reports")
DEFAULT_ARTIFACTS = Path("artifacts")
# Where the original project kept the two Kaggle datasets; searched when no --data-dir is given.
DEFAULT_BEST_BOOKS_DIR = Path("data/best_books_dataset")
DEFAULT_ALL_BOOKS_DIR = Path("data/all_books_dataset")


def to_json(config: Any) -> str:
    """A config dataclass as stable JSON (paths as strings, keys sorted)."""
    return json.dumps(dataclasses.asdict(config), default=str, sort_keys=True)


@dataclass(frozen=True)
class DataConfig:
    """Where the raw files come from and where the warehouse goes.

    data_dir: a folder searched (recursively) for the original file names of both datasets;
      None means the default folders under ./data.
    demo: use the generated, synthetic demo catalog instead of real files.
    demo_books / demo_users / demo_seed: size and seed of the demo catalog.
    download: try the Kaggle API when no real files are found and credentials exist.
    """

    data_dir: Path | None = None
    demo: bool = False
    warehouse: Path = DEFAULT_WAREHOUSE
    demo_books: int = 2000
    demo_users: int = 300
    demo_seed: int = 7
    download: bool = True

    def __post_init__(self) -> None:
        if self.data_dir is not None and not isinstance(self.data_dir, Path):
            object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not isinstance(self.warehouse, Path):
            object.__setattr__(self, "warehouse", Path(self.warehouse))
        if self.demo_books < 50:
            raise ConfigError(f"demo_books must be at least 50; got {self.demo_books!r}")
        if self.demo_users < 10:
            raise ConfigError(f"demo_users must be at least 10; got {self.demo_users!r}")


Distance = Literal["cosine", "euclidean"]


def _check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f"{name} must be positive; got {value!r}")


__all__ = ["DataConfig", "ConfigError", "to_json", "field"]
