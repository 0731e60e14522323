"""Suggestions as the reader types: the catalog's titles and authors indexed once, at startup.

A query matches a book when every word of it begins a word of the book's title or author
("hob tolk" finds "The Hobbit" by J.R.R. Tolkien). Words are compared lower-cased, without
accents or punctuation. Books whose title begins with the query (with or without a leading
"The", "A", "An") or whose author's name holds every word of it, the surname among them,
come first, then the other hits; within each group the more rated books first ("stephen
king" is his books, "It" and "The Shining", before the companions titled "Stephen King
..."), and books only the rating files name (no Goodreads count, author or description)
after every other. Editions with the same title (series note aside) and author are shown
once (the most rated). When nothing matches (a typo: "hary poter"), each word may also be a
catalog word within rapidfuzz's ratio FUZZY_MIN of it ("harry", "potter"); a "by" between
words that find nothing is read as joining a title and its author ("dune by frank herbert").

The index is sorted lists searched by bisection (word -> books, author word -> books, full
title -> book), so a lookup costs a few binary searches plus the hits, not a scan of the
catalog.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_ARTICLE = re.compile(r"^(the|a|an) ")
_SERIES_NOTE = re.compile(r"\s*\([^()]*\)\s*$")  # "Dune (Dune, #1)" -> "Dune"
FUZZY_MIN = 75.0  # below this a "typo" suggestion is more often another book
_END = "\uffff"  # sorts after every normalized text, so [key, key + _END) is a prefix range


def normalize(text: str | None) -> str:
    """Lower case, accents dropped, every run of non-alphanumerics one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", ascii_only).strip()


@dataclass(frozen=True)
class Suggestion:
    """One catalog book offered for a query."""

    book_id: int
    title: str
    author: str | None
    avg_rating: float | None
    num_ratings: int | None


class SearchIndex:
    """Prefix search over titles and authors of a catalog frame.

    Args:
        catalog: columns book_id, title, author, avg_rating, num_ratings
            (bookrec.serving.matching.load_catalog's frame).
    """

    def __init__(self, catalog: pd.DataFrame) -> None:
        catalog = catalog.reset_index(drop=True)
        self.book_ids = catalog["book_id"].to_numpy(np.int64)
        self.titles = catalog["title"].fillna("").astype(str).tolist()
        self.authors = [a if isinstance(a, str) and a else None for a in catalog["author"]]
        avg = pd.to_numeric(catalog["avg_rating"], errors="coerce")
        num = pd.to_numeric(catalog["num_ratings"], errors="coerce")
        self.avg = [None if pd.isna(v) else float(v) for v in avg]
        self.num = [None if pd.isna(v) else int(v) for v in num]
        # popularity order: a row's position when sorted by more ratings, then smaller id
        order = np.lexsort((self.book_ids, -num.fillna(-1).to_numpy()))
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))
        self.title_keys = [normalize(t) for t in self.titles]
        author_keys = [normalize(a) for a in self.authors]
        self.identity = [
            f"{normalize(_SERIES_NOTE.sub('', t))}|{a}"
            for t, a in zip(self.titles, author_keys, strict=True)
        ]

        self._words, self._word_rows = _word_index(
            f"{t} {a}" for t, a in zip(self.title_keys, author_keys, strict=True)
        )
        self._author_words, self._author_word_rows = _word_index(author_keys)
        self._surnames = [a.rsplit(" ", 1)[-1] for a in author_keys]
        self._vocabulary = sorted(set(self._words))
        by_title = sorted(
            (form, row)
            for row, key in enumerate(self.title_keys)
            for form in {key, _ARTICLE.sub("", key)}
            if form
        )
        self._title_sorted = [k for k, _ in by_title]
        self._title_rows = np.array([r for _, r in by_title], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.book_ids)

    def _word_rows_of(self, word: str, prefix: bool, authors: bool = False) -> np.ndarray:
        """Rows holding `word` (or a word starting with it) in their title or author (authors:
        in their author's name), possibly repeated."""
        words, rows = (
            (self._author_words, self._author_word_rows)
            if authors
            else (self._words, self._word_rows)
        )
        lo = bisect.bisect_left(words, word)
        hi = bisect.bisect_left(words, word + _END if prefix else word + " ")
        return rows[lo:hi]

    def _typo_rows(self, word: str) -> np.ndarray:
        """Rows holding a word that begins with `word` or is within FUZZY_MIN of it."""
        close = process.extract(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN, limit=8
        )
        parts = [self._word_rows_of(word, prefix=True)]
        parts += [self._word_rows_of(w, prefix=False) for w, _, _ in close]
        return np.concatenate(parts)

    def _having_all(self, words: list[str], typos: bool, authors: bool = False) -> np.ndarray:
        """Rows that have every word (each as a prefix, or a near spelling when `typos`; in
        the author's name alone with `authors`)."""
        found = [
            self._typo_rows(w) if typos else self._word_rows_of(w, True, authors) for w in words
        ]
        found.sort(key=len)  # intersect from the rarest word: the later masks stay cheap
        hits = np.unique(found[0])
        for rows in found[1:]:
            if len(hits) == 0:
                break
            mask = np.zeros(len(self.book_ids), dtype=bool)
            mask[rows] = True
            hits = hits[mask[hits]]
        return hits

    def _by_author(self, words: list[str]) -> np.ndarray:
        """Rows whose author's name holds every word, one of them beginning the surname:
        "tolkien", "stephen king" and "stephen k" name an author, "rebecca" (a first name
        and a title) does not."""
        rows = self._having_all(words, typos=False, authors=True)
        named = [any(self._surnames[r].startswith(w) for w in words) for r in rows.tolist()]
        return rows[np.asarray(named, dtype=bool)] if len(rows) else rows

    def _by_popularity(self, rows: np.ndarray, keep: int) -> np.ndarray:
        """The `keep` most rated of `rows`, most rated first."""
        if len(rows) > keep:
            rows = rows[np.argpartition(self.rank[rows], keep)[:keep]]
        return rows[np.argsort(self.rank[rows], kind="stable")]

    def search(self, query: str, limit: int = 8) -> list[Suggestion]:
        """Up to `limit` books for the text typed so far (module docstring: the order)."""
        key = normalize(query)
        if not key or limit < 1:
            return []
        keep = 4 * limit  # room for editions dropped as duplicates
        lo = bisect.bisect_left(self._title_sorted, key)
        hi = bisect.bisect_left(self._title_sorted, key + _END)
        words = key.split()
        by_author = self._by_author(words)
        starts = self._by_popularity(np.union1d(self._title_rows[lo:hi], by_author), keep)
        hits = self._by_popularity(self._having_all(words, typos=False), keep)
        rows = self._distinct(self._known_first(starts, hits), limit)
        if not rows and "by" in words[1:-1]:
            # "dune by frank herbert": the reader's "by" joins a title and its author
            words = [w for w in words if w != "by"]
            hits = self._by_popularity(self._having_all(words, typos=False), keep)
            rows = self._distinct(hits, limit)
        if not rows:
            typos = self._having_all(words, typos=True)
            rows = self._distinct(self._by_popularity(typos, keep), limit)
        return [self.suggestion(r) for r in rows]

    def _known_first(self, *groups: np.ndarray) -> np.ndarray:
        """The groups' rows in order, those with a Goodreads count before those known only
        from the rating files (no author, no description: "Mistborn (Mistborn, #1)" by nobody
        after Sanderson's "The Final Empire (Mistborn, #1)", found by its series)."""
        rows = np.concatenate(groups)
        known = np.array([self.num[r] is not None for r in rows.tolist()], dtype=bool)
        return np.concatenate([rows[known], rows[~known]])

    def _distinct(self, rows: np.ndarray, limit: int) -> list[int]:
        """The first `limit` rows, one per title and author."""
        seen: set[str] = set()
        out: list[int] = []
        for row in rows.tolist():
            if self.identity[row] in seen:
                continue
            seen.add(self.identity[row])
            out.append(row)
            if len(out) == limit:
                break
        return out

    def suggestion(self, row: int) -> Suggestion:
        """The book at a catalog row."""
        return Suggestion(
            book_id=int(self.book_ids[row]),
            title=self.titles[row],
            author=self.authors[row],
            avg_rating=self.avg[row],
            num_ratings=self.num[row],
        )


def _word_index(texts) -> tuple[list[str], np.ndarray]:
    """(every (word, row) pair of the texts sorted by word: the words, their rows), for
    bisection by word prefix."""
    pairs = sorted((word, row) for row, text in enumerate(texts) for word in set(text.split()))
    return [w for w, _ in pairs], np.array([r for _, r in pairs], dtype=np.int64)
