"""The page in a real browser: Debian's headless chromium driven by Playwright's Python package.

Skips, saying why, when chromium or playwright is missing (`make test` installs chromium where
apt-get is usable). The server is the real `bookrec serve` command on a free local port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.serving.web.conftest import HOSTILE_TITLE

pytestmark = pytest.mark.slow  # a server, a browser: about a minute (make test runs it)

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(web_warehouse: Path, tmp_path_factory):
    """`bookrec serve` on the demo warehouse; its URL once /api/health answers ok."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "bookrec.serving.cli", "serve", "--warehouse"]
    command += [str(web_warehouse), "--port", str(port), "--min-num-ratings", "0"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"bookrec serve exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=2) as answer:
                    if json.load(answer)["status"] == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"bookrec serve did not come up: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def page(tmp_path):
    """A fresh headless chromium profile and page."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; make test does)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    with playwright_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def _add(page, query: str, title: str, stars: int | None) -> None:
    """Type into the search box, pick the suggestion with this title, rate it."""
    page.fill("#search", "")
    page.type("#search", query, delay=20)
    page.get_by_test_id("suggestion").filter(has_text=title).first.click()
    book = page.get_by_test_id("my-book").filter(has_text=title)
    if stars is not None:
        book.get_by_test_id(f"star-{stars}").click()
        assert book.locator(".star.on").count() == stars


def test_a_reader_builds_a_list_and_gets_recommendations(server, page, popular_books, tmp_path):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    (_, first, _), (_, second, _), (_, third, _) = popular_books[:3]

    _add(page, " ".join(first.split()[:2]), first, 5)
    _add(page, second, second, 2)
    _add(page, third, third, None)  # listed, not rated
    # A title holding markup is shown as text and never runs.
    _add(page, "script alert", HOSTILE_TITLE, 4)
    assert page.get_by_test_id("my-book").count() == 4
    assert page.locator("#books").get_by_text(HOSTILE_TITLE, exact=True).count() == 1
    assert page.locator("#books script, #books b").count() == 0

    page.click("#recommend")
    results = page.get_by_test_id("result")
    results.first.wait_for()
    assert results.count() >= 5
    assert "matched" in page.get_by_test_id("match-summary").inner_text()
    because = page.get_by_test_id("because")
    assert because.count() >= 1
    assert because.first.inner_text().startswith("Because you liked ")
    assert page.locator(".badge.predicted").count() == results.count()
    shown = page.locator("#results .title").all_inner_texts()
    assert not {first, second, third, HOSTILE_TITLE} & set(shown)  # listed books never return

    results.first.get_by_text("more like this").click()
    similar = page.get_by_test_id("similar")
    similar.wait_for()
    assert similar.locator("li").count() >= 1
    page.screenshot(path=str(tmp_path / "bookrec_page.png"), full_page=True)
    assert (tmp_path / "bookrec_page.png").stat().st_size > 10_000

    page.reload()  # the list lives in the browser's local storage
    assert page.get_by_test_id("my-book").count() == 4
    assert dialogs == [] and errors == []


def test_bad_upload_shows_a_message_on_the_page(server, page, tmp_path):
    empty = tmp_path / "goodreads_library_export.csv"
    empty.write_bytes(b"")
    page.goto(server)
    page.click("#import summary")
    page.set_input_files("#import-file", str(empty))
    page.click("#import-form button")
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "empty file" in error.inner_text()
