"""Errors a user can cause and fix. Entry points print their message in one line and exit 2."""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable

# How much of a user's input a message may quote (a 10 MB header is not worth 10 MB of stderr,
# logged once per Prefect layer), and the cap on a whole message as a safety net.
QUOTE_CHARS = 200
MESSAGE_CHARS = 2000


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """A piece of input for a message, cut to about `limit` characters with its length said."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 30]}... ({len(text):,} characters)"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """repr() of a piece of input, cut as shorten() cuts."""
    shown = repr(text)
    if len(shown) <= limit:
        return shown
    return f"{shown[: limit - 30]}... ({len(text):,} characters)"


def _capped(message: str) -> str:
    if len(message) <= MESSAGE_CHARS:
        return message
    # Keep the start (what and where) and the end (the fix).
    half = MESSAGE_CHARS // 2
    cut = len(message) - 2 * half
    return f"{message[:half]} [... {cut:,} characters cut ...] {message[-half:]}"


class BookrecError(Exception):
    """Base of every error that is the user's to fix (bad input, missing files, bad settings).

    A message is capped at MESSAGE_CHARS characters, whatever input it quotes.
    """

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (_capped(args[0]),)
        super().__init__(*args)


class DataError(BookrecError):
    """An input file or table is missing, malformed or holds values off their scale."""


class ConfigError(BookrecError):
    """A setting is out of range or inconsistent with another.

    details: what bookrec.config.config_error made the message from (pydantic's errors and
    the fields), so that a command line can say it again naming its options (option_terms).
    """

    def __init__(self, message: str, details: object = None) -> None:
        super().__init__(message)
        self.details = details


class WarehouseError(BookrecError):
    """The warehouse lacks a table that a step needs (usually: an earlier step has not run)."""


class DownloadError(DataError):
    """Fetching a dataset over the network failed (worth retrying, unlike other data errors)."""


def _stdout_closed() -> bool:
    """Whether standard output is a pipe whose reader has gone (poll reports an error on its
    write end); False where that cannot be told."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no real file (tests)
        return False


def exit_code_of(command: Callable[[], object]) -> int:
    """Run an entry point's work; a user mistake becomes one line on stderr and exit code 2.

    Errors that are not the user's (bugs) keep their traceback: hiding them would hide the bug.
    """
    try:
        command()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
    except BrokenPipeError:
        if not _stdout_closed():
            raise  # another pipe or socket broke: not the reader of our output leaving
        # the reader of a pipe stopped early (`bookrec sql ... | head`): as the shell's tools
        # do, say nothing; stdout goes to devnull so that the flush at exit fails no more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except BookrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0
