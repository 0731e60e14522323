"""Fetching the two Kaggle datasets when they are not on disk and Kaggle credentials exist."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bookrec.errors import DataError, DownloadError

log = logging.getLogger(__name__)

# Kaggle slugs of the two datasets, and the folder (below the data root) each one goes to.
KAGGLE_DATASETS = {
    "best_books_dataset": "pooriamst/best-books-ever-dataset",
    "all_books_dataset": "bahramjannesarr/goodreads-book-datasets-10m",
}

CREDENTIALS_HELP = (
    "to download them, create a Kaggle API token (kaggle.com > Settings > API) and save it as "
    "~/.kaggle/kaggle.json (or set KAGGLE_USERNAME and KAGGLE_KEY, or KAGGLE_API_TOKEN)"
)


def kaggle_config_dir() -> Path:
    return Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))


def kaggle_credentials_present() -> bool:
    """Whether the Kaggle client would find credentials (it exits the process when it does not,
    so bookrec asks first and never imports the client without them)."""
    if os.environ.get("KAGGLE_API_TOKEN"):
        return True
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return True
    folder = kaggle_config_dir()
    return (folder / "kaggle.json").is_file() or (folder / "access_token").is_file()


def _default_api() -> Any:
    # Imported here: importing the kaggle package tries to authenticate at once.
    from kaggle.api.kaggle_api_extended import KaggleApi

    api = KaggleApi()
    api.authenticate()
    return api


def download_datasets(
    data_root: Path,
    datasets: dict[str, str] | None = None,
    make_api: Callable[[], Any] = _default_api,
) -> list[Path]:
    """Download and unzip each Kaggle dataset into data_root/<folder>.

    Args:
        data_root: the folder that receives best_books_dataset/ and all_books_dataset/.
        datasets: folder -> Kaggle slug; default KAGGLE_DATASETS.
        make_api: builds an authenticated client with dataset_download_files(); the network
            boundary, replaced in tests.

    Returns:
        The folders written.

    Raises:
        DataError: no credentials.
        DownloadError: the download failed (the message says which dataset).
    """
    if not kaggle_credentials_present():
        raise DataError(f"no Kaggle credentials found; {CREDENTIALS_HELP}")
    api = make_api()
    written = []
    for folder, slug in (datasets or KAGGLE_DATASETS).items():
        target = data_root / folder
        target.mkdir(parents=True, exist_ok=True)
        log.info("downloading Kaggle dataset %s into %s", slug, target)
        try:
            api.dataset_download_files(slug, path=str(target), unzip=True, quiet=False)
        except Exception as exc:  # the client raises many kinds; all mean "download failed"
            raise DownloadError(f"downloading Kaggle dataset {slug} failed: {exc}") from exc
        written.append(target)
    return written
