"""Report JSON that every parser reads: NaN and infinities become null (JSON has neither)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # e.g. a correlation that is undefined for constant ratings
    return value


def report_json(payload: Any) -> str:
    """payload as indented, strict JSON text (a trailing newline, paths as strings)."""
    return json.dumps(_clean(payload), indent=2, default=str, allow_nan=False) + "\n"
