"""Redraw docs/web_page.png: the page of `bookrec serve` as a reader uses it.

Starts `bookrec serve` on a free local port, adds a few books in headless chromium (as
tests/serving/web/test_web_browser.py does), asks for recommendations, opens "more like this"
on the first one and saves the screenshot.

Usage: python docs/web_screenshot.py --warehouse /tmp/web/bookrec.duckdb
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.web_load import free_port, start_server  # noqa: E402

OUT = Path(__file__).resolve().parent / "web_page.png"
# (typed, the suggestion to pick, stars or None)
BOOKS = [
    ("hobbit", "The Hobbit", 5),
    ("dune frank", "Dune", 4),
    ("pride and prej", "Pride and Prejudice", 2),
    ("name of the wind", "The Name of the Wind", 5),
    ("gone girl", "Gone Girl", None),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    port = free_port()
    log = Path(tempfile.gettempdir()) / "bookrec-shot.log"
    server = start_server(ROOT, args.warehouse, port, log, 1)
    profile = Path(tempfile.mkdtemp(prefix="bookrec-shot-"))
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile),
                executable_path=shutil.which("chromium"),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
                viewport={"width": 1280, "height": 1000},
            )  # fmt: skip
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"http://127.0.0.1:{port}")
            for typed, title, stars in BOOKS:
                page.fill("#search", "")
                page.type("#search", typed, delay=30)
                page.get_by_test_id("suggestion").filter(has_text=title).first.click()
                if stars:
                    book = page.get_by_test_id("my-book").filter(has_text=title).first
                    book.get_by_test_id(f"star-{stars}").click()
            page.select_option("#top-n", "10")
            page.click("#recommend")
            page.get_by_test_id("result").first.wait_for()
            page.get_by_test_id("result").first.get_by_text("more like this").click()
            page.get_by_test_id("similar").wait_for()
            page.type("#search", "the martian", delay=30)  # suggestions open, as while typing
            page.get_by_test_id("suggestion").first.wait_for()
            page.screenshot(path=str(args.out), full_page=True)
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
