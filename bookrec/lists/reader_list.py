"""One reader's list: the one ranking path of serving, evaluation and batch runs.

ListRanker(candidates, text, corating, works, config).recommend(book_ids, ratings, top_n) ->
[ListItem], best first, each with the similarities it rests on: the liked (or listed) books
closest in content (text cosine) and in who read them (co-rating cosine), and "next in series".
Every kind of reader goes through it: a rated history, books listed without ratings (NaN), a
mix, only dislikes, "more like this" (one unrated book), and nobody at all (no books: the
popular, well-rated list under the same rules and caps).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bookrec.config import ListConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.lists import learned
from bookrec.lists.books_read import BookReader, BooksRead
from bookrec.lists.candidates import Candidates, reader_roles, zscore
from bookrec.lists.evidence import Evidence, list_evidence
from bookrec.lists.features import BLOCK_CELLS, Features, Shortlisting, block_features
from bookrec.lists.learned import Rerankers
from bookrec.lists.rules import (
    SeriesLayout,
    blocked_mask,
    pick,
    rank,
    sequels_before_their_authors,
    sequels_first,
)
from bookrec.lists.works import Works

if TYPE_CHECKING:
    from bookrec.scoring.scorer import BlendScorer

# What a book predicted below ListConfig.min_predicted loses: more than any score spans (the
# features are z-scores times weights of a few units), so it only fills a list that runs short.
BELOW_PREDICTED = 1000.0


@dataclass(frozen=True)
class ListItem:
    book_id: int
    position: int  # row in the ranker's candidates
    score: float
    next_in_series: bool
    evidence: tuple[Evidence, ...]
    follows: int | None = None  # next in series: the reader's book it comes after


class ListRanker:
    """Candidates and vectors loaded once; `recommend` per reader, `recommend_block` for many.

    recommend is recommend_block for a block of one reader: serving, evaluation and batch runs
    get the same list for the same books whatever the block around them.
    """

    def __init__(
        self,
        cands: Candidates,
        text: BookVectors,
        corating: BookVectors | None,
        works: Works | None,
        config: ListConfig | None = None,
        predict: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        authors: Mapping[int, str] | None = None,
        layout: SeriesLayout | None = None,
        blend: BlendScorer | None = None,
        rerankers: Rerankers | None = None,
        book_reader: BookReader | None = None,
    ) -> None:
        """predict(rated_ids, ratings): the predicted rating of every candidate (in
        cands.book_ids order) from the rated books only, needed only when config.w_rating is not
        0. authors: book_id -> author of any book a reader may list (None: the candidates'), so
        the author of a disliked book that is no candidate is known too. layout: the candidates'
        SeriesLayout when the caller built it already. blend: the BlendScorer behind predict;
        over the same text vectors, its predicted ratings reuse the block's text product
        instead of a product per reader (the same numbers). rerankers: the models that
        re-order a reader's best candidates (bookrec.lists.learned; None: the linear order for
        everyone). book_reader: the BookReader of a ranker over the same candidates, shared where
        it reads books as this config does (with_config, like_this)."""
        self.cands = cands
        self.rerankers = rerankers or Rerankers()
        self.text = text
        self.corating = corating
        self.works = works
        self.config = config or ListConfig()
        self.predict = predict
        self.authors = authors
        # every author a list's reason may name: of the readers' books (authors) or, without
        # them, of the candidates
        self._author_of = authors
        if authors is None:
            self._author_of = dict(zip(cands.book_ids.tolist(), cands.authors, strict=True))
        cfg = self.config
        self.book_reader = book_reader
        if book_reader is None or not book_reader.serves(cfg.few_books, cfg.disliked_rating):
            self.book_reader = BookReader(
                cands, text, corating, works, self._author_of, cfg.few_books, cfg.disliked_rating
            )
        self.layout = layout
        if self.layout is None and works is not None:
            self.layout = SeriesLayout.build(cands, works)
        self.blend = blend if blend is not None and blend.vectors is text else None
        self._cand_means = None if self.blend is None else self.blend.means_of(cands.book_ids)
        # the shortlist's uniform sample, when the catalog is larger than a shortlist and its
        # sample (None: every list ranks every candidate)
        n = len(cands.book_ids)
        self._sample = None
        if cfg.shortlist and n > cfg.shortlist + cfg.shortlist_sample:
            self._sample = Shortlisting.sample_of(n, cfg.shortlist_sample)
        self._like_this: ListRanker | None = None  # like_this(), on first use

    def with_config(self, config: ListConfig) -> ListRanker:
        """The same candidates, vectors and rules ranked under another ListConfig."""
        return ListRanker(
            self.cands,
            self.text,
            self.corating,
            self.works,
            config,
            self.predict,
            self.authors,
            self.layout,
            self.blend,
            self.rerankers,
            self.book_reader,
        )

    def like_this(self) -> ListRanker:
        """The ranker of a "more like this" list (one seed book, unrated): popularity weighs
        ListConfig.like_this_pop of a few-book reader's, closeness in genres to the seed
        ListConfig.like_this_genre, and the re-rankers, which learned what readers read next
        rather than what is like a book, are left out; the seed's next series entry leads,
        as a rated like's does (ListConfig.sequels_first). The same candidates, rules and
        reasons; built once."""
        if self._like_this is None:
            cfg = self.config
            ranker = self.with_config(
                dataclasses.replace(
                    cfg,
                    few_w_pop=cfg.few_w_pop * cfg.like_this_pop,
                    w_genre=cfg.like_this_genre,
                    few_w_genre=cfg.like_this_genre,
                )
            )
            ranker.rerankers = Rerankers()
            ranker._like_this = ranker  # its own like_this(), and how _list knows it
            self._like_this = ranker
        return self._like_this

    def features(self, book_ids, ratings) -> Features:
        """The reader's features over the candidates (ratings NaN: listed without a rating),
        their books read as the list reads them (books_read); one book given alone, unrated,
        as its "more like this" list weighs them (like_this)."""
        ids, ratings = np.asarray(book_ids, np.int64), np.asarray(ratings, np.float64)
        if self._asks_like_this(ids, ratings):
            return self.like_this().features(ids, ratings)
        ids, ratings, *_ = self.books_read(ids, ratings)
        return next(self._block_features([(ids, ratings)]))

    def _block_features(
        self,
        readers: list[tuple[np.ndarray, np.ndarray]],
        blocked: list[np.ndarray] | None = None,
        top_n: int = 10,
        kept: list[set[int]] | None = None,
    ) -> Iterator[Features]:
        """The readers' features; with their blocked masks, over their shortlists when the
        catalog calls for them (ListConfig.shortlist, at least as deep as a top_n list ranks,
        holding the next entries of their series their lists may move up: `kept`, _kept),
        else over every candidate."""
        shortlisting = None
        size = self._shortlist_size(top_n)
        if blocked is not None and size is not None:
            held = None if kept is None else [np.fromiter(up, np.int64) for up in kept]
            shortlisting = Shortlisting(size, self._sample, blocked, held)
        return block_features(
            self.cands, self.text, self.corating, readers, self.config, self.authors, shortlisting
        )

    def _shortlist_size(self, top_n: int) -> int | None:
        """How many candidates a top_n list's shortlist holds (at least as many as the list
        ranks), or None where it and the sample would span the catalog: ranked whole."""
        if self._sample is None:
            return None
        size = max(self.config.shortlist, rank_depth(top_n))
        return size if size + len(self._sample) < len(self.cands.book_ids) else None

    def score(self, book_ids, ratings, feats: Features | None = None) -> np.ndarray:
        """The score of every candidate for this reader (before the rules), their books read as
        the list reads them (books_read), one book alone and unrated as its "more like
        this" list scores it (like_this); feats: features(book_ids, ratings), when known."""
        ids, ratings = np.asarray(book_ids, np.int64), np.asarray(ratings, np.float64)
        if self._asks_like_this(ids, ratings):
            return self.like_this().score(ids, ratings, feats)
        ids, ratings, *_ = self.books_read(ids, ratings)
        feats = feats or next(self._block_features([(ids, ratings)]))
        return self._score(ids, ratings, feats)[0]

    def _score(self, book_ids, ratings, feats: Features) -> tuple[np.ndarray, np.ndarray | None]:
        """(the score before the rules, the blend's predicted rating of every candidate when
        the score needs it or, for a reader who rated a book, the min_predicted rule; else
        None); book_ids and ratings as books_read gave them, feats their features."""
        ids = np.asarray(book_ids, np.int64)
        ratings = np.asarray(ratings, np.float64)
        rating = None
        rated = not np.isnan(ratings).all()
        if self.config.weights_for(len(ids)).rating or (rated and self.config.min_predicted):
            rating = self.predicted_rating(ids, ratings, feats)
        return feats.score(self.config, rating, len(ids)), rating if rated else None

    def predicted_rating(
        self, ids: np.ndarray, ratings: np.ndarray, feats: Features
    ) -> np.ndarray | None:
        """The blend's predicted rating of every candidate (None without a blend), from the
        rated books; the one source of the score's predicted-rating term and of its tuning."""
        if self.blend is not None:
            return self._blended(ids, ratings, feats)
        if self.predict is not None:
            rated = ~np.isnan(ratings)
            predicted = self.predict(ids[rated], ratings[rated])
            return predicted if feats.positions is None else predicted[feats.positions]
        return None

    def _blended(self, ids: np.ndarray, ratings: np.ndarray, feats: Features) -> np.ndarray:
        """The blend's predicted rating of every candidate from the rated books (what
        BlendScorer.predict gives), from the text cosines the block computed."""
        blend = self.blend
        cfg = blend.config
        means = self._cand_means if feats.positions is None else self._cand_means[feats.positions]
        predicted = means.copy()
        rated = ~np.isnan(ratings)
        usable = feats.history_usable & rated
        if cfg.alpha != 0.0 and usable.any():
            rows = rated[feats.history_usable]
            sims = feats.text_rows if rows.all() else feats.text_rows[rows]
            deviation = blend.deviation_of_rows(
                sims, means, ids[rated], ratings[rated], usable[rated]
            )
            predicted += cfg.alpha * deviation
        return predicted

    def recommend(
        self,
        book_ids: Sequence[int],
        ratings: Sequence[float | None] | None = None,
        top_n: int = 10,
        exclude: Sequence[int] = (),
        because_count: int = 2,
    ) -> list[ListItem]:
        """The reader's top_n under every constraint (bookrec.lists.rules).

        Args:
            book_ids: the reader's books (distinct); empty for nobody in particular.
            ratings: one per book, 1..5, NaN or None where the book is listed without a
                rating; None: none rated ("more like this", a to-read shelf).
            top_n: how many.
            exclude: the reader's other books (a to-read shelf, the page's list behind "more
                like this"): never suggested, nor their editions, collections, adaptations or
                companions (besides everything the rules block).
            because_count: how many liked books one explanation names per space.

        Raises:
            ValueError: ratings and book_ids differ in length, or a rating lies outside 1..5.
        """
        return self.recommend_block([(book_ids, ratings)], top_n, [exclude], because_count)[0]

    def recommend_block(
        self,
        readers: Sequence[tuple[Sequence[int], Sequence[float | None] | None]],
        top_n: int = 10,
        excludes: Sequence[Sequence[int]] | None = None,
        because_count: int = 2,
    ) -> list[list[ListItem]]:
        """recommend() for many readers, scored together: one matrix product per space for a
        block of readers (bookrec.lists.features.block_features), then each reader's rules.

        Args:
            readers: (book_ids, ratings) of each reader, as recommend() takes them.
            excludes: per reader, as recommend()'s exclude (None: none).

        A reader who gives one book and no rating asks for books like it: their list is that
        book's "more like this" (like_this).

        Raises:
            ValueError: as recommend(), for the first reader at fault.
        """
        given = [_checked(ids, ratings) for ids, ratings in readers]
        excludes = [()] * len(given) if excludes is None else list(excludes)
        alone = [self._asks_like_this(ids, ratings) for ids, ratings in given]
        if any(alone):
            lists_of: dict[int, list[ListItem]] = {}
            for ranker, picked in ((self.like_this(), True), (self, False)):
                at = [i for i, lone in enumerate(alone) if lone == picked]
                if at:
                    got = ranker.recommend_block(
                        [given[i] for i in at], top_n, [excludes[i] for i in at], because_count
                    )
                    lists_of.update(zip(at, got, strict=True))
            return [lists_of[i] for i in range(len(given))]
        read = [self.books_read(ids, ratings) for ids, ratings in given]
        checked = [(r.ids, r.ratings) for r in read]
        lists: list[list[ListItem]] = []
        # a shortlisted reader's products span their shortlist, not every candidate
        size = self._shortlist_size(top_n)
        columns = len(self.cands.book_ids) if size is None else size + len(self._sample)
        for block in _blocks(checked, columns):
            rules = [
                self._rules(read[i].ruled_ids, read[i].ruled_ratings, excludes[i]) for i in block
            ]
            leads = [
                self._leads(*checked[i], next_up)
                for i, (_, next_up) in zip(block, rules, strict=True)
            ]
            kept = [
                self._kept(len(checked[i][0]), next_up, lead)
                for i, (_, next_up), lead in zip(block, rules, leads, strict=True)
            ]
            features = self._block_features(
                [checked[i] for i in block], [blocked for blocked, _ in rules], top_n, kept
            )
            for i, feats, (blocked, next_up), leading in zip(
                block, features, rules, leads, strict=True
            ):
                ids, ratings = checked[i]
                listed = self._list(
                    ids, ratings, feats, blocked, next_up, leading, top_n, because_count
                )
                stands_for = read[i].stands_for
                lists.append(_as_given(listed, stands_for) if stands_for else listed)
        return lists

    def _asks_like_this(self, ids: np.ndarray, ratings: np.ndarray) -> bool:
        """Whether this reader (one book, unrated) gets the book's "more like this" list from
        another ranker than this one (like_this)."""
        return len(ids) == 1 and bool(np.isnan(ratings).all()) and self._like_this is not self

    def books_read(self, ids: np.ndarray, ratings: np.ndarray) -> BooksRead:
        """A reader's books as the list reads them (BookReader.read)."""
        return self.book_reader.read(ids, ratings)

    def _rules(
        self, ids: np.ndarray, ratings: np.ndarray, exclude: Sequence[int]
    ) -> tuple[np.ndarray, set[int]]:
        """(the candidates the reader's list may not hold, those labelled "next in series"):
        blocked_mask, and every edition, collection, adaptation or companion of `exclude`."""
        blocked, next_up = blocked_mask(
            self.cands, self.works, ids, ratings, self.config, self.layout
        )
        if len(exclude):
            # The excluded books are the reader's too (the page's list behind "more like this",
            # a to-read shelf): none of their editions, collections, adaptations or companions.
            excluded = np.asarray(list(exclude), np.int64)
            blocked |= np.isin(self.cands.book_ids, excluded)
            if self.layout is not None:
                # other editions of the reader's own books (a request's exclude) add nothing
                # to what their works already blocked: only other works are looked up
                work = self.layout.book_work
                other = ~np.isin(
                    self.layout.lookup(excluded, work, excluded),
                    self.layout.lookup(ids, work, ids),
                )
                if other.any():
                    blocked[self.layout.already_read(excluded[other])] = True
            # an excluded book is never "next in series" (it would lead the list: _with_leads)
            next_up = {p for p in next_up if not blocked[p]}
        return blocked, next_up

    def _kept(self, n_books: int, next_up: set[int], leads: set[int]) -> set[int]:
        """The next entries a reader's shortlist holds whatever their cheap score: those that
        lead the list (_leads) and, for a reader of few books, every other, which comes first
        among its author's books (rules.sequels_before_their_authors)."""
        return leads | next_up if self.config.sequels_first_for(n_books) else leads

    def _leads(self, ids: np.ndarray, ratings: np.ndarray, next_up: set[int]) -> set[int]:
        """The next-in-series positions that may lead this reader's list
        (ListConfig.sequels_first_for): in "more like this", its seed's next entry; else those
        after a book rated and liked (_after_a_rated_like)."""
        if not next_up or not self.config.sequels_first_for(len(ids)):
            return set()
        if self._like_this is self:  # its seed is unrated
            return next_up
        return self._after_a_rated_like(ids, ratings, next_up)

    def _after_a_rated_like(
        self, ids: np.ndarray, ratings: np.ndarray, next_up: set[int]
    ) -> set[int]:
        """The next-in-series positions that follow a book the reader rated and liked (one
        listed without a rating continues its series too, but does not lead the list)."""
        ratings = np.asarray(ratings, np.float64)
        liked, _ = reader_roles(ratings, self.config)
        rated_likes = set(np.asarray(ids)[liked & ~np.isnan(ratings)].tolist())
        return {p for p in next_up if self.layout.entry_before(ids, p) in rated_likes}

    def _list(
        self,
        ids: np.ndarray,
        ratings: np.ndarray,
        feats: Features,
        blocked: np.ndarray,
        next_up: set[int],
        leading: set[int],
        top_n: int,
        because_count: int,
    ) -> list[ListItem]:
        """One reader's list from their features and rules (_rules): the score, the picks,
        the reasons."""
        cfg = self.config
        score, rating, pushed, blocked = self._linear(ids, ratings, feats, blocked)
        model = self.rerankers.for_reader(cfg, len(ids))
        # a list that holds few books with no reason is picked from deeper: such books fill
        # the best-ranked places of a few-book reader's list (_explained_first)
        max_unexplained = cfg.unexplained_for(len(ids), top_n)
        if not len(feats.liked_ids):  # nothing liked, nothing to give a reason by
            max_unexplained = None
        depth = rank_depth(top_n)
        if max_unexplained is not None:
            depth = max(depth, cfg.rerank_depth_for(len(ids)))
        if model is not None:
            top, rows = self._rerank_rows(ids, feats, score, rating, blocked, next_up)
            pushed_top = None if pushed is None else pushed[top]
            order = learned.reranked(model, rows, top, pushed_top)[:depth]
        else:
            order = rank(score, blocked, depth)
        if feats.positions is not None:
            order = feats.positions[order]
        order = self._with_leads(len(ids), feats, score, order, leading)
        if cfg.sequels_first_for(len(ids)):
            # a few-book reader's other next entries (after an unrated or a lone book) come
            # first among their author's books, where the author cap would leave them out
            order = sequels_before_their_authors(order, next_up, self.cands.authors)
        if max_unexplained is not None and len(order):
            # twice the list before the books put last: room for the caps' and rules' skips
            order = self._explained_first(
                ids, ratings, feats, order, max_unexplained, because_count, 2 * top_n
            )
        chosen = pick(order, self.cands, self.works, top_n, cfg)
        evidence = self._evidence(ids, ratings, feats, chosen, because_count)
        columns = feats.columns_of(chosen).tolist()
        return [
            ListItem(
                book_id=int(self.cands.book_ids[pos]),
                position=int(pos),
                score=float(score[col]),
                next_in_series=pos in next_up,
                evidence=found,
                follows=self.layout.entry_before(ids, pos) if pos in next_up else None,
            )
            for pos, col, found in zip(chosen, columns, evidence, strict=True)
        ]

    def _with_leads(
        self,
        n_books: int,
        feats: Features,
        score: np.ndarray,
        order: np.ndarray,
        leading: set[int],
    ) -> np.ndarray:
        """`order` led by the next-in-series books that may lead the list of a reader of
        n_books books (_leads), wherever they ranked: The Giver's next, Gathering Blue (few
        readers here), came past a list of 10's first 50 and led a list of 15 while missing
        from the 10."""
        if not leading:
            return order
        missing = np.setdiff1d(np.fromiter(leading, np.int64), order)
        missing = missing[np.argsort(-score[feats.columns_of(missing)], kind="stable")]
        order = np.concatenate([order, missing])
        return sequels_first(order, leading, self.config.sequels_first_for(n_books))

    def _evidence(
        self,
        ids: np.ndarray,
        ratings: np.ndarray,
        feats: Features,
        chosen: list[int],
        because_count: int,
    ) -> list[tuple[Evidence, ...]]:
        """The reader's books behind each chosen candidate (bookrec.lists.evidence)."""
        return list_evidence(
            self.cands,
            self.text,
            self.works,
            self._author_of,
            feats,
            ids,
            ratings,
            chosen,
            because_count,
        )

    def _explained_first(
        self,
        ids: np.ndarray,
        ratings: np.ndarray,
        feats: Features,
        order: np.ndarray,
        max_unexplained: int,
        because_count: int,
        enough: int,
    ) -> np.ndarray:
        """`order` (not empty) with its books that have no reason but popularity
        (list_evidence finds none) after the rest, but for the first `max_unexplained` of
        them: a list picks them last. The reasons are looked for a block at a time, until
        `enough` books come before those (most lists need one block; a request paid ~3.5 ms
        for all 300 at once)."""
        early: list[np.ndarray] = []
        late: list[np.ndarray] = []
        first = seen_bare = 0  # books before those put last; books with no reason met
        for start in range(0, len(order), EVIDENCE_BLOCK):
            block = order[start : start + EVIDENCE_BLOCK]
            found = self._evidence(ids, ratings, feats, block.tolist(), max(because_count, 1))
            bare = np.fromiter((not f for f in found), bool, len(block))
            after = bare & (seen_bare + np.cumsum(bare) > max_unexplained)
            seen_bare += int(bare.sum())
            early.append(block[~after])
            late.append(block[after])
            first += int((~after).sum())
            if first >= enough:  # the rest keep their order, before the books put last
                early.append(order[start + EVIDENCE_BLOCK :])
                break
        return np.concatenate([*early, *late])

    def _linear(
        self, ids: np.ndarray, ratings: np.ndarray, feats: Features, blocked: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray]:
        """(the linear score over feats' columns, a book the reader is predicted not to like
        after every other; the predicted rating or None (_score); where it pushed a book down
        or None; blocked over feats' columns)."""
        cfg = self.config
        score, rating = self._score(ids, ratings, feats)
        pushed = None
        if rating is not None and cfg.min_predicted:
            pushed = rating < cfg.min_predicted
            score = np.where(pushed, score - BELOW_PREDICTED, score)
        if feats.positions is not None:  # scored on a shortlist
            blocked = blocked[feats.positions]
        return score, rating, pushed, blocked

    def rerank_inputs(self, book_ids, ratings) -> tuple[np.ndarray, np.ndarray]:
        """(candidate positions, the re-ranker's inputs for them): the reader's best unblocked
        candidates by the linear score (ListConfig.rerank_depth_for), best first, as a list of
        theirs re-orders them; what `evaluate` trains the re-rankers on
        (bookrec.evaluation.topn.train_reranker)."""
        read = self.books_read(*_checked(book_ids, ratings))
        blocked, next_up = self._rules(read.ruled_ids, read.ruled_ratings, ())
        leads = self._leads(read.ids, read.ratings, next_up)
        kept = [self._kept(len(read.ids), next_up, leads)]
        feats = next(self._block_features([(read.ids, read.ratings)], [blocked], 10, kept))
        score, rating, _, blocked = self._linear(read.ids, read.ratings, feats, blocked)
        top, rows = self._rerank_rows(read.ids, feats, score, rating, blocked, next_up)
        return (top if feats.positions is None else feats.positions[top]), rows

    def _rerank_rows(
        self,
        ids: np.ndarray,
        feats: Features,
        score: np.ndarray,
        rating: np.ndarray | None,
        blocked: np.ndarray,
        next_up: set[int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(the columns of the reader's best unblocked candidates by the linear score
        (ListConfig.rerank_depth_for), best first; the re-ranker's inputs for them); next_up:
        the candidates the rules label "next in series" (_rules)."""
        top = learned.top_unblocked(score, blocked, self.config.rerank_depth_for(len(ids)))
        rating_z = None
        if rating is not None:
            rating_z = zscore(rating, weights=feats.weights)
        authors = Counter(self._author_of.get(int(b)) for b in feats.liked_ids.tolist())
        co_read = np.zeros(0, np.int64)
        if self.cands.co_readers is not None:
            co_read = self.cands.co_readers.columns_of_books(self.works, ids)
        reader = learned.ReaderContext(next_up, {a: n for a, n in authors.items() if a}, co_read)
        return top, learned.feature_rows(
            self.cands, feats, len(ids), score, rating_z, top, reader, self.layout
        )


def _as_given(listed: list[ListItem], stands_for: dict[int, int]) -> list[ListItem]:
    """The items as the reader gave their books: evidence and "next in series" name the
    collection a book was added for (ListRanker.books_read), each once per space; genres
    shared with a book read in its place say nothing of the book given (a title known by
    itself alone has none): that evidence is left out."""
    out = []
    for item in listed:
        seen: set[tuple[str, int]] = set()
        evidence = []
        for e in item.evidence:
            book = stands_for.get(e.book_id, e.book_id)
            if e.kind == "genre" and book != e.book_id:
                continue
            if (e.kind, book) not in seen:
                seen.add((e.kind, book))
                evidence.append(dataclasses.replace(e, book_id=book))
        follows = (
            item.follows if item.follows is None else stands_for.get(item.follows, item.follows)
        )
        out.append(dataclasses.replace(item, evidence=tuple(evidence), follows=follows))
    return out


# Candidates whose reasons _explained_first looks for at a time.
EVIDENCE_BLOCK = 50


def rank_depth(top_n: int) -> int:
    """How many of the best candidates a top_n list is picked from (the caps and the works
    rules between picks skip some)."""
    return max(4 * top_n, 50)


def _checked(book_ids, ratings) -> tuple[np.ndarray, np.ndarray]:
    """A reader's (ids, ratings) as arrays, ratings NaN where unrated.

    Raises:
        ValueError: ratings and book_ids differ in length, or a rating lies outside 1..5.
    """
    ids = np.asarray(book_ids, np.int64).reshape(-1)
    if ratings is None:
        ratings = np.full(len(ids), np.nan)
    ratings = np.array([np.nan if r is None else r for r in ratings], np.float64)
    if len(ratings) != len(ids):
        raise ValueError(f"{len(ids)} books but {len(ratings)} ratings")
    rated = ratings[~np.isnan(ratings)]
    if len(rated) and (rated.min() < 1 or rated.max() > 5):
        raise ValueError("ratings must lie in 1..5 (NaN or None: not rated)")
    return ids, ratings


def _blocks(readers: list[tuple[np.ndarray, np.ndarray]], n_candidates: int) -> list[list[int]]:
    """Consecutive readers whose books, times the candidates (those a reader's products
    span), fit BLOCK_CELLS cosines."""
    blocks: list[list[int]] = []
    cells = 0
    for i, (ids, _) in enumerate(readers):
        size = n_candidates * max(len(ids), 1)
        if blocks and cells + size <= BLOCK_CELLS:
            blocks[-1].append(i)
            cells += size
        else:
            blocks.append([i])
            cells = size
    return blocks
