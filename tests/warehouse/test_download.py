"""The Kaggle download path, with the network call replaced at the client boundary."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bookrec.warehouse import download
from bookrec.errors import DataError, DownloadError
from bookrec.warehouse.sources import find_source_files
from tests.conftest import FIXTURES


class FakeKaggleApi:
    """Stands in for KaggleApi: 'downloads' by copying the hand-made files of each dataset."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str, bool]] = []
        self.fail = fail

    def dataset_download_files(self, dataset, path=None, unzip=False, quiet=True, **_):
        self.calls.append((dataset, path, unzip))
        if self.fail:
            raise ConnectionError("Name or service not known")
        folder = {
            "pooriamst/best-books-ever-dataset": "best_books_dataset",
            "bahramjannesarr/goodreads-book-datasets-10m": "all_books_dataset",
        }[dataset]
        shutil.copytree(FIXTURES / "layouts" / folder, path, dirs_exist_ok=True)


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    folder = tmp_path / "kaggle"
    folder.mkdir()
    (folder / "kaggle.json").write_text('{"username": "reader", "key": "0"}')
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(folder))
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_downloads_both_datasets_where_the_readers_look(tmp_path, credentials):
    api = FakeKaggleApi()
    written = download.download_datasets(tmp_path / "data", make_api=lambda: api)
    assert [p.name for p in written] == ["best_books_dataset", "all_books_dataset"]
    assert all(unzip for _, _, unzip in api.calls)
    found = find_source_files(written)
    assert found.usable


def test_no_credentials_says_how_to_set_them_up(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path))
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert not download.kaggle_credentials_present()
    with pytest.raises(DataError, match=r"~/.kaggle/kaggle.json"):
        download.download_datasets(tmp_path, make_api=FakeKaggleApi)


def test_network_failure_is_a_retryable_download_error(tmp_path, credentials):
    with pytest.raises(DownloadError, match="pooriamst/best-books-ever-dataset failed"):
        download.download_datasets(tmp_path, make_api=lambda: FakeKaggleApi(fail=True))


def test_token_in_environment_counts_as_credentials(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("KAGGLE_API_TOKEN", "abc")
    assert download.kaggle_credentials_present()


def test_fixture_layouts_match_the_download_folders():
    # the fake copies the folder names the real datasets unzip into, as the readers expect
    assert set(download.KAGGLE_DATASETS) == {
        p.name for p in (FIXTURES / "layouts").iterdir() if p.is_dir()
    }
    assert Path(FIXTURES / "layouts").is_dir()
