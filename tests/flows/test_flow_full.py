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
