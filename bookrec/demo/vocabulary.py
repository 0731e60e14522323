"""The demo catalog's words, loaded from vocabulary.json (package data): genres with their own
vocabularies, first names, surnames, publishers, formats and title templates.

Kept as data, not code, so that the word lists can be read and extended without touching the
model; every list keeps its order, which the seeded model depends on (same seed, same bytes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Genre:
    """One latent genre and the words its books are written with."""

    name: str
    tags: tuple[str, ...]  # Goodreads shelves, the genre's own first
    fiction: bool
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    places: tuple[str, ...]  # fiction: settings; non-fiction: subjects
    heroes: tuple[str, ...]  # fiction: protagonists; non-fiction: authors' roles
    things: tuple[str, ...]
    threats: tuple[str, ...]  # fiction: dangers; non-fiction: questions answered
    sentences: tuple[str, ...]  # slots: {hero} {name} {place} {thing} {threat}
    series_word: str = "Series"
    subtitles: tuple[str, ...] = ()


def _load() -> dict:
    text = resources.files("bookrec.demo").joinpath("vocabulary.json").read_text("utf-8")
    return json.loads(text)


_DATA = _load()
GENRES: tuple[Genre, ...] = tuple(
    Genre(**{k: tuple(v) if isinstance(v, list) else v for k, v in genre.items()})
    for genre in _DATA["genres"]
)
GENRE_NAMES = tuple(g.name for g in GENRES)
FIRST_NAMES: tuple[str, ...] = tuple(_DATA["first_names"])
SURNAMES: tuple[str, ...] = tuple(_DATA["surnames"])
PUBLISHERS: tuple[str, ...] = tuple(_DATA["publishers"])
FORMATS: tuple[str, ...] = tuple(_DATA["formats"])
FICTION_TITLE_TEMPLATES: tuple[str, ...] = tuple(_DATA["fiction_title_templates"])
NONFICTION_TITLE_TEMPLATES: tuple[str, ...] = tuple(_DATA["nonfiction_title_templates"])
