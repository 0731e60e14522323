"""Why a book is on a reader's list: the reader's books behind each item (Evidence), for the
reasons the page and the CLI print (bookrec.serving.reasons).

Per item, the liked (or listed) books closest to it in who read them (co-rating cosine) and in
content (text cosine, between texts that say more than title and author); where neither space
has one above its floor, the reader's best-rated book by the item's author, else the book of
theirs whose readers here read it most, when most of them did, else the one whose Goodreads
genres are closest to its own, at a cosine of at least MIN_GENRE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bookrec.embedding.vectors import BookVectors
from bookrec.lists.candidates import Candidates, names_an_author
from bookrec.lists.features import Features
from bookrec.lists.works import Works

# A similarity below this explains nothing (cosines of unrelated books sit around 0.2-0.3).
MIN_TEXT = 0.45
MIN_CORATING = 0.3
# "co_read" evidence: at least this share of at least this many readers of the reader's book
# (a share of 3 readers says little)
MIN_CO_READ_SHARE = 0.4
MIN_CO_READERS = 10
# "corating" evidence ("Readers who loved X also loved this") rests on a book at least this
# many readers here read (fewer than co_read's, which names their share): ALS gives a book
# one reader read that reader's taste, and "readers who loved Blink" was one reader's other
# books (Mansfield Park, Circe, Yes Please)
MIN_CORATING_READERS = 5
# "genre" evidence: the cosine of two books' genre rows (bookrec.lists.genres: up to 8 genres
# each, unit rows: k shared of n and m is k / sqrt(n m)) at least this, half of them shared
# where both have as many, as "The Chronicles of Narnia" and "The Hobbit" (fantasy, classics,
# children's, adventure, ...). 4 of 8 and 8 computes to 0.49999999999999994: compared with
# GENRE_ROUNDING of room.
MIN_GENRE = 0.5
GENRE_ROUNDING = 1e-9


@dataclass(frozen=True)
class Evidence:
    """A liked book behind an item: which space, and the cosine there."""

    book_id: int
    # "text" (close in content), "corating" (liked by the same readers), "author" (by the
    # author of that book, and nothing else to say: similarity 1), "co_read" (read by that
    # share of the readers here who read that book, and nothing else to say) or "genre"
    # (close to that book's Goodreads genres: the cosine of their genre rows, and nothing
    # else to say)
    kind: str
    similarity: float


def list_evidence(
    cands: Candidates,
    text: BookVectors,
    works: Works | None,
    author_of: Mapping[int, str],
    feats: Features,
    ids: np.ndarray,
    ratings: np.ndarray,
    chosen: list[int],
    because_count: int,
) -> list[tuple[Evidence, ...]]:
    """Per chosen candidate (position in cands), the reader's books behind it: the
    because_count closest liked books in each space (_closest), else one by its author
    (_by_their_author), else one whose readers read it (read_by_their_readers), else one
    whose genres it shares (by_shared_genres). ids, ratings: the reader's books as the list
    reads them; author_of: the author of any of them."""
    told = None
    if cands.described is not None:
        told = np.outer(cands.described[chosen], text.described_of(feats.liked_ids))
    evidence = _closest(
        feats,
        chosen,
        because_count,
        told,
        cands.book_ids[chosen] if chosen else None,
        _read_by_enough(cands, works, feats.liked_ids),
    )
    if because_count > 0:
        evidence = _by_their_author(
            cands, author_of, ids, ratings, feats.liked_ids, chosen, evidence
        )
        evidence = read_by_their_readers(cands, works, feats.liked_ids, chosen, evidence)
        evidence = by_shared_genres(cands, feats.liked_ids, chosen, evidence)
    return evidence


def _read_by_enough(
    cands: Candidates, works: Works | None, liked_ids: np.ndarray
) -> np.ndarray | None:
    """Per liked book, whether at least MIN_CORATING_READERS readers here read its work (None:
    no ratings to count, every book)."""
    columns = _columns_read_by(cands, works, liked_ids, MIN_CORATING_READERS)
    return None if columns is None else columns >= 0


def _columns_read_by(
    cands: Candidates, works: Works | None, liked_ids: np.ndarray, at_least: int
) -> np.ndarray | None:
    """Per liked book, its work's column among the readers here, -1 where fewer than at_least
    of them read it (None: no readers to count, or no liked book)."""
    readers = cands.co_readers
    if readers is None or not len(liked_ids):
        return None
    columns = readers.columns_of_books(works, liked_ids)
    enough = np.zeros(len(columns), bool)
    enough[columns >= 0] = readers.readers_of[columns[columns >= 0]] >= at_least
    return np.where(enough, columns, -1)


def _closest(
    feats: Features,
    chosen: list[int],
    count: int,
    told: np.ndarray | None = None,
    chosen_ids: np.ndarray | None = None,
    read_by_enough: np.ndarray | None = None,
) -> list[tuple[Evidence, ...]]:
    """Per chosen candidate, the `count` liked books closest to it in each space (co-rating
    first), those above the space's floor; in the text space only pairs whose texts both say
    more than title and author (told: chosen x liked books; None: every pair), since a title
    alone says nothing of story and style; in the co-rating space only liked books enough
    readers here read (read_by_enough: per liked book; None: all). Never the candidate itself
    (chosen_ids: their book ids), which a book read in for the features only
    (bookrec.lists.books_read) may be."""
    found: list[list[Evidence]] = [[] for _ in chosen]
    itself = None
    if chosen_ids is not None:
        itself = np.asarray(chosen_ids)[:, None] == feats.liked_ids[None, :]
    for kind, floor in (("corating", MIN_CORATING), ("text", MIN_TEXT)):
        if len(feats.liked_ids) == 0 or not chosen or count <= 0:
            continue
        rows = feats.liked_cosines(kind, chosen)
        if kind == "text" and told is not None:
            rows = np.where(told, rows, -np.inf)
        if kind == "corating" and read_by_enough is not None:
            rows = np.where(read_by_enough[None, :], rows, -np.inf)
        if itself is not None and itself.any():
            rows = np.where(itself, -np.inf, rows)
        best = np.argsort(-rows, axis=1, kind="stable")[:, :count]
        for i, (row, columns) in enumerate(zip(rows, best, strict=True)):
            for j in columns.tolist():
                if row[j] >= floor:
                    found[i].append(Evidence(int(feats.liked_ids[j]), kind, float(row[j])))
    return [tuple(f) for f in found]


def _by_their_author(
    cands: Candidates,
    author_of: Mapping[int, str],
    ids: np.ndarray,
    ratings: np.ndarray,
    liked_ids: np.ndarray,
    chosen: list[int],
    evidence: list[tuple[Evidence, ...]],
) -> list[tuple[Evidence, ...]]:
    """An item with no evidence in either space that is by the author of a liked (or
    listed) book rests on that book, the reader's best rated of that author's: a same-author
    book known here by its title alone would otherwise read "Widely read" (a scan of 600
    real readers cut to 3 books: 35 of 4,670 items, such as John Grisham's "The Pelican
    Brief" for a reader of "The Firm")."""
    bare = {cands.authors[pos] for pos, found in zip(chosen, evidence, strict=True) if not found}
    bare = {a for a in bare if names_an_author(a)}  # not "More by Anonymous"
    if not bare or not len(liked_ids):
        return evidence
    stars = dict(zip(ids.tolist(), np.nan_to_num(ratings, nan=0.0).tolist(), strict=True))
    best_of: dict[str, int] = {}
    for book in liked_ids.tolist():  # the first of the best rated, in the reader's order
        author = author_of.get(book)
        if author in bare and stars[book] > stars.get(best_of.get(author), -1.0):
            best_of[author] = book
    out = []
    for pos, found in zip(chosen, evidence, strict=True):
        book = best_of.get(cands.authors[pos])
        if not found and book is not None:
            found = (Evidence(book, "author", 1.0),)
        out.append(found)
    return out


def read_by_their_readers(
    cands: Candidates,
    works: Works | None,
    liked_ids: np.ndarray,
    chosen: list[int],
    evidence: list[tuple[Evidence, ...]],
) -> list[tuple[Evidence, ...]]:
    """An item with no evidence yet that most readers here of a liked (or listed) book
    read too rests on that book, the one whose readers read it most: the widely read books
    a few-book reader's list puts forward come from there (the re-ranker's share of
    co-readers, bookrec.lists.coreaders), and "Widely loved" hid it ("79% of the readers
    here who read “The Hobbit” read it too")."""
    readers = cands.co_readers
    bare = [i for i, found in enumerate(evidence) if not found]
    given = _columns_read_by(cands, works, liked_ids, MIN_CO_READERS)
    if readers is None or given is None or not bare:
        return evidence
    items = cands.co_reader_cols[np.asarray(chosen, np.int64)[bare]]
    shares = readers.shares(given, items)  # liked books x bare items
    best = shares.argmax(axis=0)
    out = list(evidence)
    for i, j, share in zip(bare, best.tolist(), shares.max(axis=0).tolist(), strict=True):
        if share >= MIN_CO_READ_SHARE:
            out[i] = (Evidence(int(liked_ids[j]), "co_read", share),)
    return out


def by_shared_genres(
    cands: Candidates,
    liked_ids: np.ndarray,
    chosen: list[int],
    evidence: list[tuple[Evidence, ...]],
) -> list[tuple[Evidence, ...]]:
    """An item with no evidence yet whose Goodreads genres are close to a liked (or listed)
    book's (cosine >= MIN_GENRE) rests on that book, the closest: "Widely loved" hid what it
    shares ("Like “Sapiens”: history, science" for "Guns, Germs, and Steel"), which the score
    of a few-book reader or "more like this" weighs (bookrec.lists.genres) and a whole
    history's does not (there it explains the item, it does not restate the score)."""
    genres = cands.genres
    bare = [i for i, found in enumerate(evidence) if not found]
    if genres is None or cands.genre_rows is None or not bare or not len(liked_ids):
        return evidence
    items = np.asarray(chosen, np.int64)[bare]
    cosines = genres.cosines(cands.genre_rows[items], genres.rows_of(liked_ids))
    # never the item itself (a book read in for the features only may be chosen: _closest)
    itself = cands.book_ids[items][:, None] == liked_ids[None, :]
    cosines[itself] = -1.0
    best = cosines.argmax(axis=1)  # the first of the closest, in the reader's order
    out = list(evidence)
    for i, j, cosine in zip(bare, best.tolist(), cosines.max(axis=1).tolist(), strict=True):
        if cosine >= MIN_GENRE - GENRE_ROUNDING:
            out[i] = (Evidence(int(liked_ids[j]), "genre", cosine),)
    return out
