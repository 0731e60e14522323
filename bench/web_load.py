"""Load check of `bookrec serve` on the real-data warehouse (reports/bench_web.md and .json,
and its section of reports/bench_speed.md).

A real `bookrec serve` process on 127.0.0.1; 20 concurrent clients (threads, one keep-alive
connection each) send 200 requests per scenario after a warm-up:
1. recommend, picked: POST /api/recommend for a 20-book reader whose books carry their catalog
   ids, as the page sends them after picking suggestions (target: p95 < 150 ms, 0 errors);
2. recommend, typed: the same readers by title and author only (every request matches 20
   titles, as after a Goodreads import);
3. suggestions: GET /api/books?q= with the first letters of titles, as typed;
4. recommend, picked, one client at a time: the service time without queueing.
Each client is a different real reader: 20 rated books of one user from the ratings table.
Latency is measured by the clients, on the same cores as the server; the load average of the
machine (shared with other jobs) is recorded before and after, since queueing behind other
processes adds straight to the latency.

Usage: python bench/web_load.py --warehouse /tmp/web/bookrec.duckdb [--requests 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, machine, replace_section, table, write_report  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

TARGET_P95_MS = 150.0
SECTION = "web_load"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readers(warehouse: Path, n_readers: int, books_each: int, seed: int) -> list[list[dict]]:
    """Real readers: `books_each` rated catalog books of `n_readers` users who rated enough."""
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select r.user_id, r.book_id, b.title, b.author, r.rating from ratings r "
            "join books b using (book_id) where b.title is not null "
            "and r.user_id in (select user_id from ratings group by user_id "
            "                  having count(*) >= ?) order by r.user_id, r.book_id",
            [books_each * 2],
        ).fetchall()
    by_user: dict[int, list[dict]] = {}
    for user, book_id, title, author, rating in rows:
        by_user.setdefault(user, []).append(
            {"book_id": book_id, "title": title, "author": author, "rating": float(rating)}
        )
    rng = np.random.default_rng(seed)
    users = sorted(by_user)
    chosen = rng.choice(len(users), size=min(n_readers, len(users)), replace=False)
    out = []
    for index in chosen:
        books = by_user[users[index]]
        picks = rng.choice(len(books), size=books_each, replace=False)
        out.append([books[i] for i in sorted(picks)])
    return out


def start_server(warehouse: Path, port: int, log_path: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "bookrec.serving.cli", "serve"]
    command += ["--warehouse", str(warehouse), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bookrec serve exited:\n{log_path.read_text()[-3000:]}")
        try:
            status, body = request(
                http.client.HTTPConnection("127.0.0.1", port), "GET", "/api/health"
            )
            if status == 200 and json.loads(body)["status"] == "ok":
                return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    sys.exit(f"bookrec serve did not come up in 300 s:\n{log_path.read_text()[-3000:]}")


def request(conn: http.client.HTTPConnection, method: str, path: str, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    answer = conn.getresponse()
    return answer.status, answer.read()


def run_load(port: int, make_request, clients: int, total: int) -> dict:
    """`total` requests from `clients` threads; make_request(client, i) -> (method, path, body)."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(total))
    lock = threading.Lock()

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, body = make_request(number, i)
            start = time.perf_counter()
            try:
                status, text = request(conn, method, path, body)
            except (OSError, http.client.HTTPException) as exc:
                status, text = 0, str(exc).encode()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{status}: {text[:200]!r}")
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = np.array(latencies)
    return {
        "requests": len(ms),
        "clients": clients,
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1),
        "errors": len(errors),
        "requests_per_s": round(len(ms) / wall, 1),
        "first_error": errors[0] if errors else "",
    }


def scenarios(reader_lists: list[list[dict]], top_n: int) -> dict:
    def picked(client: int, i: int):
        return "POST", "/api/recommend", {"books": reader_lists[client], "top_n": top_n}

    def typed(client: int, i: int):
        books = [{k: b[k] for k in ("title", "author", "rating")} for b in reader_lists[client]]
        return "POST", "/api/recommend", {"books": books, "top_n": top_n}

    def suggest(client: int, i: int):
        books = reader_lists[client]
        title = books[i % len(books)]["title"]
        typed_so_far = title[: 3 + i % 8]  # 3 to 10 letters, as while typing
        return "GET", "/api/books?q=" + urllib_quote(typed_so_far), None

    return {
        "recommend_picked": (picked, None),
        "recommend_typed": (typed, None),
        "suggestions": (suggest, None),
        "recommend_picked_1_client": (picked, 1),
    }


def urllib_quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def why(results: dict) -> str:
    """What the numbers say about the latency: queueing (Little's law) or the request itself."""
    picked = results["scenarios"]["recommend_picked"]
    alone = results["scenarios"]["recommend_picked_1_client"]
    clients = picked["clients"]
    queued = clients / picked["requests_per_s"] * 1000
    needed = clients / (TARGET_P95_MS / 1000)
    cores = results["machine"]["cores"]
    budget = cores * 1000 / needed
    return (
        f"With {clients} requests always in flight, latency is about {clients} / throughput "
        f"= {clients} / {picked['requests_per_s']} per s = {queued:.0f} ms: the wait in the "
        f"queue, since one request alone takes p50 {alone['p50_ms']} ms "
        f"(p95 {alone['p95_ms']} ms). Meeting the target under {clients} clients takes about "
        f"{needed:.0f} requests/s, at most {budget:.0f} ms of CPU per request on "
        f"{cores} otherwise idle cores."
    )


def markdown(results: dict) -> str:
    rows = [{"scenario": name, **values} for name, values in results["scenarios"].items()]
    picked = results["scenarios"]["recommend_picked"]
    verdict = "PASS" if picked["p95_ms"] < TARGET_P95_MS and picked["errors"] == 0 else "FAIL"
    m = results["machine"]
    return (
        "## web load (`bookrec serve`)\n\n"
        f"`python bench/web_load.py --warehouse {results['warehouse_name']}`: a real "
        f"`bookrec serve` on 127.0.0.1 over the real-data warehouse "
        f"({results['books']} books, {results['candidates']} candidates), "
        f"{results['clients']} concurrent clients, {results['requests']} requests per "
        f"scenario after a warm-up, each client a real {results['books_each']}-book reader, "
        f"top {results['top_n']}. Machine: {m['cores']} cores (shared), Python {m['python']}; "
        "the clients run on the same cores as the server. Load average (1 min) "
        f"{results['load_average_before']} before, {results['load_average_after']} after: "
        "other jobs shared the machine.\n\n"
        f"Target: recommend (picked) p95 < {TARGET_P95_MS:.0f} ms with 0 errors: "
        f"**{verdict}** (p95 {picked['p95_ms']} ms, {picked['errors']} errors). "
        + why(results)
        + "\n\n"
        + table(
            rows,
            [
                "scenario",
                "requests",
                "clients",
                "p50_ms",
                "p95_ms",
                "max_ms",
                "errors",
                "requests_per_s",
            ],
        )  # fmt: skip
        + "\npicked: the books carry catalog ids (the page's path after picking suggestions); "
        "typed: title and author only, matched on every request (the Goodreads import's path); "
        "suggestions: GET /api/books with 3 to 10 typed letters.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="real-data warehouse")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--books", type=int, default=20, help="books per reader")
    parser.add_argument("--top-n", type=int, default=10, help="recommendations per request")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    if not args.warehouse.is_file():
        sys.exit(f"{args.warehouse}: no such warehouse (copy the real-data one there first)")

    reader_lists = readers(args.warehouse, args.clients, args.books, args.seed)
    port = free_port()
    log_path = Path("/tmp") / f"bookrec-web-load-{port}.log"
    server = start_server(args.warehouse, port, log_path)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        health = json.loads(request(conn, "GET", "/api/health")[1])
        results: dict = {
            "machine": machine(),
            "warehouse_name": args.warehouse.name,
            "books": health["books"],
            "candidates": health["candidates"],
            "clients": args.clients,
            "requests": args.requests,
            "books_each": args.books,
            "top_n": args.top_n,
            "scenarios": {},
        }
        results["load_average_before"] = round(os.getloadavg()[0], 1)
        for name, (make, clients) in scenarios(reader_lists, args.top_n).items():
            clients = clients or args.clients
            run_load(port, make, clients, args.clients)  # warm-up
            results["scenarios"][name] = run_load(port, make, clients, args.requests)
            print(name, results["scenarios"][name])
        results["load_average_after"] = round(os.getloadavg()[0], 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    md = markdown(results)
    write_report("bench_web", results, "# bookrec web load check\n\n" + md)
    speed = ROOT / "reports" / "bench_speed.md"
    replace_section(speed, SECTION, md)
    print(md)
    print(f"wrote reports/bench_web.md, .json and the {SECTION} section of {speed.name}")


if __name__ == "__main__":
    main()
