"""flows.full's command line. The flow end to end (built, then run again redoing nothing) is
tests/flows/test_deployment.py's full/tiny-demo test: one full build serves both."""

from __future__ import annotations

import subprocess
import sys


def test_full_help_explains_the_options():
    result = subprocess.run(
        [sys.executable, "-m", "flows.full", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for option in ("--demo", "--data-dir", "--warehouse", "--reports-dir", "--demo-books"):
        assert option in result.stdout


def test_full_gives_back_the_encoder_between_stages():
    """The stages of flows.full share one process: the encoder embed loaded is dropped before
    lists and evaluate (release_memory), so the next use loads a new one."""
    from bookrec.config import EncoderConfig
    from bookrec.embedding.encoder import cached_encoder
    from flows.full import release_memory

    config = EncoderConfig(runtime="torch", device="cpu")
    first = cached_encoder(config)
    assert cached_encoder(config) is first  # kept while a stage runs
    release_memory()
    assert cached_encoder.cache_info().currsize == 0
    assert cached_encoder(config) is not first
    release_memory()  # and again, with nothing new to free
    assert cached_encoder.cache_info().currsize == 0
