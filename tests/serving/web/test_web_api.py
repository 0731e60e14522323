"""The JSON API and the page over a demo warehouse, through FastAPI's TestClient."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bookrec.config import RecommendConfig, WebConfig
from bookrec.serving.cli import build_parser
from bookrec.serving.reader_input import EXPORT_COLUMNS, ReaderBook
from bookrec.serving.reasons import DEMO_CATALOG
from bookrec.serving.web import create_app
from bookrec.serving.web.app import setup_page
from bookrec.warehouse.connection import connect
from tests.conftest import build_tiny_warehouse
from tests.serving.web.conftest import HOSTILE_ID, HOSTILE_TITLE

EVERYONE = RecommendConfig(min_num_ratings=0)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def client(web_warehouse: Path) -> TestClient:
    return TestClient(create_app(web_warehouse, recommend_config=EVERYONE))


def _reader(popular, ratings=(5, 2, 4)) -> list[dict]:
    return [{"book_id": b[0], "rating": r} for b, r in zip(popular, ratings, strict=False)]


def _export(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["Book Id", *EXPORT_COLUMNS])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_health_reports_the_loaded_catalog(client, web_warehouse) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["space"] == "raw"
    with connect(web_warehouse, read_only=True) as con:
        assert body["books"] == con.execute("select count(*) from books").fetchall()[0][0]


def test_search_suggests_by_title_and_author_words(client, popular_books) -> None:
    book_id, title, author = popular_books[0]
    words = title.split()
    found = client.get("/api/books", params={"q": " ".join(words[:2])}).json()["books"]
    assert book_id in [b["book_id"] for b in found]
    # a title word's beginning plus the author's surname
    query = f"{words[-1][:4]} {author.split()[-1]}"
    assert book_id in [b["book_id"] for b in client.get(f"/api/books?q={query}").json()["books"]]
    # the title, "by" and its author, as readers type them
    by = client.get("/api/books", params={"q": f"{title} by {author}"}).json()["books"]
    assert by and by[0]["book_id"] == book_id
    typo = (
        title.replace(words[-1], words[-1][:-1] + "x" + words[-1][-1])
        if len(words[-1]) > 4
        else None
    )
    if typo:
        hits = client.get("/api/books", params={"q": typo}).json()["books"]
        assert book_id in [b["book_id"] for b in hits]
    assert client.get("/api/books?q=t").json()["books"] == []  # below min_query_chars
    limited = client.get("/api/books?q=the&limit=3").json()["books"]
    assert 1 <= len(limited) <= 3


def test_titles_come_back_verbatim_and_the_page_holds_no_catalog_text(client) -> None:
    found = client.get("/api/books", params={"q": "script alert"}).json()["books"]
    assert [(b["book_id"], b["title"]) for b in found] == [(HOSTILE_ID, HOSTILE_TITLE)]
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<script>alert" not in page.text  # titles only ever reach the page as JSON


def test_a_demo_catalog_says_so_on_the_page_the_api_and_the_command_line(
    client, web_warehouse, popular_books, tmp_path
) -> None:
    """Built from the demo's files read through --data-dir, this warehouse is the demo
    (prepare_data finds the generator's marker: it was once recorded as real files) and says
    so everywhere a reader asks it for books, so "The Hobbit" not found there is no
    surprise; the same marked real does not."""
    real = tmp_path / "real.duckdb"
    shutil.copy(web_warehouse, real)
    with connect(real) as con:
        con.execute("update warehouse_info set synthetic = false")
    with TestClient(create_app(real, recommend_config=EVERYONE)) as unmarked:
        assert "demo-note" not in unmarked.get("/").text
        assert unmarked.get("/api/health").json()["demo_catalog"] is False
    demo = web_warehouse
    with TestClient(create_app(demo, recommend_config=EVERYONE)) as marked:
        assert f'<p class="demo-note">{DEMO_CATALOG}</p>' in marked.get("/").text
        assert marked.get("/api/health").json()["demo_catalog"] is True
        reader = {"books": _reader(popular_books), "top_n": 3}
        assert marked.post("/api/recommend", json=reader).json()["demo_catalog"] is True
        similar = {"book_id": popular_books[0][0], "top_n": 3}
        assert marked.post("/api/similar", json=similar).json()["demo_catalog"] is True
    run = subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", "recommend", "--warehouse", str(demo)]
        + ["--book", "The Hobbit|J.R.R. Tolkien|5", "--min-num-ratings", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(DEMO_CATALOG + " (make all DATA_DIR=")
    assert "Not found in the catalog:\n  The Hobbit (J.R.R. Tolkien)" in run.stdout


def test_recommend_personal_list_with_explanations(client, popular_books) -> None:
    reader = _reader(popular_books)
    response = client.post("/api/recommend", json={"books": reader, "top_n": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "personal" and len(body["recommendations"]) == 5
    assert [m["method"] for m in body["matches"]] == ["picked"] * 3
    assert [m["title"] for m in body["matches"]] == [b[1] for b in popular_books[:3]]
    listed = {b["book_id"] for b in reader}
    for item in body["recommendations"]:
        assert item["book_id"] not in listed
        assert item["predicted_rating"] is not None and 1 <= item["predicted_rating"] <= 5
        assert "next_in_series" in item and "avg_rating" in item
    explained = [i for i in body["recommendations"] if i["because"]]
    assert explained, "no recommendation says which liked book it comes from"
    assert all(r["book_id"] in listed for i in explained for r in i["because"])
    # the one ranker's explanation: the similarity each reason rests on
    assert explained[0]["because_text"].startswith(("close in content to ", "readers of "))


def test_recommend_agrees_with_the_recommender(client, popular_books) -> None:
    """The API only passes the list on: same books, same order as the Recommender's."""
    recommender = client.app.state.service.load().recommender
    listed = [(t, a, r) for (_, t, a), r in zip(popular_books[:2], (5, 3), strict=True)]
    titles = [{"title": t, "author": a, "rating": r} for t, a, r in listed]
    body = client.post("/api/recommend", json={"books": titles, "top_n": 8}).json()
    direct = recommender.recommend(
        [ReaderBook(title=t, author=a, rating=r) for t, a, r in listed], 8
    )
    assert [i["book_id"] for i in body["recommendations"]] == [i.book_id for i in direct.items]


def test_the_command_line_gives_the_pages_list(client, web_warehouse, popular_books) -> None:
    """`bookrec recommend` and the page's API give one list for the same typed books: a liked,
    an unrated and a disliked one (issue 18's "Done when")."""
    listed = [(t, a, r) for (_, t, a), r in zip(popular_books[:3], (5, None, 2), strict=True)]
    typed = [{"title": t, "author": a, "rating": r} for t, a, r in listed]
    page = client.post("/api/recommend", json={"books": typed, "top_n": 8}).json()
    books = [arg for t, a, r in listed for arg in ("--book", f"{t}|{a}|{r or ''}")]
    run = subprocess.run(
        [sys.executable, "-m", "bookrec.serving.cli", "recommend", "--warehouse"]
        + [str(web_warehouse), *books, "--top", "8", "--min-num-ratings", "0", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert cli["mode"] == page["mode"] == "personal"
    assert len(page["recommendations"]) == 8

    def shown(result: dict) -> list[tuple]:
        return [
            (i["book_id"], i["predicted_rating"], i["because_text"])
            for i in result["recommendations"]
        ]

    assert shown(cli) == shown(page)


def test_recommend_reports_matched_ambiguous_and_not_found(client, popular_books) -> None:
    _, title, author = popular_books[3]
    books = [
        {"title": title.upper(), "author": author, "rating": 4},
        {"title": "A Book That Nobody Ever Wrote", "author": "Zed Nobody"},
        {"book_id": 123, "rating": 3},
    ]
    body = client.post("/api/recommend", json={"books": books}).json()
    assert [m["status"] for m in body["matches"]] == ["matched", "not_found", "not_found"]
    assert body["matches"][0]["title"] == title
    assert "123" in body["matches"][2]["note"]
    assert body["counts"]["matched"] == 1 and body["counts"]["not_found"] == 2


def test_unrated_books_give_similar_mode_and_nothing_gives_baseline(client, popular_books):
    unrated = [{"book_id": b[0]} for b in popular_books[:2]]
    body = client.post("/api/recommend", json={"books": unrated}).json()
    assert body["mode"] == "similar"
    assert all(i["predicted_rating"] is None for i in body["recommendations"])
    nothing = client.post("/api/recommend", json={"books": [{"title": "Qwxz Zyxw"}]}).json()
    assert nothing["mode"] == "baseline" and nothing["recommendations"]


def test_more_like_this_skips_the_book_and_the_excluded(client, popular_books) -> None:
    book_id = popular_books[0][0]
    first = client.post("/api/similar", json={"book_id": book_id, "top_n": 3}).json()
    assert first["book"]["book_id"] == book_id
    ids = [i["book_id"] for i in first["recommendations"]]
    assert len(ids) == 3 and book_id not in ids
    # the only book a "more like this" list can rest on is the seed; a book close to it by less
    # than the ranker's evidence floor is listed without one (its reason then says why else)
    because = [r["book_id"] for i in first["recommendations"] for r in i["because"]]
    assert because and set(because) == {book_id}
    assert all(i["reason_text"] for i in first["recommendations"])
    again = client.post(
        "/api/similar", json={"book_id": book_id, "exclude": ids[:1], "top_n": 3}
    ).json()
    assert ids[0] not in [i["book_id"] for i in again["recommendations"]]
    unknown = client.post("/api/similar", json={"book_id": 42})
    assert unknown.status_code == 400 and "42" in unknown.json()["error"]
    assert "remove the book and add it again" in unknown.json()["error"]  # what to do


@pytest.mark.parametrize(
    ("payload", "status", "says"),
    [
        ({"books": [{"title": "Dune", "rating": 6}]}, 422, "books.0.rating"),
        ({"books": [{"title": "Dune", "rating": 0}]}, 422, "books.0.rating"),
        ({"books": [{"title": "Dune", "rating": "five"}]}, 422, "books.0.rating"),
        ({"books": [{"title": "Dune"}], "colour": "red"}, 422, "colour: unknown field"),
        ({"books": [{"title": "Dune", "stars": 5}]}, 422, "books.0.stars: unknown field"),
        ({"books": []}, 422, "books"),
        ({"books": [{"author": "Frank Herbert"}]}, 422, "books.0: give a book_id or a title"),
        ({"books": [{"title": "Dune"}], "top_n": 0}, 422, "top_n"),
        ({"books": [{"title": "Dune"}], "top_n": 5000}, 422, "top_n"),
        ({"books": [{"title": f"Book {i}"} for i in range(10_000)]}, 400, "at most 5000"),
    ],
)
def test_bad_recommend_requests_get_a_4xx_json_error(client, payload, status, says) -> None:
    response = client.post("/api/recommend", json=payload)
    assert response.status_code == status
    assert says in response.json()["error"]


def test_malformed_requests_and_unknown_parameters(client) -> None:
    bad_json = client.post(
        "/api/recommend", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 422 and "not valid JSON" in bad_json.json()["error"]
    # JSON sent as plain text arrives as a string, not an object: the header is what is wrong
    as_text = client.post("/api/recommend", content=b'{"books": [{"title": "Dune"}]}')
    assert as_text.status_code == 422
    assert "send a JSON object (Content-Type: application/json)" in as_text.json()["error"]
    unknown = client.get("/api/books?q=the&sort=title")
    assert unknown.status_code == 422 and "sort: unknown field" in unknown.json()["error"]
    assert client.get("/api/books?q=the&limit=0").status_code == 422
    assert (
        client.post("/api/recommend?debug=1", json={"books": [{"title": "x"}]}).status_code == 422
    )
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    assert client.get("/api/recommend").status_code == 405


def test_goodreads_import_matches_the_export(client, popular_books) -> None:
    (id1, t1, a1), (_, t2, a2) = popular_books[:2]
    rows = [
        {"Book Id": "1", "Title": t1, "Author": a1, "My Rating": "5", "Exclusive Shelf": "read"},
        {"Book Id": "2", "Title": t2, "Author": a2, "My Rating": "0", "Exclusive Shelf": "to-read"},
        {"Book Id": "3", "Title": "Never Written", "Author": "No One", "My Rating": "3",
         "Exclusive Shelf": "read"},
    ]  # fmt: skip
    response = client.post(
        "/api/import/goodreads",
        files={"file": ("goodreads_library_export.csv", _export(rows), "text/csv")},
    )
    assert response.status_code == 200
    body = response.json()
    assert [m["status"] for m in body["matches"]] == ["matched", "matched", "not_found"]
    assert body["matches"][0]["book_id"] == id1 and body["matches"][0]["rating"] == 5
    assert body["matches"][1]["rating"] is None  # 0 stars = not rated
    assert [m["shelf"] for m in body["matches"]] == ["read", "to-read", "read"]
    assert [m["wanted"] for m in body["matches"]] == [False, True, False]
    assert body["counts"] == {
        "matched": 2, "matched_exact": 2, "not_found": 1, "wanted": 1, "abandoned": 0
    }  # fmt: skip


def test_import_reads_an_unrated_did_not_finish_book_as_one_star(client, popular_books) -> None:
    (id1, t1, a1), (id2, t2, a2) = popular_books[:2]
    rows = [
        {"Book Id": "1", "Title": t1, "Author": a1, "My Rating": "0", "Exclusive Shelf": "dnf"},
        {"Book Id": "2", "Title": t2, "Author": a2, "My Rating": "5", "Exclusive Shelf": "read"},
    ]
    response = client.post("/api/import/goodreads", files={"file": ("e.csv", _export(rows))})
    body = response.json()
    assert [(m["book_id"], m["rating"], m["abandoned_on"]) for m in body["matches"]] == [
        (id1, 1, "dnf"),
        (id2, 5, None),
    ]
    assert body["counts"]["abandoned"] == 1 and body["counts"]["wanted"] == 0


def test_import_takes_a_plain_list_of_books_as_a_spreadsheet_saves_it(
    client, popular_books
) -> None:
    (id1, t1, a1), (id2, t2, _) = popular_books[:2]
    # semicolons, Windows-1252 and a header in other case: what Excel saves in many locales
    sheet = f"Title;Author;Rating\n{t1};{a1};4\n{t2};;\n".encode("cp1252")
    response = client.post("/api/import/goodreads", files={"file": ("my books.csv", sheet)})
    assert response.status_code == 200
    body = response.json()
    assert [(m["book_id"], m["rating"]) for m in body["matches"]] == [(id1, 4), (id2, None)]
    assert [m["shelf"] for m in body["matches"]] == [None, None]


def test_to_read_books_are_never_history_and_never_suggested(client, popular_books) -> None:
    reader = _reader(popular_books)
    plain = client.post("/api/recommend", json={"books": reader, "top_n": 5}).json()
    shelved = [{"book_id": i["book_id"], "shelf": "to-read"} for i in plain["recommendations"][:2]]
    body = client.post("/api/recommend", json={"books": reader + shelved, "top_n": 5}).json()
    suggested = [i["book_id"] for i in body["recommendations"]]
    assert body["mode"] == "personal" and not {b["book_id"] for b in shelved} & set(suggested)
    assert body["counts"]["history"] == plain["counts"]["history"] == 3
    assert "2 on your to-read shelves left out" in body["summary"]
    # only to-read books: nothing to learn from, so the best-rated books, the shelf left out
    alone = client.post("/api/recommend", json={"books": shelved, "top_n": 5}).json()
    assert alone["mode"] == "baseline" and alone["counts"]["history"] == 0
    assert not {b["book_id"] for b in shelved} & {i["book_id"] for i in alone["recommendations"]}
    assert "to-read" in alone["summary"]


def test_every_book_has_one_reason_in_a_readers_words(client, popular_books) -> None:
    jargon = ("alpha", "raw space", "trained space", "co-rating", "similarity", "cosine", "blend")
    for books in (_reader(popular_books), [{"book_id": b[0]} for b in popular_books[:2]]):
        body = client.post("/api/recommend", json={"books": books, "top_n": 10}).json()
        assert not any(word in body["summary"].lower() for word in jargon), body["summary"]
        if body["mode"] == "personal":
            assert "blend alpha" in body["message"]  # the settings stay in the JSON
        titles = {t for _, t, _ in popular_books}
        for item in body["recommendations"]:
            text = item["reason_text"]
            assert text and not any(word in text.lower() for word in jargon), text
            assert sum(t in text for t in titles) <= 2 and len(text) < 160
            assert item["because_text"] is not None  # the numbers stay in the JSON
    book_id = popular_books[0][0]
    similar = client.post("/api/similar", json={"book_id": book_id, "top_n": 3}).json()
    assert all(i["reason_text"] for i in similar["recommendations"])


def test_ambiguous_candidates_carry_what_tells_them_apart(client, popular_books) -> None:
    """A title typed short of its end, without an author, is near a book but not surely it
    (the fuzzy step): an ambiguous match whose candidates say who wrote them and how read they
    are, for the reader to pick from."""
    book_id, title, author = popular_books[0]
    body = client.post("/api/recommend", json={"books": [{"title": title[:-3]}]}).json()
    (match,) = body["matches"]
    assert match["status"] == "ambiguous", match
    assert book_id in [c["book_id"] for c in match["candidates"]]
    for c in match["candidates"]:
        assert {"author", "avg_rating", "num_ratings"} <= set(c)
        assert c["author"] and c["num_ratings"] > 0


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b"", 400, "empty file"),
        (bytes(range(256)) * 40, 400, "an encoding this does not read"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), 400, "a picture (PNG), not a CSV file of books"),
        (b"%PDF-1.7\n" + bytes(range(256)), 400, "a PDF, not a CSV file of books"),
        (b"Title,Author\x00\nDune,Frank Herbert\n", 400, "not a text CSV"),
        (b"name,author\nDune,Frank Herbert\n", 400, "no 'title' column"),
        (b"Title,Author,My Rating,Exclusive Shelf\nDune,Herbert,9,read\n", 400, "outside 1 to 5"),
        # refused by its Content-Length, then within the allowance: read, then refused
        (b"x" * (6 * 1024 * 1024), 413, "the file is larger than the 5 MB bookrec takes"),
        (b"x" * (5 * 1024 * 1024 + 10), 413, "the file is larger than the 5 MB"),
    ],
)
def test_bad_uploads_get_a_4xx_json_error(client, content, status, says) -> None:
    response = client.post("/api/import/goodreads", files={"file": ("export.csv", content)})
    assert response.status_code == status
    assert says in response.json()["error"]


def test_import_without_a_file_or_with_other_fields(client) -> None:
    response = client.post("/api/import/goodreads", data={"other": "x"})
    assert response.status_code == 422 and "file" in response.json()["error"]
    extra = client.post(
        "/api/import/goodreads", data={"shelf": "read"}, files={"file": ("e.csv", b"Title\n")}
    )
    assert extra.status_code == 422 and "shelf: unknown field" in extra.json()["error"]
    two = client.post(
        "/api/import/goodreads",
        files=[("file", ("a.csv", b"Title\nDune\n")), ("file", ("b.csv", b"Title\nEmma\n"))],
    )
    assert two.status_code == 422 and "one file at a time (2 were sent)" in two.json()["error"]


def test_too_many_books_in_an_upload(web_warehouse, popular_books) -> None:
    small = TestClient(create_app(web_warehouse, WebConfig(max_books=2), EVERYONE))
    rows = [{"Title": t, "Author": a, "My Rating": "4", "Exclusive Shelf": "read"}
            for _, t, a in popular_books[:3]]  # fmt: skip
    response = small.post("/api/import/goodreads", files={"file": ("e.csv", _export(rows))})
    assert response.status_code == 400 and "at most 2" in response.json()["error"]


def test_openapi_documents_the_api(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/books", "/api/recommend", "/api/import/goodreads", "/api/health"):
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_docs_and_favicon_are_served_from_here(client) -> None:
    """/docs and /redoc load every script and style from this server (they work offline)."""
    import re

    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        urls = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page.text)
        urls += re.findall(r"url: *'([^']+)'", page.text)
        assert urls and all(u.startswith("/") for u in urls), urls
        assert "googleapis" not in page.text and "cdn" not in page.text.lower()
        for url in urls:
            assert client.get(url).status_code == 200, url
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")


def test_missing_warehouse_names_the_flow_and_is_picked_up_once_built(
    tmp_path, web_warehouse
) -> None:
    target = tmp_path / "later.duckdb"
    client = TestClient(create_app(target, recommend_config=EVERYONE))
    page = client.get("/")
    assert page.status_code == 503 and "flows.prepare_data" in page.text and "make all" in page.text
    health = client.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"
    search = client.get("/api/books?q=the")
    assert search.status_code == 503 and "flows.prepare_data" in search.json()["error"]
    shutil.copy(web_warehouse, target)
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/").status_code == 200


def test_unembedded_warehouse_names_the_embed_flow(tmp_path) -> None:
    client = TestClient(create_app(build_tiny_warehouse(tmp_path / "tiny.duckdb")))
    page = client.get("/")
    assert page.status_code == 503 and "flows.embed" in page.text


def test_warehouse_is_opened_read_only_and_released(tmp_path, web_warehouse) -> None:
    copy = Path(shutil.copy(web_warehouse, tmp_path / "copy.duckdb"))
    before = copy.read_bytes()
    client = TestClient(create_app(copy, recommend_config=EVERYONE))
    assert client.get("/api/health").json()["status"] == "ok"
    assert copy.read_bytes() == before
    with connect(copy) as con:  # no lock held: a flow may rebuild it while the page runs
        con.execute("create table touched (x int)")


def test_setup_page_escapes_what_it_shows(tmp_path) -> None:
    text = setup_page("<script>alert(1)</script> missing", tmp_path / "<b>w</b>.duckdb")
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>w</b>" not in text


def test_serve_binds_localhost_unless_told() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)
