"""The demo world: a seeded generative model of books, authors, readers and their ratings.

- 12 genres, each with its own vocabulary. A book has a primary genre (mostly its author's)
  and sometimes a secondary one; its title, description and genre shelves are built from
  those vocabularies, so that a sentence encoder places books of one genre together.
- Each book has a quality q (author quality plus noise) and a popularity; each user a
  bias b and a taste t_g for every genre. A user's rating of book i is
  ``clip(round(3.8 + q_i + b_u + sum_g theta_ig t_ug + noise), 1, 5)``, theta_i being the
  book's genre weights (2/3 primary, 1/3 secondary; 1 when it has one genre).
- Users rate books of the genres they like more often (softmax of taste) and popular books
  more often; the book's Goodreads-wide star counts (numRatings, ratingsByStars, rating) follow
  the same model averaged over all readers, so the average rating knows q but not the taste:
  what a user liked before is real signal beyond the book average.

One `numpy.random.Generator(seed)` draws everything, in a fixed order: same seed, same world.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from bookrec.demo.vocabulary import (
    FICTION_TITLE_TEMPLATES,
    FIRST_NAMES,
    GENRES,
    NONFICTION_TITLE_TEMPLATES,
    SURNAMES,
    Genre,
)
from bookrec.errors import ConfigError

MIN_BOOKS = 50
MIN_USERS = 10
DEFAULT_RATINGS_PER_USER = (20, 180)

# The model's constants (see the module docstring).
BASE_RATING = 3.8
TASTE_SD = 0.75
USER_BIAS_SD = 0.35
AUTHOR_QUALITY_SD = 0.2
BOOK_QUALITY_SD = 0.28
NOISE_SD = 0.75
GENRE_CHOICE_STRENGTH = 1.2  # how strongly taste steers which books a user reads
SECONDARY_GENRE_SHARE = 0.35
SHARD_SHARE = 0.6  # share of Best Books Ever books that the shards also describe
SHARD_ONLY_SHARE = 0.06  # books in the shards only (relative to n_books)
RATING_ONLY_SHARE = 0.03  # books named only by the rating files
NO_RATING_USER_SHARE = 0.02


@dataclass
class Catalog:
    """Every book of the demo world: latent model values and the text the files show."""

    genre: np.ndarray  # primary genre
    genre2: np.ndarray  # secondary genre, -1 for none
    quality: np.ndarray
    num_ratings: np.ndarray
    stars: np.ndarray  # (n, 5) Goodreads-wide counts of 1..5 stars
    author: np.ndarray
    goodreads_id: np.ndarray
    role: np.ndarray  # 0 Best Books Ever, 1 shard only, 2 ratings only
    in_shard: np.ndarray
    title: list[str]  # without series
    full_title: list[str]  # with the Goodreads series suffix, as shards and ratings show it
    series: list[str]  # Best Books Ever form "Name #3", "" for none
    description: list[str]
    characters: list[list[str]]
    places: list[list[str]]


def check_args(n_books: int, n_users: int, seed: int, ratings_per_user) -> tuple[int, int]:
    for name, value in (("n_books", n_books), ("n_users", n_users), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ConfigError(f"{name} must be a whole number; got {value!r}")
    if n_books < MIN_BOOKS:
        raise ConfigError(f"the demo catalog needs at least {MIN_BOOKS} books; got {n_books}")
    if n_users < MIN_USERS:
        raise ConfigError(f"the demo catalog needs at least {MIN_USERS} users; got {n_users}")
    if seed < 0:
        raise ConfigError(f"seed must be zero or positive; got {seed}")
    if ratings_per_user is None:
        low, high = DEFAULT_RATINGS_PER_USER
        high = min(high, n_books // 2)
        low = min(low, high)
    else:
        try:
            low, high = (int(x) for x in ratings_per_user)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"ratings_per_user must be a pair (low, high); got {ratings_per_user!r}"
            ) from exc
        if not 1 <= low <= high <= n_books // 2:
            raise ConfigError(
                f"ratings_per_user must satisfy 1 <= low <= high <= n_books / 2 = "
                f"{n_books // 2}; got ({low}, {high})"
            )
    return low, high


def title_key(title: str) -> str:
    """Python twin of the SQL main_title_key macro, for the ASCII titles made here: the title
    before its subtitle, lower case, apostrophes dropped, other punctuation read as spaces."""
    main = title.split(":", 1)[0].lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", main).split())


def _pick(options: tuple[str, ...], draw: int) -> str:
    return options[draw % len(options)]


def _make_title(genre: Genre, draws: np.ndarray, template: int) -> str:
    templates = FICTION_TITLE_TEMPLATES if genre.fiction else NONFICTION_TITLE_TEMPLATES
    noun = _pick(genre.nouns, draws[1])
    noun2 = genre.nouns[(draws[1] + 1 + draws[2] % (len(genre.nouns) - 1)) % len(genre.nouns)]
    return templates[template].format(
        adj=_pick(genre.adjectives, draws[0]),
        noun=noun,
        noun2=noun2,
        name=_pick(FIRST_NAMES, draws[3]),
        subtitle=_pick(genre.subtitles, draws[4]) if genre.subtitles else "",
    )


def _make_titles(rng: np.random.Generator, genre: np.ndarray) -> list[str]:
    """Titles from each book's genre words. The merge matches rating titles on the title key,
    then on the main title (before a subtitle): main titles are unique, so every rating title
    names its own book."""
    n = len(genre)
    titles = [""] * n
    taken: set[str] = set()
    todo = np.arange(n)
    for attempt in range(12):
        draws = rng.integers(0, 1 << 30, size=(len(todo), 5))
        # short templates first, the combinatorially large ones once short ones collide
        low = 0 if attempt < 2 else 3
        templates = rng.integers(low, 6, size=len(todo))
        left = []
        for k, i in enumerate(todo):
            title = _make_title(GENRES[genre[i]], draws[k], templates[k])
            key = title_key(title)
            if key in taken:
                left.append(i)
            else:
                taken.add(key)
                titles[i] = title
        todo = np.array(left, dtype=np.int64)
        if not len(todo):
            break
    for i in todo:  # a huge catalog: number the rest, still unique
        base = _make_title(GENRES[genre[i]], rng.integers(0, 1 << 30, size=5), 0)
        k = 2
        while title_key(f"{base} {k}") in taken:
            k += 1
        titles[i] = f"{base} {k}"
        taken.add(title_key(titles[i]))
    return titles


def _sentence(genre: Genre, template: int, draws: np.ndarray, name: str) -> str:
    text = genre.sentences[template % len(genre.sentences)].format(
        hero=_pick(genre.heroes, draws[0]),
        place=_pick(genre.places, draws[1]),
        thing=_pick(genre.things, draws[2]),
        threat=_pick(genre.threats, draws[3]),
        name=name,
    )
    return text[0].upper() + text[1:]


def _make_descriptions(
    rng: np.random.Generator, genre: np.ndarray, genre2: np.ndarray
) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Two or three sentences of the primary genre, one of the secondary; named characters
    and settings as Best Books Ever lists them."""
    n = len(genre)
    draws = rng.integers(0, 1 << 30, size=(n, 3, 4))
    templates = rng.integers(0, 1 << 30, size=(n, 3))
    names = rng.integers(0, len(FIRST_NAMES), size=n)
    lengths = rng.integers(2, 4, size=n)
    descriptions, characters, places = [], [], []
    for i in range(n):
        g = GENRES[genre[i]]
        name = FIRST_NAMES[names[i]]
        first = templates[i, 0] % len(g.sentences)
        second = (first + 1 + templates[i, 1] % (len(g.sentences) - 1)) % len(g.sentences)
        parts = [_sentence(g, first, draws[i, 0], name), _sentence(g, second, draws[i, 1], name)]
        if genre2[i] >= 0:
            parts.append(_sentence(GENRES[genre2[i]], templates[i, 2], draws[i, 2], name))
        elif lengths[i] == 3:
            others = [t for t in range(len(g.sentences)) if t not in (first, second)]
            third = others[templates[i, 2] % len(others)]
            parts.append(_sentence(g, third, draws[i, 2], name))
        descriptions.append(" ".join(parts))
        used_name = any("{name}" in g.sentences[t % len(g.sentences)] for t in (first, second))
        characters.append([name] if g.fiction and used_name else [])
        places.append([_pick(g.places, draws[i, 0, 1])] if g.fiction else [])
    return descriptions, characters, places


def _make_authors(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    initials = "ABCDEFGHJKLMNPRSTW"
    while len(names) < n:
        first = rng.integers(0, len(FIRST_NAMES), size=n)
        last = rng.integers(0, len(SURNAMES), size=n)
        middle = rng.integers(-len(initials), len(initials), size=n)
        for f, s, m in zip(first, last, middle, strict=True):
            mid = f" {initials[m]}." if m >= 0 else ""
            name = f"{FIRST_NAMES[f]}{mid} {SURNAMES[s]}"
            if name not in taken:
                taken.add(name)
                names.append(name)
                if len(names) == n:
                    break
    return names


def _star_probabilities(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(1..5 stars) when a rating is a rounded, clipped normal(mean, sd)."""
    cuts = np.array([1.5, 2.5, 3.5, 4.5])
    cdf = ndtr((cuts[None, :] - mean[:, None]) / sd[:, None])
    cdf = np.concatenate([np.zeros((len(mean), 1)), cdf, np.ones((len(mean), 1))], axis=1)
    probs = np.diff(cdf, axis=1)
    return probs / probs.sum(axis=1, keepdims=True)


def _make_catalog(
    rng: np.random.Generator, n_books: int, taste_mean: np.ndarray, genre_share: np.ndarray
) -> tuple[Catalog, list[str], np.ndarray]:
    n_shard_only = max(1, round(SHARD_ONLY_SHARE * n_books))
    n_rating_only = max(1, round(RATING_ONLY_SHARE * n_books))
    n = n_books + n_shard_only + n_rating_only
    n_genres = len(GENRES)

    n_authors = max(n_genres, n // 4)
    author_names = _make_authors(rng, n_authors)
    author_genre = rng.choice(n_genres, size=n_authors, p=genre_share)
    author_weight = rng.lognormal(0.0, 1.0, size=n_authors)
    author_quality = rng.normal(0.0, AUTHOR_QUALITY_SD, size=n_authors)
    goodreads_author = rng.random(n_authors) < 0.3

    author = rng.choice(n_authors, size=n, p=author_weight / author_weight.sum())
    genre = np.where(
        rng.random(n) < 0.85, author_genre[author], rng.choice(n_genres, size=n, p=genre_share)
    )
    genre2 = np.where(
        rng.random(n) < SECONDARY_GENRE_SHARE,
        (genre + rng.integers(1, n_genres, size=n)) % n_genres,
        -1,
    )
    quality = author_quality[author] + rng.normal(0.0, BOOK_QUALITY_SD, size=n)
    log_popularity = rng.normal(0.0, 1.2, size=n) + 1.5 * quality
    num_ratings = np.maximum(5, np.round(np.exp(6.5 + log_popularity))).astype(np.int64)

    # Goodreads-wide stars: the rating model averaged over every reader (taste drawn anew).
    weights = np.where(genre2 >= 0, 2 / 3, 1.0)
    taste_at = taste_mean[genre] * weights + np.where(genre2 >= 0, taste_mean[genre2] / 3, 0.0)
    spread = np.sqrt(
        USER_BIAS_SD**2 + NOISE_SD**2 + TASTE_SD**2 * (weights**2 + (1 - weights) ** 2)
    )
    probs = _star_probabilities(BASE_RATING + quality + taste_at, spread)
    stars = rng.multinomial(num_ratings, probs)

    role = np.repeat(np.array([0, 1, 2]), [n_books, n_shard_only, n_rating_only])
    rng.shuffle(role)
    in_shard = (role == 1) | ((role == 0) & (rng.random(n) < SHARD_SHARE))
    goodreads_id = rng.permutation(np.cumsum(rng.integers(1, 6, size=n)))

    titles = _make_titles(rng, genre)
    series, full_titles = _make_series(rng, titles, author, genre)
    descriptions, characters, places = _make_descriptions(rng, genre, genre2)
    catalog = Catalog(
        genre=genre,
        genre2=genre2,
        quality=quality,
        num_ratings=num_ratings,
        stars=stars,
        author=author,
        goodreads_id=goodreads_id,
        role=role,
        in_shard=in_shard,
        title=titles,
        full_title=full_titles,
        series=series,
        description=descriptions,
        characters=characters,
        places=places,
    )
    return catalog, author_names, goodreads_author


def _make_series(
    rng: np.random.Generator, titles: list[str], author: np.ndarray, genre: np.ndarray
) -> tuple[list[str], list[str]]:
    """Some authors write their fiction books of one genre as a numbered series."""
    series = [""] * len(titles)
    full = list(titles)
    order = np.lexsort((np.arange(len(author)), genre, author))
    starts = np.flatnonzero(
        np.r_[True, (np.diff(author[order]) != 0) | (np.diff(genre[order]) != 0)]
    )
    ends = np.r_[starts[1:], len(order)]
    draws = rng.random(len(starts))
    words = rng.integers(0, 1 << 30, size=len(starts))
    for start, end, draw, word in zip(starts, ends, draws, words, strict=True):
        g = GENRES[genre[order[start]]]
        if end - start < 2 or draw > 0.4 or not g.fiction:
            continue
        first_title = titles[order[start]]
        name = f"{_pick(g.places, word).removeprefix('the ').title()} {g.series_word}"
        if len(first_title) < 30 and word % 3 == 0:
            name = f"{first_title.removeprefix('The ')} {g.series_word}"
        for number, i in enumerate(order[start : min(end, start + 7)], start=1):
            series[i] = f"{name} #{number}"
            full[i] = f"{titles[i]} ({name}, #{number})"
    return series, full


def _make_users(
    rng: np.random.Generator, n_users: int, low: int, high: int, taste_mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per user: genre tastes (n_users, n_genres), a rating bias, and how many books they rate."""
    taste = taste_mean[None, :] + rng.normal(0.0, TASTE_SD, size=(n_users, len(GENRES)))
    bias = rng.normal(0.0, USER_BIAS_SD, size=n_users)
    counts = rng.integers(low, high + 1, size=n_users)
    counts[rng.random(n_users) < NO_RATING_USER_SHARE] = 0
    return taste, bias, counts


def _make_ratings(
    rng: np.random.Generator,
    catalog: Catalog,
    taste: np.ndarray,
    bias: np.ndarray,
    counts: np.ndarray,
    genre_share: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who rated what and how: (user, book, stars) arrays, grouped by user, vectorized.

    Each draw picks a genre (softmax of the user's taste, weighted by the genre's size) and then
    a book of that genre in proportion to its popularity; repeated books are dropped and each
    user keeps at most their count.
    """
    n_users, n_genres = taste.shape
    # draws per user in proportion to their count, plus slack for duplicates
    per_user = np.ceil(counts * 1.3).astype(np.int64) + (counts > 0)
    user = np.repeat(np.arange(n_users), per_user)
    n_draws = len(user)

    logits = GENRE_CHOICE_STRENGTH * taste + np.log(genre_share)[None, :]
    genre_p = np.exp(logits - logits.max(axis=1, keepdims=True))
    genre_cdf = np.cumsum(genre_p / genre_p.sum(axis=1, keepdims=True), axis=1)
    genre_cdf[:, -1] = 1.0
    u = rng.random(n_draws)
    genre = (genre_cdf[user] < u[:, None]).sum(axis=1)

    # One concatenated popularity CDF: genre g's books occupy (g, g + 1].
    by_genre = np.argsort(catalog.genre, kind="stable")
    sorted_genre = catalog.genre[by_genre]
    weight = catalog.num_ratings[by_genre].astype(np.float64) ** 0.8
    totals = np.bincount(sorted_genre, weights=weight, minlength=n_genres)
    cum = np.cumsum(weight)
    starts = np.r_[0.0, np.cumsum(totals)[:-1]]
    cdf = sorted_genre + (cum - starts[sorted_genre]) / totals[sorted_genre]
    empty = totals == 0
    genre = np.where(empty[genre], sorted_genre[rng.integers(0, len(by_genre), n_draws)], genre)
    position = np.searchsorted(cdf, genre + rng.random(n_draws) * (1 - 1e-12), side="left")
    book = by_genre[np.minimum(position, len(by_genre) - 1)]

    # Drop repeated (user, book) pairs, keep a random subset of each user's count.
    priority = rng.random(n_draws)
    order = np.lexsort((priority, user))
    user, book = user[order], book[order]
    key = user.astype(np.int64) * len(catalog.genre) + book
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(n_draws, dtype=bool)
    keep[first] = True
    user, book = user[keep], book[keep]
    group_start = np.searchsorted(user, np.arange(n_users))
    rank = np.arange(len(user)) - group_start[user]
    keep = rank < counts[user]
    user, book = user[keep], book[keep]

    weights = np.where(catalog.genre2[book] >= 0, 2 / 3, 1.0)
    affinity = weights * taste[user, catalog.genre[book]] + np.where(
        catalog.genre2[book] >= 0, taste[user, np.maximum(catalog.genre2[book], 0)] / 3, 0.0
    )
    latent = (
        BASE_RATING
        + catalog.quality[book]
        + bias[user]
        + affinity
        + rng.normal(0.0, NOISE_SD, size=len(user))
    )
    stars = np.clip(np.rint(latent), 1, 5).astype(np.int8)
    return user, book, stars


@dataclass
class World:
    """Everything the files show: the catalog, its authors and who rated what.

    author_names / goodreads_author: per author, the name and whether Goodreads marks them.
    user / book / stars: one entry per rating, grouped by user (row numbers of the catalog).
    counts: ratings per user (0 for the users who rate nothing).
    """

    catalog: Catalog
    author_names: list[str]
    goodreads_author: np.ndarray
    user: np.ndarray
    book: np.ndarray
    stars: np.ndarray
    counts: np.ndarray


def make_world(rng: np.random.Generator, n_books: int, n_users: int, low: int, high: int) -> World:
    """Draw the whole world from rng, in a fixed order (same seed, same world)."""
    genre_share = rng.dirichlet(np.full(len(GENRES), 8.0))
    taste_mean = rng.normal(0.0, 0.15, size=len(GENRES))
    catalog, author_names, goodreads_author = _make_catalog(rng, n_books, taste_mean, genre_share)
    taste, bias, counts = _make_users(rng, n_users, low, high, taste_mean)
    user, book, stars = _make_ratings(rng, catalog, taste, bias, counts, genre_share)
    return World(catalog, author_names, goodreads_author, user, book, stars, counts)
