"""The synthetic demo catalog: original layouts, determinism, a full prepare, real taste signal."""

from __future__ import annotations

import ast
import csv
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from bookrec.config import DataConfig
from bookrec.demo.__main__ import main
from bookrec.demo.files import BBE_COLUMNS, SHARD1_COLUMNS, SHARD2_COLUMNS
from bookrec.demo.generator import GENERATOR_VERSION, write_demo_dataset
from bookrec.demo.vocabulary import GENRE_NAMES
from bookrec.errors import ConfigError
from bookrec.warehouse import prepare
from bookrec.warehouse.connection import connect
from bookrec.warehouse.layouts import LAYOUTS_BY_NAME, NO_RATING_TEXT, RATING_TEXTS
from bookrec.warehouse.sources import check_header, find_source_files

PREPARE_BOOKS, PREPARE_USERS, PREPARE_SEED = 300, 60, 11


def _files(folder: Path) -> dict[str, bytes]:
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths}


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "catalog"
    return write_demo_dataset(folder, n_books=120, n_users=40, seed=3)


def test_same_seed_same_bytes_other_seed_other_files(small_demo, tmp_path):
    again = write_demo_dataset(tmp_path / "again", n_books=120, n_users=40, seed=3)
    other = write_demo_dataset(tmp_path / "other", n_books=120, n_users=40, seed=4)
    first = _files(small_demo.folder)
    assert first == _files(again.folder)
    second = _files(other.folder)
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


# sha256 over the files (name, then bytes) of write_demo_dataset(folder, 60, 12, seed=5), as
# written by generator v1 before its word lists moved to vocabulary.json. A change to the words,
# their order or the model changes every demo catalog: bump GENERATOR_VERSION (so cached demo
# folders are not reused), then write the new digest here.
DIGEST_V1_60_12_5 = "89314231289e83c70d8d86cea805e9bb6c784c79ea7c58e567a79ae0a3304f25"


def test_generator_v1_still_writes_its_bytes(tmp_path):
    write_demo_dataset(tmp_path / "demo", n_books=60, n_users=12, seed=5)
    digest = hashlib.sha256()
    for name, data in _files(tmp_path / "demo").items():
        digest.update(name.encode() + b"\0" + data)
    assert (GENERATOR_VERSION, digest.hexdigest()) == (1, DIGEST_V1_60_12_5)


def test_rewriting_a_demo_folder_replaces_it_whole(tmp_path):
    folder = tmp_path / "demo"
    write_demo_dataset(folder, n_books=100, n_users=2500, seed=1, ratings_per_user=(1, 3))
    summary = write_demo_dataset(folder, n_books=100, n_users=20, seed=1)
    written = {p.relative_to(folder) for p in folder.rglob("*.csv")}
    assert written == {p.relative_to(folder) for p in summary.files}
    assert not list(tmp_path.glob(".demo.tmp-*"))


def test_every_file_is_found_and_has_its_original_header(small_demo):
    found = find_source_files([small_demo.folder])
    assert [p.name for p in found.files["best_books_ever"]] == ["books_1.Best_Books_Ever.csv"]
    assert [p.name for p in found.files["book_shards"]] == ["book1-100k.csv", "book100k-200k.csv"]
    assert len(found.files["user_ratings"]) == len(small_demo.files) - 3
    assert set(found.files) == {"best_books_ever", "book_shards", "user_ratings"}
    expected = {
        "books_1.Best_Books_Ever.csv": list(BBE_COLUMNS),
        "book1-100k.csv": list(SHARD1_COLUMNS),
        "book100k-200k.csv": list(SHARD2_COLUMNS),
    }
    for name, paths in found.files.items():
        for path in paths:
            header = check_header(path, LAYOUTS_BY_NAME[name])
            assert header == expected.get(path.name, ["ID", "Name", "Rating"])
    assert len(BBE_COLUMNS) == 25
    # The real Best Books Ever header quotes every name but the first and the last.
    first_line = (small_demo.folder / "best_books_dataset/books_1.Best_Books_Ever.csv").open()
    assert first_line.readline().startswith('bookId,"title","series","author",')


def test_rating_files_look_like_the_originals(small_demo):
    texts = set(RATING_TEXTS)
    paths = sorted(
        (small_demo.folder / "all_books_dataset").glob("user_rating_*.csv"),
        key=lambda p: int(p.name.split("_")[2]),
    )
    assert [p.name for p in paths] == [
        "user_rating_0_to_20.csv",
        "user_rating_20_to_40.csv",
    ]
    seen_users, no_rating_lines, n_rows = set(), 0, 0
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(b"ID,Name,Rating\r\n")
        assert data.count(b"\n") == data.count(b"\r\n") > 1  # CRLF on every line
        low, high = (int(x) for x in re.findall(r"\d+", path.name))
        for user_id, name, rating in list(csv.reader(data.decode().splitlines()))[1:]:
            assert low <= int(user_id) < high
            seen_users.add(int(user_id))
            if rating == NO_RATING_TEXT:
                assert name == "Rating"
                no_rating_lines += 1
            else:
                assert rating in texts and name.strip()
                n_rows += 1
    assert seen_users == set(range(40))
    assert n_rows == small_demo.n_ratings
    assert no_rating_lines == small_demo.n_users_without_ratings


def test_best_books_ever_values_follow_the_original_conventions(small_demo):
    path = small_demo.folder / "best_books_dataset/books_1.Best_Books_Ever.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == small_demo.n_books == 120
    for row in rows:
        assert re.fullmatch(r"\d+-[a-z0-9]+(-[a-z0-9]+)*", row["bookId"])
        genres = ast.literal_eval(row["genres"])
        assert genres and genres[0] in {tag for g in GENRE_NAMES for tag in (g, "Nonfiction")}
        assert isinstance(ast.literal_eval(row["characters"]), list)
        assert isinstance(ast.literal_eval(row["awards"]), list)
        stars = [int(x) for x in ast.literal_eval(row["ratingsByStars"])]  # 5 stars first
        assert sum(stars) == int(row["numRatings"]) > 0
        average = sum(s * c for s, c in zip(range(5, 0, -1), stars, strict=True)) / sum(stars)
        assert float(row["rating"]) == pytest.approx(average, abs=0.006)
        assert re.fullmatch(r"\d{13}", row["isbn"])
    assert any(row["isbn"] == "9999999999999" for row in rows)
    assert any(row["author"].endswith(" (Goodreads Author)") for row in rows)
    assert any(row["series"] for row in rows)
    assert sum(1 for row in rows if row["description"]) > 0.8 * len(rows)


def test_bad_arguments_raise_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="at least 50 books"):
        write_demo_dataset(tmp_path / "a", n_books=49, n_users=20, seed=1)
    with pytest.raises(ConfigError, match="at least 10 users"):
        write_demo_dataset(tmp_path / "a", n_books=100, n_users=9, seed=1)
    with pytest.raises(ConfigError, match="ratings_per_user"):
        write_demo_dataset(
            tmp_path / "a", n_books=100, n_users=20, seed=1, ratings_per_user=(5, 80)
        )
    with pytest.raises(ConfigError, match="seed"):
        write_demo_dataset(tmp_path / "a", n_books=100, n_users=20, seed=-1)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a demo")
    with pytest.raises(ConfigError, match="not empty"):
        write_demo_dataset(foreign, n_books=100, n_users=20, seed=1)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_command_line_writes_and_reports_mistakes_in_one_line(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "cli"), "--books", "60", "--users", "12"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "60 Best Books Ever books" in out[0] and "12 users" in out[0]
    assert main(["--out", str(tmp_path / "bad"), "--books", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: the demo catalog needs at least 50 books; got 10"]


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """A demo catalog through every prepare stage, like flows.prepare_data --demo."""
    root = tmp_path_factory.mktemp("demo_wh")
    summary = write_demo_dataset(
        root / "data", n_books=PREPARE_BOOKS, n_users=PREPARE_USERS, seed=PREPARE_SEED
    )
    db_path = root / "test.duckdb"
    chosen = prepare.choose_sources(DataConfig(data_dir=summary.folder))
    prepare.load_raw(db_path, chosen.files)
    prepare.clean(db_path)
    prepare.merge(db_path)
    prepare.check(db_path)
    return summary, db_path


def test_prepare_builds_books_and_ratings_from_the_demo(demo_warehouse):
    summary, db_path = demo_warehouse
    report = {(s, m): v for s, m, v in prepare.match_report(db_path)}
    with connect(db_path, read_only=True) as con:
        n_books, n_title_only, n_merged = con.execute(
            "select count(*), count(*) filter (source = 'user_ratings'), "
            "count(*) filter (len(sources) = 2) from books"
        ).fetchone()
        n_ratings, n_users = con.execute(
            "select count(*), count(distinct user_id) from ratings"
        ).fetchone()
        reasons = con.execute("select distinct reason from rejected_rows").fetchall()
    # Every Best Books Ever and shard book is one book; shard rows of BBE books merged into it.
    assert n_books - n_title_only == summary.n_books + summary.n_shard_only_books
    assert n_merged == summary.n_shard_books - summary.n_shard_only_books
    assert 0 < n_title_only <= summary.n_rating_only_books
    # Every rating row lands in `ratings`; only users without ratings are rejected.
    assert n_ratings == summary.n_ratings
    assert n_users == PREPARE_USERS - summary.n_users_without_ratings
    assert [r[0] for r in reasons] == ["user has no ratings"]
    matched = report[("rating rows", "title")] + report.get(("rating rows", "main title"), 0)
    assert matched >= 0.9 * summary.n_ratings
    assert report[("rows in", "best_books_ever")] == PREPARE_BOOKS


def test_garbled_descriptions_are_repaired(demo_warehouse):
    summary, db_path = demo_warehouse
    raw = (summary.folder / "best_books_dataset/books_1.Best_Books_Ever.csv").read_text()
    assert "cafÃ©" in raw or "fiancÃ©e" in raw  # UTF-8 read as cp1252, like real copies
    with connect(db_path, read_only=True) as con:
        garbled, repaired = con.execute(
            "select count(*) filter (description like '%Ã%'), "
            "count(*) filter (description similar to '.*(café|fiancée).*') from books"
        ).fetchone()
    assert garbled == 0 and repaired > 0


def _user_genre_table(db_path: Path):
    with connect(db_path, read_only=True) as con:
        return con.execute(
            "select r.user_id, r.rating, b.avg_rating, "
            "if(b.genres[1] = 'Nonfiction', b.genres[2], b.genres[1]) as genre "
            "from ratings r join books b using (book_id) "
            "where len(b.genres) > 0 order by r.user_id, r.book_id"
        ).df()


def test_genre_taste_is_real_signal(demo_warehouse):
    _, db_path = demo_warehouse
    table = _user_genre_table(db_path)
    rng = np.random.default_rng(0)

    def spread_of_genre_means(frame) -> float:
        # per user: variance of the mean rating per genre, genres with >= 3 ratings
        means = frame.groupby(["user_id", "genre"])["rating"].agg(["mean", "size"])
        means = means[means["size"] >= 3]
        return float(means.groupby("user_id")["mean"].var().mean())

    observed = spread_of_genre_means(table)
    shuffled = [
        spread_of_genre_means(
            table.assign(genre=table.groupby("user_id")["genre"].transform(rng.permutation))
        )
        for _ in range(5)
    ]
    # shuffled, the spread is only the sampling noise of each genre's mean
    assert observed > 1.5 * np.mean(shuffled)


def test_a_users_genre_history_beats_the_book_average(demo_warehouse):
    """Per-user Spearman on hidden ratings: book average vs book average + the user's
    deviation from it on books of the same genre (a crude content recommender)."""
    _, db_path = demo_warehouse
    table = _user_genre_table(db_path)
    rng = np.random.default_rng(0)
    baseline, personal = [], []
    for _, rows in table.groupby("user_id"):
        hidden = rng.random(len(rows)) < 0.25
        test, train = rows[hidden], rows[~hidden]
        if len(test) < 5 or test["rating"].nunique() < 2:
            continue
        deviation = (train["rating"] - train["avg_rating"]).groupby(train["genre"]).mean()
        predicted = test["avg_rating"] + test["genre"].map(deviation).fillna(0.0)
        baseline.append(spearmanr(test["avg_rating"], test["rating"])[0])
        personal.append(spearmanr(predicted, test["rating"])[0])
    assert len(baseline) > 40
    assert np.nanmean(baseline) > 0.1  # the book average is informative...
    assert np.nanmean(personal) > np.nanmean(baseline) + 0.05  # ...taste adds to it
