"""The list's constraints: what a reader's list may not hold, given their books and the works
(bookrec.lists.works), and the pick of the top under the caps.

Constraints, in order: nothing already read in any form (bookrec.lists.works.Works.already_read:
editions, containing collections, derivatives and companions); one edition per work (the
most-rated candidate); in a series the reader has read, only the main entries that directly
follow one they have (whole-numbered, not read, after the earliest they have: #4 after #3, #2
and #4 after #1 and #3, #4 after a #1-3 box set; never #1 after #3, a #1.1 split, a #0.5
novella, or #3 after #1 where no #2 is a candidate), and only if they liked the series and
disliked none of it ("next in series"); in another series, only its
first main entry among the candidates, and only if that is where the series starts (#1, or its
earliest entry the works know: never #2 of a series whose #1 is no candidate); no derivative or
companion of a work these rules keep out (not Chuck Dixon's graphic novel of The Hobbit where
Tolkien's is barred); at most
max_per_author / max_per_series per list; a book the blend predicts the reader would rate
below min_predicted only after every other (bookrec.lists.reader_list).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bookrec.config import ListConfig
from bookrec.lists.candidates import Candidates, reader_roles
from bookrec.lists.works import Works
from bookrec.sorted_ids import in_sorted, positions


@dataclass(frozen=True)
class SeriesLayout:
    """What the works rules need of the candidates, computed once per candidate set (not per
    reader), so a reader's blocked books are a few sorted-array look-ups.

    code: series code of each candidate (-1: none), an index into names (every series the
    works know); position: its position in that series (#2 -> 2.0); order: the positions of
    main series members (whole-numbered positions, no box sets), by series, then position in
    it, then row; minor: members at a fractional position (#0.5 novellas, #1.1 split parts)
    and box sets of a series that has main members among the candidates: never a series'
    entry point; start: per series (names), where a reader new to it may enter it: its
    earliest main entry the works know, candidate or not, or #1 when that is earlier (a #0
    prequel such as The Hobbit does not bar The Fellowship of the Ring).
    The rest indexes Works (bookrec.lists.works) for already_read() and the series rules:
    every book it knows (sorted) with its work, series code and position; the collections;
    the works that have editions; the candidates by book id and by work; and (candidate, work)
    pairs where the candidate is a collection containing, or a derivative of, that work;
    for derivatives_of_blocked, each candidate's work as a dense code with the candidates of
    each work, and (derivative, source work's code) pairs.
    """

    code: np.ndarray
    names: list[str]
    position: np.ndarray
    order: np.ndarray
    minor: np.ndarray
    start: np.ndarray
    book_ids: np.ndarray
    book_work: np.ndarray
    book_series: np.ndarray
    book_position: np.ndarray
    book_reach: np.ndarray
    collections: np.ndarray
    contains: dict[int, frozenset[int]]
    edition_works: np.ndarray
    by_id: tuple[np.ndarray, np.ndarray]
    by_work: tuple[np.ndarray, np.ndarray]
    by_related_work: tuple[np.ndarray, np.ndarray]
    work_code: np.ndarray
    work_candidates: np.ndarray
    derived_pos: np.ndarray
    derived_source: np.ndarray

    @classmethod
    def build(cls, cands: Candidates, works: Works) -> SeriesLayout:
        names: dict[str, int] = {}
        book_ids = np.array(sorted(set(works.work_of) | set(works.series_of)), np.int64)
        book_work = np.array([works.work(b) for b in book_ids.tolist()], np.int64)
        book_series = np.array(
            [
                names.setdefault(works.series_of[b], len(names)) if b in works.series_of else -1
                for b in book_ids.tolist()
            ],
            np.int64,
        )
        book_position = np.array(
            [works.position_of.get(b, np.nan) for b in book_ids.tolist()], np.float64
        )
        ids = cands.book_ids.tolist()
        code = np.full(len(ids), -1, np.int64)
        position = np.zeros(len(ids), np.float64)
        for i, b in enumerate(ids):
            series = works.series_of.get(b)
            if series is not None:
                code[i] = names[series]
                position[i] = works.position_of[b]
        # a box set (#1-7) shares #1's position: it must not stand for the series either; a
        # collection at one position ("Wool Omnibus (Silo, #1)": the parts of #1) is that entry
        ranged = works.last_position_of
        boxed = np.fromiter((b in ranged for b in ids), bool, len(ids))
        whole = (position == np.floor(position)) & ~boxed
        members = np.flatnonzero(code >= 0)
        with_main = np.unique(code[members[whole[members]]])
        minor = members[~whole[members] & np.isin(code[members], with_main)]
        members = members[~np.isin(members, minor)]
        order = members[np.lexsort((members, position[members], code[members]))]
        # where each series begins among every book the works know (box sets and fractional
        # entries aside): a series whose #1 is no candidate is not entered at #2
        known_main = (book_series >= 0) & (book_position == np.floor(book_position))
        known_main &= ~np.isin(book_ids, np.fromiter(ranged, np.int64, len(ranged)))
        start = np.full(len(names), np.inf)
        np.fmin.at(start, book_series[known_main], book_position[known_main])
        related = [
            (i, w)
            for i, b in enumerate(ids)
            for links in (works.contains, works.derived_from)
            for w in links.get(b, ())
        ]
        related_pos = np.array([i for i, _ in related], np.int64)
        related_work = np.array([w for _, w in related], np.int64)
        # each candidate's work as a dense code, and (derivative, source work's code) pairs
        # for the sources that have candidates
        cand_works = np.array([works.work(b) for b in ids], np.int64)
        distinct, work_code = np.unique(cand_works, return_inverse=True)
        derived = [(i, w) for i, b in enumerate(ids) for w in works.derived_from.get(b, ())]
        derived_pos = np.array([i for i, _ in derived], np.int64)
        sources = np.array([w for _, w in derived], np.int64)
        known = in_sorted(distinct, sources)
        return cls(
            code=code,
            names=list(names),
            position=position,
            order=order,
            minor=minor,
            start=np.maximum(start, 1.0),
            book_ids=book_ids,
            book_work=book_work,
            book_series=book_series,
            book_position=book_position,
            # how far into its series a book takes the reader: a box set to its range's end
            book_reach=np.array(
                [
                    works.last_position_of.get(b, p)
                    for b, p in zip(book_ids.tolist(), book_position.tolist(), strict=True)
                ],
                np.float64,
            ),
            collections=np.array(sorted(works.contains), np.int64),
            contains=works.contains,
            edition_works=np.array(sorted(works.editions_of), np.int64),
            by_id=_sorted_index(cands.book_ids, np.arange(len(ids))),
            by_work=_sorted_index(cand_works, np.arange(len(ids))),
            by_related_work=_sorted_index(related_work, related_pos),
            work_code=work_code.astype(np.int64),
            work_candidates=np.bincount(work_code, minlength=len(distinct)),
            derived_pos=derived_pos[known],
            derived_source=np.searchsorted(distinct, sources[known]).astype(np.int64),
        )

    def derivatives_of_blocked(self, blocked: np.ndarray) -> np.ndarray:
        """Positions of the derivatives and companions one of whose sources has candidates
        and every one of them blocked: "The Hobbit" by Chuck Dixon (the graphic novel) after
        The Fellowship of the Ring, whose #0 Tolkien's The Hobbit is barred (never back
        before the earliest entry given), or a film companion of a series' #3 to a reader
        who has not reached it."""
        if not len(self.derived_pos):
            return self.derived_pos
        barred = np.bincount(self.work_code, weights=blocked, minlength=len(self.work_candidates))
        shut = barred[self.derived_source] == self.work_candidates[self.derived_source]
        return self.derived_pos[shut]

    def lookup(self, history: np.ndarray, values: np.ndarray, default: np.ndarray) -> np.ndarray:
        """values (aligned with book_ids) of each history book; `default` where unknown."""
        if len(self.book_ids) == 0:
            return default
        at = positions(self.book_ids, history)
        return np.where(at >= 0, values[at], default)

    def entry_before(self, history: np.ndarray, candidate: int) -> int | None:
        """The reader's book (of `history`) that the series entry at candidate position
        `candidate` follows: their furthest entry of its series before it (None: none)."""
        series = self.lookup(history, self.book_series, np.full(len(history), -1, np.int64))
        at = self.lookup(history, self.book_position, np.full(len(history), np.nan))
        mine = np.flatnonzero((series == self.code[candidate]) & (at < self.position[candidate]))
        if not len(mine):
            return None
        return int(history[mine[np.argmax(at[mine])]])

    def already_read(self, history: np.ndarray) -> np.ndarray:
        """Positions of the candidates Works.already_read(history) names: every edition, a
        containing collection or a derivative of a work read through these books (the books
        themselves included)."""
        read = self.lookup(history, self.book_work, history)
        collections = history[in_sorted(self.collections, history)]
        contained = [w for c in collections.tolist() for w in self.contains[c]]
        read = np.concatenate([read, np.asarray(contained, np.int64)])
        # a work without editions stands for the book of that id (Works.already_read)
        lone = read[~in_sorted(self.edition_works, read)]
        return np.concatenate(
            [
                _members(self.by_work, read),
                _members(self.by_related_work, read),
                _members(self.by_id, np.concatenate([history, lone])),
            ]
        )


def _sorted_index(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keys sorted, the values in that order): look-ups by key with searchsorted."""
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


def _members(index: tuple[np.ndarray, np.ndarray], wanted: np.ndarray) -> np.ndarray:
    """The values of every key of `index` (_sorted_index) found in `wanted`."""
    keys, values = index
    wanted = np.unique(wanted)
    lo = np.searchsorted(keys, wanted, "left")
    counts = np.searchsorted(keys, wanted, "right") - lo
    hit = counts > 0
    lo, counts = lo[hit], counts[hit]
    if not len(lo):
        return np.zeros(0, np.int64)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return values[starts + np.arange(int(counts.sum()))]


def blocked_mask(
    cands: Candidates,
    works: Works | None,
    history_ids,
    ratings,
    config: ListConfig,
    layout: SeriesLayout | None = None,
) -> tuple[np.ndarray, set[int]]:
    """(candidates that may not appear, the positions labelled "next in series").

    Blocked: every edition, collection, derivative and companion of a work the reader has
    (rated or listed); every fractional series entry (#1.1, #0.5) and box set where the series
    has whole single entries; in a series the reader has read, every entry before the earliest
    one they have (after #3, neither #1 nor #2); in a series the reader liked and disliked
    none of, every entry left but those directly after one they gave (#3, #5 and #7 after #2,
    #4 and #6: "next in series"); in every other series, all but its first main entry left, and
    that one too where they read the series, or, where they did not, when it comes after the
    series' start (SeriesLayout.start: "#2" whose #1 is no candidate); and a
    derivative or companion of a work blocked so (SeriesLayout.derivatives_of_blocked).
    ratings: NaN for a book listed without a rating (it counts as liked). `layout`
    (SeriesLayout.build) saves its per-call cost when the same candidates serve many readers.
    """
    history = np.asarray(history_ids, np.int64).reshape(-1)
    ids = cands.book_ids
    if works is None:
        return np.isin(ids, history), set()
    layout = layout or SeriesLayout.build(cands, works)
    blocked = np.zeros(len(ids), bool)
    blocked[layout.already_read(history)] = True
    blocked[layout.minor] = True
    if len(history):
        liked, disliked = reader_roles(ratings, config)
    else:
        liked = disliked = np.zeros(0, bool)
    series = layout.lookup(history, layout.book_series, np.full(len(history), -1, np.int64))
    in_series = series >= 0
    read_series = np.unique(series[in_series])
    liked_series = np.setdiff1d(series[in_series & liked], series[in_series & disliked])
    at = layout.lookup(history, layout.book_position, np.full(len(history), np.nan))
    if len(read_series):
        # A reader who gives #3 of a series has read #1 and #2, or chose not to: the next
        # entry is never one before the earliest they give (a gap after it, #2 between a
        # given #1 and #3, may be next: measured, blocking gaps too cost a quarter of the
        # full histories' NDCG@10, where the hidden books are the gaps), nor another book
        # numbered as that earliest ("The House of Silk (Sherlock Holmes, #1)", Horowitz's,
        # was "next" after A Study in Scarlet, Doyle's #1).
        earliest = np.full(len(read_series), np.inf)
        np.fmin.at(earliest, np.searchsorted(read_series, series[in_series]), at[in_series])
        members = layout.order
        slot = np.clip(np.searchsorted(read_series, layout.code[members]), 0, len(read_series) - 1)
        before = (read_series[slot] == layout.code[members]) & (
            layout.position[members] <= earliest[slot]
        )
        blocked[members[before]] = True
    open_members = layout.order[~blocked[layout.order]]
    if len(open_members) == 0:
        blocked[layout.derivatives_of_blocked(blocked)] = True
        return blocked, set()
    codes = layout.code[open_members]
    first = np.r_[True, codes[1:] != codes[:-1]]
    liked_open = np.isin(codes, liked_series)
    # past a series' first open entry; in a series the reader liked, every open entry may be
    # next (those that directly follow one they gave, below): a reader of #1, #2, #4 and #6
    # is offered #3, #5 and #7, two of them at most (ListConfig.max_per_series), where only
    # #3 was before (full histories, 3 seeds: docs/evaluation.md, "The gaps of a series")
    blocked[open_members[~first & ~liked_open]] = True
    firsts = open_members[first]
    read = np.isin(codes[first], read_series)
    liked_first = liked_open[first]
    blocked[firsts[read & ~liked_first]] = True  # a series the reader read but did not like
    # a series the reader has not read is entered at its start only: not at "#2" where #1 is
    # no candidate (no text, too few ratings, another spelling of the series)
    past_start = layout.position[firsts] > layout.start[codes[first]]
    blocked[firsts[~read & past_start]] = True
    nexts = open_members[liked_open]
    if len(nexts):
        # "next in series" follows an entry the reader gave directly (#2 after #1, #4 after a
        # #1-3 box set): not #3 where the catalog holds no #2 under any spelling
        reach = layout.lookup(history, layout.book_reach, np.full(len(history), np.nan))
        follows = _follows_a_given_entry(series, at, reach, layout, nexts)
        blocked[nexts[~follows]] = True
        nexts = nexts[follows]
    blocked[layout.derivatives_of_blocked(blocked)] = True
    return blocked, set(nexts.tolist())


def _follows_a_given_entry(
    series: np.ndarray, at: np.ndarray, reach: np.ndarray, layout: SeriesLayout, entries
) -> np.ndarray:
    """Whether each series entry (candidate positions) comes one place after how far the
    reader's books of its series before it go (a box set to its range's end: #4 after #1-3,
    not #2 or #3 inside its range); true where none of theirs comes before it."""
    follows = np.ones(len(entries), bool)
    entry_codes = layout.code[entries]
    for code in np.unique(entry_codes).tolist():
        given = np.flatnonzero(series == code)
        if not len(given):
            continue
        order = given[np.argsort(at[given], kind="stable")]
        furthest = np.maximum.accumulate(reach[order])  # over the given entries up to each
        mine = np.flatnonzero(entry_codes == code)
        wanted = layout.position[entries[mine]]
        before = np.searchsorted(at[order], wanted, side="left")  # given entries before it
        reached = np.where(before > 0, furthest[np.maximum(before - 1, 0)], wanted)
        follows[mine] = (before == 0) | (
            (wanted > np.floor(reached)) & (wanted <= np.floor(reached) + 1)
        )
    return follows


def pick(
    order: np.ndarray,
    cands: Candidates,
    works: Works | None,
    top_n: int,
    config: ListConfig,
) -> list[int]:
    """The first top_n candidate positions of `order` under the per-author / per-series caps,
    and none that is an edition, collection, derivative or companion of a book already picked
    ("The Lord of the Rings" omnibus after The Hobbit, #0 of its series)."""
    authors: dict[str, int] = {}
    series: dict[str, int] = {}
    covered: set[int] = set()
    chosen: list[int] = []
    for i in order.tolist():
        book = int(cands.book_ids[i])
        author = cands.authors[i]
        s = works.series_of.get(book) if works is not None else None
        if author and authors.get(author, 0) >= config.max_per_author:
            continue
        if s is not None and series.get(s, 0) >= config.max_per_series:
            continue
        if book in covered:
            continue
        if works is not None:
            related = works.already_read([book])
            # a collection picked later would cover a book picked earlier: test both ways
            if any(int(cands.book_ids[j]) in related for j in chosen):
                continue
            covered |= related
        chosen.append(i)
        if author:
            authors[author] = authors.get(author, 0) + 1
        if s is not None:
            series[s] = series.get(s, 0) + 1
        if len(chosen) == top_n:
            break
    return chosen


def sequels_first(order: np.ndarray, next_up: set[int], count: int) -> np.ndarray:
    """`order` with its first `count` next-in-series positions moved to the front, in their
    order (ListConfig.sequels_first); the rest keep theirs."""
    if count <= 0 or not next_up:
        return order
    is_next = np.isin(order, np.fromiter(next_up, np.int64, len(next_up)))
    lead = np.flatnonzero(is_next)[:count]
    if not len(lead):
        return order
    rest = np.ones(len(order), bool)
    rest[lead] = False
    return np.concatenate([order[lead], order[rest]])


def sequels_before_their_authors(
    order: np.ndarray, next_up: set[int], authors: list[str]
) -> np.ndarray:
    """`order` with each author's next-in-series entries in the first of that author's places
    (those ranked past `order` joining it, at its end; the reader's shortlist holds them:
    ListRanker._kept): the per-author cap (pick) then keeps the series
    the reader is in ("Guards! Guards!" listed unrated beside rated books: Men at Arms, City
    Watch #2, ranked past The Color of Magic and Small Gods, which took Pratchett's two
    places). The other authors' books keep theirs."""
    if not next_up:
        return order
    nexts = np.fromiter(next_up, np.int64, len(next_up))
    order = np.concatenate([order, np.setdiff1d(nexts, order)])
    theirs = {authors[p] for p in next_up} - {""}
    places: dict[str, list[int]] = {}
    for at, pos in enumerate(order.tolist()):
        if authors[pos] in theirs:
            places.setdefault(authors[pos], []).append(at)
    for at_list in places.values():
        books = order[at_list]
        first = np.isin(books, nexts)
        if first.any() and not first[: first.sum()].all():
            order[at_list] = np.concatenate([books[first], books[~first]])
    return order


def rank(score: np.ndarray, blocked: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` best unblocked candidates, best first."""
    score = np.where(blocked, -np.inf, score)
    depth = min(depth, int((~blocked).sum()))
    if depth <= 0:
        return np.zeros(0, np.int64)
    top = np.argpartition(-score, depth - 1)[:depth]
    return top[np.argsort(-score[top], kind="stable")]
