"""Faults a client can cause: bodies without a length, ids past BIGINT, booleans as ratings,
a busy port. Every one is a 4xx JSON answer (or one `error:` line for the CLI), never a 500."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from bookrec.config import RecommendConfig, WebConfig
from bookrec.serving.web import create_app
from bookrec.serving.web.app import MULTIPART_OVERHEAD

EVERYONE = RecommendConfig(min_num_ratings=0)
LIMIT = WebConfig().max_upload_bytes + MULTIPART_OVERHEAD
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def app(web_warehouse: Path):
    return create_app(web_warehouse, recommend_config=EVERYONE)


@pytest.fixture(scope="module")
def client(app) -> TestClient:
    return TestClient(app)


# -- ids past BIGINT, booleans (defect 4, minor) ----------------------------------------------

OUT_OF_RANGE = [10**30, 2**63, -(2**63) - 1]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_similar_with_an_id_past_bigint_is_422(client, popular_books, value) -> None:
    book_id = popular_books[0][0]
    for body, field in [
        ({"book_id": book_id, "exclude": [value]}, "exclude.0"),
        ({"book_id": value}, "book_id"),
        ({"book_id": book_id, "top_n": value}, "top_n"),
    ]:
        response = client.post("/api/similar", json=body)
        assert response.status_code == 422, response.text
        assert field in response.json()["error"]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_recommend_with_an_id_past_bigint_is_422(client, value) -> None:
    response = client.post("/api/recommend", json={"books": [{"book_id": value, "rating": 4}]})
    assert response.status_code == 422 and "books.0.book_id" in response.json()["error"]


def test_the_largest_bigint_id_is_a_book_that_is_not_there(client, popular_books) -> None:
    book_id = popular_books[0][0]
    ok = client.post("/api/similar", json={"book_id": book_id, "exclude": [2**63 - 1, -(2**63)]})
    assert ok.status_code == 200


@pytest.mark.parametrize("field", ["rating", "book_id"])
def test_booleans_are_not_numbers(client, popular_books, field) -> None:
    book = {"book_id": popular_books[0][0], "rating": 4} | {field: True}
    response = client.post("/api/recommend", json={"books": [book]})
    assert response.status_code == 422 and f"books.0.{field}" in response.json()["error"]
    assert client.post("/api/similar", json={"book_id": True}).status_code == 422


# -- bodies without a length (defect 3) -------------------------------------------------------


def test_a_body_without_a_length_is_refused_once_the_limit_is_read(app) -> None:
    """An endless chunked body: 413 after reading just past the limit, not at its end."""
    chunk = b"[" * 65536
    read = 0

    async def receive() -> dict:
        nonlocal read
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/recommend",
        "raw_path": b"/api/recommend",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert "5 MB limit" in json.loads(sent[1]["body"])["error"]
    assert LIMIT < read <= LIMIT + len(chunk)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(app):
    """The app behind a real uvicorn, as `bookrec serve` runs it."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    running.should_exit = True
    thread.join(10)


def _send_chunked(port: int, path: str, total: int) -> tuple[int, bytes]:
    """POST `total` bytes in 64 KB chunks (no Content-Length) while reading the reply, as a
    client does; returns the bytes it managed to send and the reply."""
    chunk = b"[" * 65536
    sent = 0
    conn = socket.create_connection(("127.0.0.1", port), timeout=60)
    conn.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )

    def send_all() -> None:
        nonlocal sent
        try:
            while sent < total:
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: the rest is never read

    sender = threading.Thread(target=send_all)
    sender.start()
    reply = b""
    try:
        while part := conn.recv(65536):
            reply += part
    except OSError:
        pass
    sender.join(60)
    conn.close()
    return sent, reply


def test_a_chunked_56_mb_body_is_413_over_a_real_server(server) -> None:
    sent, reply = _send_chunked(server, "/api/recommend", 56 * 1024 * 1024)
    status_line = reply.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, reply[:300]
    assert b"5 MB limit" in reply
    # the server stopped reading just past the limit (the rest is what socket buffers held)
    assert sent < 24 * 1024 * 1024, sent


def test_a_small_chunked_body_is_still_served(server, popular_books) -> None:
    body = json.dumps({"books": [{"book_id": popular_books[0][0], "rating": 5}]}).encode()
    with socket.create_connection(("127.0.0.1", server), timeout=30) as conn:
        conn.sendall(
            b"POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n"
            % (len(body), body)
        )
        reply = b""
        while part := conn.recv(65536):
            reply += part
    assert reply.startswith(b"HTTP/1.1 200"), reply[:300]


# -- `bookrec serve` on a busy port (minor) ---------------------------------------------------


def test_serve_on_a_busy_port_is_one_line_before_loading(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bookrec.serving.cli", "serve", "--port", str(port),
             "--warehouse", str(tmp_path / "never-opened.duckdb")],
            capture_output=True, text=True, timeout=120, cwd=REPO,
        )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot listen on 127.0.0.1:{port}")
    # checked before the warehouse: a missing one would have logged "does not exist"
    assert "does not exist" not in result.stderr


def test_serve_workers_each_load_the_catalog_and_share_the_requests(
    web_warehouse, popular_books, tmp_path
) -> None:
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    import psutil

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    # a BLAS pool per worker would oversubscribe the cores: serve sets 1 whatever is inherited
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "4"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bookrec.serving.cli", "serve", "--workers", "2", "--port",
         str(port), "--warehouse", str(web_warehouse), "--min-num-ratings", "0"],
        stdout=log, stderr=log, cwd=REPO, env=env,
    )  # fmt: skip

    def ask(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            payload = None if body is None else json.dumps(body)
            conn.request(method, path, payload, {"Content-Type": "application/json"})
            answer = conn.getresponse()
            return answer.status, json.loads(answer.read())
        finally:
            conn.close()

    def serving(started: int) -> bool:
        """`started` workers have loaded the catalog (one line each in the log) and serve
        answers; a refused connection is a worker still starting."""
        text = (tmp_path / "serve.log").read_text()
        if text.count("Application startup complete") < started:
            return False
        try:
            return all(ask("GET", "/api/health")[0] == 200 for _ in range(8))
        except OSError:
            return False

    try:
        deadline = time.monotonic() + 180
        # both workers up: on a busy machine one may load the catalog seconds after the other
        while not serving(2):
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-2000:]
            time.sleep(0.3)
        workers = [p for p in psutil.Process(server.pid).children(recursive=True)
                   if "spawn_main" in " ".join(p.cmdline())]  # fmt: skip
        assert len(workers) == 2
        for worker in workers:
            assert worker.environ()["OPENBLAS_NUM_THREADS"] == "1"
            assert worker.environ()["OMP_NUM_THREADS"] == "1"
        body = {"books": [{"book_id": b, "rating": 5} for b, _, _ in popular_books[:3]]}
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: ask("POST", "/api/recommend", body), range(16)))
        assert {status for status, _ in answers} == {200}
        assert len({json.dumps(a["recommendations"]) for _, a in answers}) == 1  # same list
        # a worker killed (as by the OOM killer) is replaced, and serve keeps answering
        killed = workers[0].pid
        workers[0].kill()
        deadline = time.monotonic() + 180
        while True:
            now = [p for p in psutil.Process(server.pid).children(recursive=True)
                   if p.pid != killed and "spawn_main" in " ".join(p.cmdline())]  # fmt: skip
            if len(now) == 2 and serving(3):  # the replacement loaded the catalog too
                break
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()[-2000:]
            time.sleep(0.5)
        assert "restarting it" in (tmp_path / "serve.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "error: --workers must be at least 1; got 0"),
        (["--port", "0"], "error: --port must lie in 1..65535; got 0"),
        # before any worker starts (each failed to start, saying so out of order)
        (["--min-num-ratings", "-1"], "error: --min-num-ratings must be at least 0; got -1"),
    ],
)
def test_a_bad_serve_option_is_one_line(tmp_path, argv, message) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", "serve", *argv],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == message


# -- a Book Id that is not plain digits (defect 5) --------------------------------------------


def test_an_export_with_a_superscript_book_id_is_imported(client, popular_books) -> None:
    _, title, author = popular_books[0]
    export = (
        f'Book Id,Title,Author,My Rating,Exclusive Shelf\n²,"{title}",{author},5,read\n'
    ).encode()
    response = client.post("/api/import/goodreads", files={"file": ("export.csv", export)})
    assert response.status_code == 200, response.text
    assert response.json()["matches"][0]["status"] == "matched"
