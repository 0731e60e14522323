"""Load check of `bookrec serve` on the real-data warehouse (reports/bench_web.md and .json,
its section of reports/bench_speed.md and docs/speed.md's "The page under load").

Real `bookrec serve` processes on 127.0.0.1, one after the other in the same run: this tree
with --workers N (default: as many as `bookrec serve` picks) and with one worker, and, with
--baseline REF, the code of a git ref (e.g. the commit before the serving work) for
before/after ratios measured side by side. Against each, 20 concurrent clients (threads, one
keep-alive connection each) send 200 requests per scenario after a warm-up:
1. recommend, picked: POST /api/recommend for a 20-book reader whose books carry their catalog
   ids, as the page sends them after picking suggestions (target: p95 < 150 ms, 0 errors);
2. recommend, typed: the same readers by title and author only (every request matches 20
   titles, as after a Goodreads import);
3. suggestions: GET /api/books?q= with the first letters of titles, as typed;
4. recommend, picked, one client at a time: the service time without queueing.
Each client is a different real reader: 20 rated books of one user from the ratings table.
Latency is measured by the clients, on the same cores as the server; the load average of the
machine (shared with other jobs) is recorded before and after, since queueing behind other
processes adds straight to the latency. Each server's memory is read once it has answered:
the resident and unique (USS) memory of one worker process.

Usage: python bench/web_load.py --warehouse warehouse/bench.duckdb [--baseline 47d3403]
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, bench_parser, machine, replace_section, table, write_report  # noqa: E402
from bookrec.warehouse.connection import connect  # noqa: E402

TARGET_P95_MS = 150.0
TARGET_ALONE_P50_MS = 10.0
SECTION = "web_load"
DOCS_SECTION = "page_under_load"


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


def commit_of(ref: str) -> str:
    """The short commit id a git ref points at."""
    out = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True)
    if out.returncode:
        sys.exit(f"--baseline {ref}: not a git ref here ({out.stderr.decode().strip()})")
    return out.stdout.decode().strip()


def checkout(ref: str, folder: Path) -> Path:
    """The tree of a git ref, extracted into `folder` (the code a baseline server runs)."""
    archive = folder / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "tree", filter="data")
    return folder / "tree"


def start_server(
    root: Path, warehouse: Path, port: int, log_path: Path, workers: int | None
) -> subprocess.Popen:
    """`bookrec serve` of the code in `root` (workers None: a tree without --workers)."""
    command = [sys.executable, "-m", "bookrec.serving.cli", "serve"]
    command += ["--warehouse", str(warehouse.resolve()), "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=log)
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


def worker_memory(server: subprocess.Popen) -> dict:
    """Resident and unique memory (MiB) of one worker: the largest process of the server's
    tree (the uvicorn supervisor and multiprocessing's tracker are small)."""
    tree = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    infos = [p.memory_full_info() for p in tree]
    largest = max(infos, key=lambda m: m.rss)
    return {
        "processes": len(tree),
        "worker_rss_mib": round(largest.rss / 2**20),
        "worker_uss_mib": round(largest.uss / 2**20),
        "tree_rss_mib": round(sum(m.rss for m in infos) / 2**20),
    }


def measure(root: Path, workers: int | None, args, reader_lists) -> dict:
    """Every scenario against one server (started, warmed up, measured, stopped)."""
    port = free_port()
    log_path = Path("/tmp") / f"bookrec-web-load-{port}.log"
    server = start_server(root, args.warehouse, port, log_path, workers)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        health = json.loads(request(conn, "GET", "/api/health")[1])
        out: dict = {"health": health, "scenarios": {}}
        for name, (make, clients) in scenarios(reader_lists, args.top_n).items():
            clients = clients or args.clients
            run_load(port, make, clients, args.clients)  # warm-up
            out["scenarios"][name] = run_load(port, make, clients, args.requests)
            print(root.name, workers, name, out["scenarios"][name], flush=True)
        out["memory"] = worker_memory(server)
        return out
    finally:
        server.terminate()
        server.wait(timeout=60)


def why(results: dict) -> str:
    """What the numbers say about the latency: queueing (Little's law) or the request itself."""
    best = results["servers"][results["best"]]
    picked = best["scenarios"]["recommend_picked"]
    alone = best["scenarios"]["recommend_picked_1_client"]
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


def ratio(before: float, after: float) -> str:
    return f"{before / after:.2f}x" if after else "-"


def markdown(results: dict) -> str:
    columns = ["p50_ms", "p95_ms", "max_ms", "errors", "requests_per_s"]
    rows = [
        {"server": label, "scenario": name, **values}
        for label, server in results["servers"].items()
        for name, values in server["scenarios"].items()
    ]
    best = results["servers"][results["best"]]
    picked = best["scenarios"]["recommend_picked"]
    alone = best["scenarios"]["recommend_picked_1_client"]
    load_ok = picked["p95_ms"] < TARGET_P95_MS and picked["errors"] == 0
    alone_ok = alone["p50_ms"] < TARGET_ALONE_P50_MS
    m = results["machine"]
    memory = [{"server": label, **server["memory"]} for label, server in results["servers"].items()]
    text = (
        f"`python bench/web_load.py --warehouse {results['warehouse_name']}"
        + (f" --baseline {results['baseline']}" if results.get("baseline") else "")
        + "`: real `bookrec serve` processes on 127.0.0.1, one after the other, over the "
        f"warehouse `{results['warehouse_name']}` ({results['books']} books, "
        f"{results['candidates']} candidates), "
        f"{results['clients']} concurrent clients, {results['requests']} requests per "
        f"scenario after a warm-up, each client a real {results['books_each']}-book reader, "
        f"top {results['top_n']}. Machine: {m['cores']} cores (shared), Python {m['python']}; "
        "the clients run on the same cores as the servers. Load average (1 min) "
        f"{results['load_average_before']} before, {results['load_average_after']} after: "
        "other jobs shared the machine.\n\n"
        f"Targets ({results['best']}): recommend (picked) under {results['clients']} clients "
        f"p95 < {TARGET_P95_MS:.0f} ms with 0 errors: **{'PASS' if load_ok else 'FAIL'}** "
        f"(p95 {picked['p95_ms']} ms, {picked['errors']} errors); one request alone p50 < "
        f"{TARGET_ALONE_P50_MS:.0f} ms: **{'PASS' if alone_ok else 'FAIL'}** "
        f"(p50 {alone['p50_ms']} ms). "
        + why(results)
        + "\n\n"
        + table(rows, ["server", "scenario", *columns])
    )
    if "before" in results["servers"]:
        before = results["servers"]["before"]["scenarios"]
        ratios = [
            {
                "scenario": name,
                "p50 before/after": ratio(before[name]["p50_ms"], values["p50_ms"]),
                "p95 before/after": ratio(before[name]["p95_ms"], values["p95_ms"]),
                "requests/s after/before": ratio(
                    values["requests_per_s"], before[name]["requests_per_s"]
                ),
            }
            for name, values in best["scenarios"].items()
        ]
        text += (
            f"\nBefore/after in this run ({results['best']} against the baseline "
            f"{results['baseline']}, started without --workers as it ran then):\n\n"
            + table(ratios, list(ratios[0]))
        )
    text += (
        "\nMemory once warm (MiB; one worker = the largest process of the server's tree; USS: "
        "what the worker alone holds, not shared with others):\n\n"
        + table(
            memory, ["server", "processes", "worker_rss_mib", "worker_uss_mib", "tree_rss_mib"]
        )  # fmt: skip
        + "\npicked: the books carry catalog ids (the page's path after picking suggestions); "
        "typed: title and author only, matched on every request (the Goodreads import's path); "
        "suggestions: GET /api/books with 3 to 10 typed letters.\n"
    )
    return text


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--warehouse", type=Path, required=True, help="real-data warehouse")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--books", type=int, default=20, help="books per reader")
    parser.add_argument("--top-n", type=int, default=10, help="recommendations per request")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--workers", type=int, default=None, help="workers of the main server (default: serve's)"
    )
    parser.add_argument(
        "--baseline", help="a git ref whose `bookrec serve` runs too, for before/after ratios"
    )
    args = parser.parse_args()
    if not args.warehouse.is_file():
        sys.exit(f"{args.warehouse}: no such warehouse (copy the real-data one there first)")
    from bookrec.serving.cli import default_workers

    workers = args.workers or default_workers()
    reader_lists = readers(args.warehouse, args.clients, args.books, args.seed)
    results: dict = {
        "machine": machine(),
        "warehouse_name": args.warehouse.name,
        "clients": args.clients,
        "requests": args.requests,
        "books_each": args.books,
        "top_n": args.top_n,
        # the commit itself, so the report still names it once a ref like HEAD has moved on
        "baseline": commit_of(args.baseline) if args.baseline else None,
        "best": f"after, {workers} workers",
        "servers": {},
        "load_average_before": round(os.getloadavg()[0], 1),
    }
    with tempfile.TemporaryDirectory() as folder:
        runs = [(f"after, {workers} workers", ROOT, workers)]
        if workers != 1:
            runs.append(("after, 1 worker", ROOT, 1))
        if args.baseline:
            runs.append(("before", checkout(args.baseline, Path(folder)), None))
        for label, root, count in runs:
            results["servers"][label] = measure(root, count, args, reader_lists)
    results["load_average_after"] = round(os.getloadavg()[0], 1)
    health = results["servers"][results["best"]]["health"]
    results["books"], results["candidates"] = health["books"], health["candidates"]
    md = "## web load (`bookrec serve`)\n\n" + markdown(results)
    write_report("bench_web", results, "# bookrec web load check\n\n" + md)
    replace_section(ROOT / "reports" / "bench_speed.md", SECTION, md)
    # under docs/speed.md's own heading "The page under load" and its reading of the numbers
    replace_section(ROOT / "docs" / "speed.md", DOCS_SECTION, markdown(results))
    print(md)
    print(f"wrote reports/bench_web.md, .json, the {SECTION} section of reports/bench_speed.md "
          f"and the {DOCS_SECTION} section of docs/speed.md")  # fmt: skip


if __name__ == "__main__":
    main()
