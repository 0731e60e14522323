"""Errors a user can cause and fix. Entry points print their message in one line and exit 2."""

from __future__ import annotations

import sys
from collections.abc import Callable


class BookrecError(Exception):
    """Base of every error that is the user's to fix (bad input, missing files, bad settings)."""


class DataError(BookrecError):
    """An input file or table is missing, malformed or holds values off their scale."""


class ConfigError(BookrecError):
    """A setting is out of range or inconsistent with another."""


class WarehouseError(BookrecError):
    """The warehouse lacks a table that a step needs (usually: an earlier step has not run)."""


class DownloadError(DataError):
    """Fetching a dataset over the network failed (worth retrying, unlike other data errors)."""


def exit_code_of(command: Callable[[], object]) -> int:
    """Run an entry point's work; a user mistake becomes one line on stderr and exit code 2.

    Errors that are not the user's (bugs) keep their traceback: hiding them would hide the bug.
    """
    try:
        command()
    except BookrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
