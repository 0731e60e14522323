"""Errors a user can cause and fix. Entry points print their message in one line and exit 2."""


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
