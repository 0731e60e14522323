"""The re-rankers: small LightGBM LambdaMART models that re-order a reader's best candidates.

The list's linear score (bookrec.lists.features.weighted_score) ranks every candidate; a model
then re-orders the reader's best unblocked ones (ListConfig.rerank_depth_for) from the same
z-scored terms, the raw signals behind them (Goodreads' rating count and average, how many
readers here liked the book, whether its text says more than its title), the linear score
itself, and what the terms leave out (FEATURES: next in series, a liked author, the series
entry, the share of co-readers here, what the readers nearest the reader liked, how widely
read the reader's own books are here). The terms interact: closeness in text is worth more
for a well-liked book than for an obscure one, and popularity more for a reader of
bestsellers than for one of little-read books, which one weight per term cannot say.

There are two (Rerankers): one for a reader who gave 1 to ListConfig.few_books books, one for
longer histories. `evaluate` trains both (bookrec.evaluation.topn.train_reranker): the
few-book one on the tuning readers' books cut to 1, 3 and 5 (TopNConfig.few_ranker_shuffles
cuts of each), rated and unrated, relevant = their other books rated 4-5, after the few-book
weights are tuned (bookrec.evaluation.topn_modes.tune_few_books); the full-history one on the
same readers' training books, relevant = their hidden books rated 4-5, after the full-history
weights. Each is stored as LightGBM's model dump (JSON) beside those weights
(`list_settings.few_ranker`, `list_settings.full_ranker`) and read by every ranker that serves,
which scores its trees in numpy (TreeRanker). What they changed on the shared data:
docs/evaluation.md, "A learned order for few-book readers" and "A learned order for full
histories".
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from bookrec.config import ListConfig
from bookrec.lists.candidates import Candidates
from bookrec.lists.coreaders import CoReaders
from bookrec.lists.features import Features
from bookrec.lists.rules import SeriesLayout

log = logging.getLogger(__name__)

# The model's inputs, one column each, in this order (feature_rows); a stored model trained
# on other columns is not used (TreeRanker.from_text).
FEATURES = (
    "popularity",  # the list's z-scored terms, as the linear score weighs them
    "text",
    "co_reading",
    "predicted_rating",  # z-scored; 0 without a rated book
    "dislike",  # z(closeness to the disliked books); 0 without one
    "books_given",
    "log_goodreads_ratings",  # the raw signals behind the terms
    "avg_rating",
    "log_liked_here",
    "described",  # 1: the text says more than title and author
    "linear_score",
    "next_in_series",  # 1: the rules' next entry of a series the reader liked
    "by_liked_author",  # 1: by an author of a book they liked (or listed unrated)
    "closest_co_reading",  # the highest co-rating cosine to a liked book
    "in_series",  # 1: an entry of a series (the rules let only its first main entry or
    "series_position",  # the next one through); its number there, 0 outside a series
    "co_read_share",  # the highest share of the readers here of one of their books who read
    # it too (bookrec.lists.coreaders)
    "given_read_here",  # how widely read the reader's books are here: the mean log(1 +
    # readers here) of their works (the same for every candidate of the reader; the trees
    # weigh popularity and co-reading by it)
    "co_reading_score",  # the co-reading term before its z-score (EASE's score for a whole
    # history): how sure it is, which the z-score leaves out
    "neighbours_liked",  # the share of the readers here nearest the reader who liked it
    # (bookrec.lists.coreaders.CoReaders.neighbours_liked)
    "liked_by_its_author",  # log(1 + how many of the reader's liked books its author wrote):
    # a whole history's favourite authors, which by_liked_author's 0 / 1 leaves out
    "genre_closeness",  # the cosine of its Goodreads genres to the liked books' summed
    # (bookrec.lists.genres): genres shared, whatever the descriptions say
)

# LightGBM's settings: a few shallow trees (7 leaves, 100 rounds) on leaves of at least 200
# rows. On seed 0 of the shared data deeper models (15 or 31 leaves, 200-300 rounds) ranked
# the report readers below the linear score they start from: ~1,300 tuning cases are few.
_PARAMS = {
    "objective": "lambdarank",
    "num_leaves": 7,
    "learning_rate": 0.05,
    "min_data_in_leaf": 200,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.9,
    "lambdarank_truncation_level": 20,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "seed": 18,
    "verbose": -1,
}
_ROUNDS = 100
# A tree of at most this many splits (LightGBM's 7 leaves: 6) is scored by one lookup of the
# sides its row takes (TreeRanker._leaf_table): a byte of them
MAX_TABLE_SPLITS = 8
_BITS = (1 << np.arange(MAX_TABLE_SPLITS)).astype(np.uint8)
# too few relevant rows to learn from (a tiny demo): the linear order stays
MIN_RELEVANT_ROWS = 50
# LightGBM's test for a zero taken as missing (kZeroThreshold)
_ZERO = 1e-35


@dataclass(frozen=True, eq=False)
class TreeRanker:
    """A trained re-ranker: LightGBM's trees as arrays, scored in numpy.

    Serving never imports LightGBM: its import takes ~1.1 s here (it loads its Dask and
    pandas integrations), which every `bookrec recommend`, page worker and recommend_all run
    would pay. Every node of every tree is a row of the arrays; a leaf is a node that leads
    to itself with its value, so `depth` steps take every row of every tree to its leaf.
    """

    dump: str  # LightGBM's dump_model() as JSON: what is stored
    roots: np.ndarray  # per tree, its first node
    depth: int  # the deepest tree's levels of splits
    feature: np.ndarray  # per node
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    default_left: np.ndarray  # where a missing value goes
    missing: np.ndarray  # 0 none, 1 NaN, 2 zero (LightGBM's missing_type)
    value: np.ndarray  # a leaf's value, 0 at a split

    def __eq__(self, other: object) -> bool:
        """The same model: the same dump (the arrays are read from it)."""
        return isinstance(other, TreeRanker) and self.dump == other.dump

    def __hash__(self) -> int:
        return hash(self.dump)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """The model's score of each row of feature_rows (higher: earlier); LightGBM's
        predict() of the same rows."""
        rows = np.asarray(rows, np.float64)
        # the rows a list builds: no value is missing
        whole = not self._zero_missing and not np.isnan(rows).any()
        if whole and self._leaf_table is not None:
            return self._table_scores(rows, *self._leaf_table)
        node = np.broadcast_to(self.roots, (len(rows), len(self.roots)))
        if whole:
            flat = rows.ravel()
            base = (np.arange(len(rows)) * rows.shape[1])[:, None]
            for _ in range(self.depth):
                right = flat[base + self.feature[node]] > self.threshold[node]
                node = self._children[node, right.astype(np.int64)]
            return self.value[node].sum(axis=1)
        row = np.arange(len(rows))[:, None]
        for _ in range(self.depth):
            x = rows[row, self.feature[node]]
            kind = self.missing[node]
            # LightGBM's NumericalDecision: NaN is 0 unless NaN is the missing value; a
            # missing value goes the node's default way
            x = np.where(np.isnan(x) & (kind != 1), 0.0, x)
            missing = ((kind == 1) & np.isnan(x)) | ((kind == 2) & (np.abs(x) <= _ZERO))
            go_left = np.where(missing, self.default_left[node], x <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1)

    @staticmethod
    def _table_scores(
        rows: np.ndarray, features: np.ndarray, thresholds: np.ndarray, leaf_values: np.ndarray
    ) -> np.ndarray:
        """scores of rows with no missing value, by _leaf_table: every split of every tree at
        once, (split, tree, row); the sides a row takes in a tree, as the bits of one byte,
        pick its leaf."""
        columns = np.ascontiguousarray(rows.T)
        right = np.take(columns, features, axis=0) > thresholds[:, :, None]
        sides = (right.view(np.uint8) * _BITS[:, None, None]).sum(axis=0, dtype=np.uint8)
        at = np.arange(len(leaf_values))[:, None] * leaf_values.shape[1] + sides
        values = np.take(leaf_values.ravel(), at)  # (tree, row)
        return np.ascontiguousarray(values.T).sum(axis=1)  # summed as the walk sums them

    @functools.cached_property
    def _children(self) -> np.ndarray:
        """(nodes, 2): each node's left and right child."""
        return np.stack([self.left, self.right], axis=1)

    @functools.cached_property
    def _leaf_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Per tree, its splits' features and thresholds (MAX_TABLE_SPLITS, trees) and the
        value of the leaf each pattern of sides leads to (trees, 2**MAX_TABLE_SPLITS): split k
        of a tree (in node order) taken to the right is bit k. Scoring is then one comparison
        of every split and one lookup a tree (0.27 ms against the level-by-level walk's
        0.95 ms for 300 rows of 100 trees of 7 leaves), the leaf values summed in the same
        order. None where a tree has more splits than that."""
        # a tree's nodes run from its root to the next tree's (_flattened adds them so)
        ends = [*self.roots[1:].tolist(), len(self.left)]
        nodes = np.arange(len(self.left))
        splits = [
            np.flatnonzero(self.left[lo:hi] != nodes[lo:hi]) + lo  # a leaf leads to itself
            for lo, hi in zip(self.roots.tolist(), ends, strict=True)
        ]
        if max(len(mine) for mine in splits) > MAX_TABLE_SPLITS:
            return None
        trees = len(splits)
        features = np.zeros((MAX_TABLE_SPLITS, trees), np.int64)
        thresholds = np.full((MAX_TABLE_SPLITS, trees), np.inf)  # unused bits stay 0
        bit = np.zeros(len(self.left), np.int64)  # each split's bit in its tree's pattern
        for t, mine in enumerate(splits):
            features[: len(mine), t] = self.feature[mine]
            thresholds[: len(mine), t] = self.threshold[mine]
            bit[mine] = np.arange(len(mine))
        # every pattern down every tree at once, as scores walks rows
        patterns = np.arange(2**MAX_TABLE_SPLITS)
        node = np.repeat(self.roots[:, None], len(patterns), axis=1)
        for _ in range(self.depth):
            goes_right = (patterns >> bit[node]) & 1 == 1
            node = np.where(goes_right, self.right[node], self.left[node])
        return features, thresholds, self.value[node]

    @functools.cached_property
    def _zero_missing(self) -> bool:
        """Whether a split takes a zero for a missing value (LightGBM's zero_as_missing)."""
        return bool((self.missing == 2).any())

    def to_text(self) -> str:
        return self.dump

    @classmethod
    def from_text(cls, text: str | None) -> TreeRanker | None:
        """The ranker stored as text (LightGBM's dump as JSON); None when there is none or
        it was trained on other features than FEATURES (an older bookrec's: `evaluate`
        trains a new one)."""
        if not text:
            return None
        try:
            model = json.loads(text)
        except json.JSONDecodeError:
            model = {}
        if not isinstance(model, dict) or tuple(model.get("feature_names", ())) != FEATURES:
            log.warning(
                "a stored re-ranker is of another bookrec (other features or format): "
                "the linear order is used until `evaluate` trains a new one"
            )
            return None
        return cls._flattened(text, [tree["tree_structure"] for tree in model["tree_info"]])

    @classmethod
    def _flattened(cls, dump: str, trees: list[dict]) -> TreeRanker:
        # (feature, threshold, left, right, default_left, missing, value) per node
        nodes: list[tuple[int, float, int, int, bool, int, float]] = []
        deepest = 0

        def add(node: dict, depth: int) -> int:
            nonlocal deepest
            at = len(nodes)
            if "leaf_value" in node:
                nodes.append((0, np.inf, at, at, True, 0, float(node["leaf_value"])))
                deepest = max(deepest, depth)
                return at
            nodes.append((0, 0.0, at, at, True, 0, 0.0))
            left = add(node["left_child"], depth + 1)
            right = add(node["right_child"], depth + 1)
            missing = {"NaN": 1, "Zero": 2}.get(node.get("missing_type", "None"), 0)
            nodes[at] = (
                int(node["split_feature"]),
                float(node["threshold"]),
                left,
                right,
                bool(node["default_left"]),
                missing,
                0.0,
            )
            return at

        roots = np.array([add(tree, 0) for tree in trees], np.int64)
        columns = list(zip(*nodes, strict=True))
        return cls(
            dump=dump,
            roots=roots,
            depth=deepest,
            feature=np.array(columns[0], np.int64),
            threshold=np.array(columns[1], np.float64),
            left=np.array(columns[2], np.int64),
            right=np.array(columns[3], np.int64),
            default_left=np.array(columns[4], bool),
            missing=np.array(columns[5], np.int8),
            value=np.array(columns[6], np.float64),
        )


@dataclass(frozen=True)
class ReaderContext:
    """What the re-ranker knows of a reader beyond their features: the candidates the rules
    label "next in series" for them (positions), the authors of their liked books (each with
    how many of them they wrote), and the columns of their books' works among the co-readers
    (CoReaders.columns_of)."""

    next_up: Collection[int]
    liked_authors: Mapping[str, int]
    co_read_columns: np.ndarray


def feature_rows(
    cands: Candidates,
    feats: Features,
    n_books: int,
    score: np.ndarray,
    rating_z: np.ndarray | None,
    columns: np.ndarray,
    reader: ReaderContext,
    series: SeriesLayout | None,
) -> np.ndarray:
    """(len(columns), len(FEATURES)): the model's inputs for these columns of the reader's
    per-candidate arrays (Features.columns_of), score being the linear score over the same
    columns as feats; series: the candidates' series (None: no works known)."""
    positions = columns if feats.positions is None else feats.positions[columns]
    n = len(columns)
    zero = np.zeros(n)
    liked = cands.liked_by[positions] if cands.liked_by is not None else zero
    avg = cands.avg_rating[positions] if cands.avg_rating is not None else zero
    described = cands.described[positions] if cands.described is not None else zero + 1
    next_up = np.isin(positions, np.fromiter(reader.next_up, np.int64, len(reader.next_up)))
    by_author = books_by_author = zero
    if reader.liked_authors:
        books_by_author = cands.by_author(reader.liked_authors)[positions]
        by_author = (books_by_author > 0).astype(np.float64)
    co_cosines = feats.liked_cosines("corating", positions)
    closest_co = co_cosines.max(axis=1) if co_cosines.shape[1] else zero
    in_series, series_position = zero, zero
    if series is not None:
        in_series = (series.code[positions] >= 0).astype(np.float64)
        series_position = np.nan_to_num(series.position[positions])
    genre_closeness = zero
    if cands.genres is not None:
        genre_closeness = cands.genres.closeness(feats.liked_ids, cands.genre_rows[positions])
    co_read, given_read, neighbours = zero, zero, zero
    if cands.co_readers is not None:
        candidate_columns = cands.co_reader_cols[positions]
        co_read = cands.co_readers.highest_share(reader.co_read_columns, candidate_columns)
        given_read = zero + given_read_here(cands.co_readers, reader.co_read_columns)
        neighbours = cands.co_readers.neighbours_liked(reader.co_read_columns, candidate_columns)
    return np.column_stack(
        [
            feats.pop[columns],
            feats.text[columns],
            feats.corating[columns],
            rating_z[columns] if rating_z is not None else zero,
            feats.dislike[columns] if feats.dislike is not None else zero,
            np.full(n, float(n_books)),
            cands.popularity[positions],
            np.nan_to_num(avg),
            np.log1p(liked),
            described.astype(np.float64),
            score[columns],
            next_up.astype(np.float64),
            by_author,
            closest_co.astype(np.float64),
            in_series,
            series_position,
            co_read,
            given_read,
            feats.corating_raw[columns] if feats.corating_raw is not None else zero,
            neighbours,
            np.log1p(books_by_author),
            genre_closeness,
        ]
    )


def given_read_here(readers: CoReaders, columns: np.ndarray) -> float:
    """The mean log(1 + readers here) over the given works some reader here read (columns
    >= 0); 0 without any."""
    known = columns[columns >= 0]
    if not len(known):
        return 0.0
    return float(np.log1p(readers.readers_of[known]).mean())


def top_unblocked(score: np.ndarray, blocked: np.ndarray, depth: int) -> np.ndarray:
    """The columns of the `depth` best unblocked scores, best first (ties: lower column)."""
    open_ = np.flatnonzero(~blocked)
    depth = min(depth, len(open_))
    if depth <= 0:
        return np.zeros(0, np.int64)
    best = open_[np.argpartition(-score[open_], depth - 1)[:depth]]
    return best[np.lexsort((best, -score[best]))]


def reranked(
    ranker: TreeRanker, rows: np.ndarray, top: np.ndarray, pushed: np.ndarray | None
) -> np.ndarray:
    """The columns `top` (best linear first) in the model's order; a column in `pushed` (a
    book the reader is predicted not to like) after every other, as the linear list has it;
    ties keep the linear order."""
    model = ranker.scores(rows)
    if pushed is not None:
        model = np.where(pushed, model - 1e6, model)
    return top[np.argsort(-model, kind="stable")]


def train_tree_ranker(rows: list[np.ndarray], labels: list[np.ndarray]) -> TreeRanker | None:
    """A re-ranker from the tuning cases: per case its top candidates' feature_rows and
    whether each is relevant (one LambdaMART query a case). None with fewer than
    MIN_RELEVANT_ROWS relevant rows (the linear order stays)."""
    import lightgbm as lgb  # only `evaluate` trains (TreeRanker: why not at import)

    kept = [(x, y) for x, y in zip(rows, labels, strict=True) if len(x) and y.any()]
    relevant = sum(int(y.sum()) for _, y in kept)
    if relevant < MIN_RELEVANT_ROWS:
        log.info("re-ranker: %d relevant rows, too few to learn from", relevant)
        return None
    data = lgb.Dataset(
        np.vstack([x for x, _ in kept]),
        np.concatenate([y for _, y in kept]).astype(np.int32),
        group=[len(x) for x, _ in kept],
        feature_name=list(FEATURES),
        params={"verbose": -1},
    )
    booster = lgb.train(_PARAMS, data, num_boost_round=_ROUNDS)
    log.info("re-ranker: %d cases, %d relevant rows", len(kept), relevant)
    ranker = TreeRanker.from_text(json.dumps(booster.dump_model()))
    assert ranker is not None  # trained on FEATURES
    return ranker


@dataclass(frozen=True)
class Rerankers:
    """The trained re-rankers (None: that reader keeps the linear order): `few` for a reader
    who gave 1 to ListConfig.few_books books, `full` for one who gave more."""

    few: TreeRanker | None = None
    full: TreeRanker | None = None

    def for_reader(self, config: ListConfig, n_books: int) -> TreeRanker | None:
        """The model that re-orders a reader who gave n_books books under config (None: the
        linear order; its depth, ListConfig.rerank_depth_for, is 0 or none was trained)."""
        if n_books < 1 or not config.rerank_depth_for(n_books):
            return None
        return self.few if config.is_few(n_books) else self.full
