"""The demo world written in the exact layouts of the Kaggle files: Best Books Ever (every
name quoted but the first and last), the two book*.csv shards in their own column orders, and
user_rating_<a>_to_<b>.csv with CRLF line ends. Each writer draws its own details (dates,
pages, shelves, garbled copies) from the shared rng, in a fixed order."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bookrec.demo.vocabulary import FIRST_NAMES, FORMATS, GENRES, PUBLISHERS, SURNAMES
from bookrec.demo.world import Catalog, World
from bookrec.errors import ConfigError
from bookrec.warehouse.layouts import NO_RATING_TEXT, RATING_TEXTS
from bookrec.warehouse.sources import SYNTHETIC_MARKER

MARKER = SYNTHETIC_MARKER
USERS_PER_FILE = 1000  # like the originals: user_rating_0_to_1000.csv, 1000_to_2000, ...


def _columns(header: str) -> tuple[str, ...]:
    return tuple(header.split(","))


BBE_COLUMNS = _columns(
    "bookId,title,series,author,rating,description,language,isbn,genres,characters,"
    "bookFormat,edition,pages,publisher,publishDate,firstPublishDate,awards,numRatings,"
    "ratingsByStars,likedPercent,setting,coverImg,bbeScore,bbeVotes,price"
)
SHARD1_COLUMNS = _columns(
    "Id,Name,RatingDist1,pagesNumber,RatingDist4,RatingDistTotal,PublishMonth,PublishDay,"
    "Publisher,CountsOfReview,PublishYear,Language,Authors,Rating,RatingDist2,RatingDist5,"
    "ISBN,RatingDist3"
)
SHARD2_COLUMNS = _columns(
    "Name,Authors,Id,Rating,Description,Count of text reviews,RatingDistTotal,pagesNumber,"
    "PublishYear,Language,ISBN,RatingDist1,RatingDist2,RatingDist3,RatingDist4,"
    "RatingDist5,Publisher,PublishMonth,PublishDay,CountsOfReview"
)
STAR_TEXTS = {stars: text for text, stars in RATING_TEXTS.items()}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _quoted(values: pd.Series) -> pd.Series:
    return '"' + values.str.replace('"', '""', regex=False) + '"'


def _garbled(text: str, garble: bool) -> str:
    """Some real Best Books Ever copies carry UTF-8 read as cp1252 ("cafÃ©" for "café")."""
    if not garble or text.isascii():
        return text
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _list_texts(items: list[list[str]]) -> list[str]:
    return [repr(list(x)) for x in items]


@dataclass(frozen=True)
class _Printing:
    """Per Best Books Ever row: the edition's dates, pages, ISBN and price draw."""

    year: np.ndarray
    month: np.ndarray
    day: np.ndarray
    first_year: np.ndarray
    pages: np.ndarray
    isbn: np.ndarray
    price: np.ndarray


def _bbe_authors(rng: np.random.Generator, world: World, rows: np.ndarray) -> list[str]:
    """The author, "(Goodreads Author)" where Goodreads marks one, sometimes an illustrator
    (children's books) or an editor after a comma."""
    catalog = world.catalog
    n = len(rows)
    authors = []
    coauthor = rng.random(n) < 0.08
    illustrator = rng.integers(0, len(SURNAMES), size=n)
    for k, i in enumerate(rows):
        a = catalog.author[i]
        name = world.author_names[a] + (" (Goodreads Author)" if world.goodreads_author[a] else "")
        if coauthor[k]:
            role = "Illustrator" if GENRES[catalog.genre[i]].name == "Children's" else "Editor"
            name += f", {FIRST_NAMES[illustrator[k] % len(FIRST_NAMES)]} "
            name += f"{SURNAMES[illustrator[k]]} ({role})"
        authors.append(name)
    return authors


def _bbe_shelves(rng: np.random.Generator, catalog: Catalog, rows: np.ndarray) -> list[list[str]]:
    """Each book's Goodreads shelves: its genre's own first, a few more of its genre's, the
    secondary genre's."""
    genres_lists = []
    tag_draws = rng.integers(0, 1 << 30, size=(len(rows), 4))
    for k, i in enumerate(rows):
        g = GENRES[catalog.genre[i]]
        extra = [g.tags[1 + (tag_draws[k, j] % (len(g.tags) - 1))] for j in range(2)]
        # non-fiction shelves start with 'Nonfiction', then the genre's own ('Science', ...)
        tags = [g.tags[0], *extra] if g.fiction else [g.tags[0], g.tags[1], *extra]
        if catalog.genre2[i] >= 0:
            tags.append(GENRES[catalog.genre2[i]].tags[0])
        if tag_draws[k, 3] % 2:
            tags.append(g.tags[1 + (tag_draws[k, 3] % (len(g.tags) - 1))])
        genres_lists.append(list(dict.fromkeys(tags)))
    return genres_lists


def _bbe_awards(rng: np.random.Generator, catalog: Catalog, rows: np.ndarray) -> list[list[str]]:
    """A few books won one or two made-up prizes."""
    n = len(rows)
    awarded = rng.random(n) < 0.04
    award_year = rng.integers(1990, 2021, size=n)
    awards = []
    for k, i in enumerate(rows):
        if not awarded[k]:
            awards.append([])
            continue
        genre_name = GENRES[catalog.genre[i]].name
        awards.append(
            [
                f"Synthetic Demo Prize for {genre_name} Nominee ({award_year[k]})",
                f"Demo Readers' Choice Award ({award_year[k] + 1})",
            ][: 1 + (award_year[k] % 2)]
        )
    return awards


def _bbe_printing(rng: np.random.Generator, catalog: Catalog, rows: np.ndarray) -> _Printing:
    n = len(rows)
    year = rng.integers(1950, 2021, size=n)
    month = rng.integers(1, 13, size=n)
    day = rng.integers(1, 29, size=n)
    first_year = year - rng.integers(0, 40, size=n) * (rng.random(n) < 0.3)
    pages = np.clip(rng.normal(340, 110, size=n), 24, 1400).astype(int)
    childrens = np.array([GENRES[catalog.genre[i]].name == "Children's" for i in rows])
    pages = np.where(childrens, np.clip(pages // 5, 24, 300), pages)
    isbn = np.where(
        rng.random(n) < 0.15,
        "9999999999999",
        pd.Series(rng.integers(0, 10**8, size=n)).map("97800{:08d}".format).to_numpy(),
    )
    price = rng.random(n)
    return _Printing(year, month, day, first_year, pages, isbn, price)


def _bbe_frame(
    rng: np.random.Generator,
    catalog: Catalog,
    rows: np.ndarray,
    texts: dict[str, list],
    printing: _Printing,
) -> pd.DataFrame:
    """Every Best Books Ever column as text; texts holds the author, description, genres and
    awards columns drawn before."""
    n = len(rows)
    stars = catalog.stars[rows]
    num = catalog.num_ratings[rows]
    avg = stars @ np.arange(1, 6) / num
    liked = np.rint(100 * stars[:, 2:].sum(axis=1) / num).astype(int)
    p = printing
    columns = {
        "bookId": [f"{catalog.goodreads_id[i]}-{_slug(catalog.title[i])}" for i in rows],
        "title": [catalog.title[i] for i in rows],
        "series": [catalog.series[i] for i in rows],
        "author": texts["author"],
        "rating": [f"{x:.2f}" for x in avg],
        "description": texts["description"],
        "language": ["English"] * n,
        "isbn": list(p.isbn),
        "genres": _list_texts(texts["genres"]),
        "characters": _list_texts([catalog.characters[i] for i in rows]),
        "bookFormat": [FORMATS[x] for x in rng.integers(0, len(FORMATS), size=n)],
        "edition": ["First Edition" if x < 0.05 else "" for x in rng.random(n)],
        "pages": [str(x) for x in p.pages],
        "publisher": [PUBLISHERS[x] for x in rng.integers(0, len(PUBLISHERS), size=n)],
        "publishDate": [
            f"{m:02d}/{d:02d}/{y % 100:02d}" for m, d, y in zip(p.month, p.day, p.year, strict=True)
        ],
        "firstPublishDate": [
            f"{m:02d}/{d:02d}/{f % 100:02d}" if f != y else ""
            for m, d, y, f in zip(p.month, p.day, p.year, p.first_year, strict=True)
        ],
        "awards": _list_texts(texts["awards"]),
        "numRatings": [str(x) for x in num],
        "ratingsByStars": _list_texts([[str(c) for c in s[::-1]] for s in stars]),
        "likedPercent": [str(x) for x in liked],
        "setting": _list_texts([catalog.places[i] for i in rows]),
        "coverImg": [""] * n,
        "bbeScore": [str(x) for x in np.rint(np.sqrt(num) * 40).astype(int)],
        "bbeVotes": [str(x) for x in np.rint(np.sqrt(num) / 2).astype(int) + 1],
        "price": ["" if x < 0.3 else f"{1 + 20 * x:.2f}" for x in p.price],
    }
    return pd.DataFrame(columns)


def write_best_books_ever(path: Path, rng: np.random.Generator, world: World) -> int:
    """books_1.Best_Books_Ever.csv: every name quoted but the first and last, like the original.

    Returns:
        The number of books written.
    """
    catalog = world.catalog
    rows = np.flatnonzero(catalog.role == 0)
    rows = rows[np.argsort(-catalog.num_ratings[rows], kind="stable")]  # the list's own order
    # The draws happen in this order; changing it changes every file of a seed.
    authors = _bbe_authors(rng, world, rows)
    genres = _bbe_shelves(rng, catalog, rows)
    has_description = rng.random(len(rows)) < 0.94
    mojibake = rng.random(len(rows)) < 0.3
    awards = _bbe_awards(rng, catalog, rows)
    printing = _bbe_printing(rng, catalog, rows)
    description = [
        _garbled(catalog.description[i], mojibake[k]) if has_description[k] else ""
        for k, i in enumerate(rows)
    ]
    texts = {"author": authors, "description": description, "genres": genres, "awards": awards}
    frame = _bbe_frame(rng, catalog, rows, texts, printing)
    middle = [_quoted(frame[c]) for c in BBE_COLUMNS[1:-1]]
    lines = frame["bookId"].str.cat([*middle, frame["price"]], sep=",")
    header = ",".join([BBE_COLUMNS[0], *(f'"{c}"' for c in BBE_COLUMNS[1:-1]), BBE_COLUMNS[-1]])
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        handle.write("\n".join(lines) + "\n")
    return len(rows)


def write_shards(folder: Path, rng: np.random.Generator, world: World) -> tuple[list[Path], int]:
    """book1-100k.csv and book100k-200k.csv, in the two column orders of the originals; the
    second one has the Description column. Counts are a later scrape than Best Books Ever.

    Returns:
        The two paths and the number of books they describe.
    """
    catalog, author_names = world.catalog, world.author_names
    rows = np.flatnonzero(catalog.in_shard)
    rows = rows[np.argsort(catalog.goodreads_id[rows])]
    n = len(rows)
    scrape = rng.uniform(0.85, 1.0, size=n)
    stars = np.where(
        (catalog.role[rows] == 0)[:, None],
        rng.binomial(catalog.stars[rows], scrape[:, None]),
        catalog.stars[rows],
    )
    total = np.maximum(stars.sum(axis=1), 1)
    avg = stars @ np.arange(1, 6) / total
    reviews = np.rint(total * rng.uniform(0.02, 0.08, size=n)).astype(int)
    year = rng.integers(1950, 2021, size=n)
    described = rng.random(n) < 0.7
    frame = pd.DataFrame(
        {
            "Id": catalog.goodreads_id[rows],
            "Name": [catalog.full_title[i] for i in rows],
            "pagesNumber": np.clip(rng.normal(320, 100, size=n), 24, 1400).astype(int),
            "RatingDistTotal": [f"total:{x}" for x in total],
            "PublishMonth": rng.integers(1, 13, size=n),
            "PublishDay": rng.integers(1, 29, size=n),
            "Publisher": [PUBLISHERS[x] for x in rng.integers(0, len(PUBLISHERS), size=n)],
            "CountsOfReview": reviews,
            "PublishYear": year,
            "Language": "eng",
            "Authors": [author_names[catalog.author[i]] for i in rows],
            "Rating": [f"{x:.2f}" for x in avg],
            "ISBN": [f"{x:010d}" for x in rng.integers(0, 10**9, size=n)],
            "Description": [
                catalog.description[i] if described[k] else "" for k, i in enumerate(rows)
            ],
            "Count of text reviews": reviews,
        }
    )
    for stars_count in range(1, 6):
        frame[f"RatingDist{stars_count}"] = [
            f"{stars_count}:{x}" for x in stars[:, stars_count - 1]
        ]
    split = int(round(0.6 * n))
    paths = [folder / "book1-100k.csv", folder / "book100k-200k.csv"]
    frame.iloc[:split][list(SHARD1_COLUMNS)].to_csv(paths[0], index=False, lineterminator="\n")
    frame.iloc[split:][list(SHARD2_COLUMNS)].to_csv(paths[1], index=False, lineterminator="\n")
    return paths, n


def write_ratings(folder: Path, rng: np.random.Generator, world: World) -> list[Path]:
    """user_rating_<a>_to_<b>.csv: ID,Name,Rating with CRLF line ends, one file per id range."""
    catalog, user, book, stars, counts = (
        world.catalog,
        world.user,
        world.book,
        world.stars,
        world.counts,
    )
    n_users = len(counts)
    names = np.array(catalog.full_title, dtype=object)
    # A few books of Best Books Ever alone are rated under a subtitled title, as on Goodreads.
    subtitled = (
        (catalog.role == 0)
        & ~catalog.in_shard
        & (rng.random(len(names)) < 0.02)
        & np.array(
            [GENRES[g].fiction and ":" not in t for g, t in zip(catalog.genre, names, strict=True)]
        )
    )
    names[subtitled] = [f"{t}: A Novel" for t in names[subtitled]]
    texts = np.array([""] + [STAR_TEXTS[s] for s in range(1, 6)], dtype=object)
    silent = np.flatnonzero(counts == 0)
    ids = np.concatenate([user, silent])
    name_column = np.concatenate([names[book], np.full(len(silent), "Rating", dtype=object)])
    rating_column = np.concatenate(
        [texts[stars], np.full(len(silent), NO_RATING_TEXT, dtype=object)]
    )
    order = np.argsort(ids, kind="stable")
    frame = pd.DataFrame(
        {"ID": ids[order], "Name": name_column[order], "Rating": rating_column[order]}
    )
    per_file = USERS_PER_FILE if n_users >= 3 * USERS_PER_FILE else -(-n_users // 30) * 10
    bounds = np.searchsorted(frame["ID"].to_numpy(), np.arange(0, n_users + per_file, per_file))
    paths = []
    for k in range(len(bounds) - 1):
        low, high = k * per_file, (k + 1) * per_file
        path = folder / f"user_rating_{low}_to_{high}.csv"
        part = frame.iloc[bounds[k] : bounds[k + 1]]
        if len(part):
            part.to_csv(path, index=False, lineterminator="\r\n")
            paths.append(path)
    return paths


def prepare_folder(folder: Path) -> Path:
    """A fresh temporary sibling of folder; refuses a folder that holds someone else's files."""
    if folder.exists():
        if not folder.is_dir():
            raise ConfigError(f"{folder} exists and is not a folder")
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise ConfigError(
                f"{folder} is not empty and holds no demo catalog ({MARKER} missing); "
                "choose an empty or new folder"
            )
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "best_books_dataset").mkdir(parents=True)
    (work / "all_books_dataset").mkdir(parents=True)
    return work


def readme(summary_line: str) -> str:
    return (
        "SYNTHETIC DATA: the bookrec demo catalog.\n\n"
        "Every book, author, description, id and rating in this folder was generated by\n"
        "`python -m bookrec.demo` from word lists and a seeded random model. None of it\n"
        "describes a real book or a real reader. The files imitate the layouts of the Kaggle\n"
        'datasets "Best Books Ever" and "Goodreads Book Datasets With User Rating" so that\n'
        "bookrec can run end to end without a download.\n\n"
        f"{summary_line}\n"
    )
