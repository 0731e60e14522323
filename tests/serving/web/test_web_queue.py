"""Concurrent requests queue for the worker's ranking thread (bookrec.serving.web.api.ranked):
lists are ranked one at a time, in the order the requests came, not interleaved on FastAPI's
thread pool where the last to win the GIL waited for every other."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx

from bookrec.config import RecommendConfig
from bookrec.serving.web import create_app


def test_concurrent_lists_are_ranked_one_at_a_time_in_arrival_order(
    web_warehouse: Path, popular_books
) -> None:
    app = create_app(web_warehouse, recommend_config=RecommendConfig(min_num_ratings=0))
    service = app.state.service
    ranked = service.recommend
    spans: list[tuple[str, float, float, int]] = []

    def recording(books, top_n):
        start = time.perf_counter()
        try:
            return ranked(books, top_n)
        finally:
            name = threading.current_thread().name
            spans.append((name, start, time.perf_counter(), books[0].book_id))

    service.recommend = recording
    bodies = [{"books": [{"book_id": book_id, "rating": 5}]} for book_id, *_ in popular_books[:8]]

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bookrec") as client:
            return await asyncio.gather(*(client.post("/api/recommend", json=b) for b in bodies))

    answers = asyncio.run(send_all())
    assert [a.status_code for a in answers] == [200] * len(bodies)
    assert all(a.json()["recommendations"] for a in answers)
    assert len(spans) == len(bodies)
    assert {name.split("_")[0] for name, *_ in spans} == {"bookrec-rank"}
    by_start = sorted(spans, key=lambda span: span[1])
    pairs = zip(by_start, by_start[1:], strict=False)
    assert all(one[2] <= two[1] for one, two in pairs), "two lists were ranked at once"
    assert [span[3] for span in by_start] == [b["books"][0]["book_id"] for b in bodies]
