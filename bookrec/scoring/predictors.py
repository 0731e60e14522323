"""Every rating predictor behind one interface, so evaluation never branches on the method.

`fit(train) -> self` takes DataFrame[user_id, book_id, rating]; `predict(pairs)` takes
DataFrame[user_id, book_id] and returns DataFrame[user_id, book_id, prediction, fallback] in
the same row order, `fallback` marking rows the method could not personalise (unknown user or
book: the book mean, then the global mean).

- BookAverage("goodreads"): the Goodreads-wide avg_rating of the catalog; where it is NULL
  (books known only from the rating files) the book's mean training rating, then the global
  training mean.
- BookAverage("train"): the mean of the book's training ratings, then the global mean.
- With damping k > 0 the training mean becomes (sum + k * global mean) / (n + k), so a book
  rated once by someone else does not swing far from the global mean.
- BlendPredictor: the similarity blend (bookrec.scoring.blend through bookrec.scoring.scorer) over
  raw or trained vectors, on top of BookAverage("goodreads").
- SurprisePredictor: scikit-surprise's BaselineOnly, SVD and user-based KNNWithMeans.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from bookrec.config import ScorerConfig
from bookrec.embedding.vectors import BookVectors
from bookrec.errors import ConfigError
from bookrec.scoring.blend import DEFAULT_CENTERING, Centering
from bookrec.scoring.scorer import BlendScorer

log = logging.getLogger(__name__)

PAIR_COLUMNS = ["user_id", "book_id"]


class Predictor(Protocol):
    name: str

    def fit(self, train: pd.DataFrame) -> Predictor: ...

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame: ...


def _result(pairs: pd.DataFrame, prediction: np.ndarray, fallback: np.ndarray) -> pd.DataFrame:
    out = pairs[PAIR_COLUMNS].reset_index(drop=True).copy()
    out["prediction"] = np.asarray(prediction, dtype=np.float64)
    out["fallback"] = np.asarray(fallback, dtype=bool)
    return out


class BookAverage:
    """A book's average rating, the same for every user (see the module docstring).

    Args:
        source: "goodreads" (catalog avg_rating first) or "train" (training ratings only).
        books: DataFrame[book_id, avg_rating]; needed for "goodreads".
    """

    def __init__(
        self,
        source: Literal["goodreads", "train"],
        books: pd.DataFrame | None = None,
        damping: float = 0.0,
    ) -> None:
        if source not in ("goodreads", "train"):
            raise ConfigError(f"source must be 'goodreads' or 'train'; got {source!r}")
        if source == "goodreads" and books is None:
            raise ConfigError("the goodreads book average needs the books table")
        if damping < 0:
            raise ConfigError(f"damping must be >= 0; got {damping!r}")
        self.source = source
        self.damping = float(damping)
        self.name = f"book_avg_{source}" + ("_damped" if damping else "")
        self.books = books
        self.means: pd.Series = pd.Series(dtype=np.float64)
        self.global_mean = float("nan")

    def fit(self, train: pd.DataFrame) -> BookAverage:
        self.global_mean = float(train["rating"].mean())
        sums = train.groupby("book_id")["rating"].agg(["sum", "count"]).astype(np.float64)
        # damping k pulls a book with few ratings toward the global mean: (sum + k mu) / (n + k)
        means = (sums["sum"] + self.damping * self.global_mean) / (sums["count"] + self.damping)
        if self.source == "goodreads":
            catalog = self.books.dropna(subset=["avg_rating"]).set_index("book_id")["avg_rating"]
            catalog = catalog.astype(np.float64)
            # Goodreads-wide averages where known; the training mean fills the rest.
            means = pd.concat([catalog, means[~means.index.isin(catalog.index)]])
        self.means = means.sort_index()
        return self

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        values = self.means.reindex(pairs["book_id"].to_numpy()).to_numpy()
        fallback = np.isnan(values)
        return _result(pairs, np.where(fallback, self.global_mean, values), fallback)


class BlendPredictor:
    """The similarity blend of bookrec.scoring.scorer, fitted = the users' training histories.

    Args:
        name: the method's name in reports.
        vectors: the embedding space.
        baseline: a BookAverage whose means are m_b (fitted here on the same training rows).
        config: alpha, temperature, top_k (space is taken from `vectors`).
        centering: "plain", "user" or "book" (bookrec.scoring.scorer).
    """

    def __init__(
        self,
        name: str,
        vectors: BookVectors,
        baseline: BookAverage,
        config: ScorerConfig | None = None,
        centering: Centering = DEFAULT_CENTERING,
    ) -> None:
        self.name = name
        self.vectors = vectors
        self.baseline = baseline
        self.config = config or ScorerConfig()
        self.centering = centering
        self.histories: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.scorer: BlendScorer | None = None

    def fit(self, train: pd.DataFrame) -> BlendPredictor:
        self.baseline.fit(train)
        ordered = train.sort_values(["user_id", "book_id"])
        users = ordered["user_id"].to_numpy()
        books = ordered["book_id"].to_numpy(np.int64)
        ratings = ordered["rating"].to_numpy(np.float64)
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        ends = np.r_[starts[1:], len(users)]
        self.histories = {
            int(users[s]): (books[s:e], ratings[s:e]) for s, e in zip(starts, ends, strict=True)
        }
        self.scorer = self._scorer(self.config)
        return self

    def _scorer(self, config: ScorerConfig) -> BlendScorer:
        return BlendScorer(
            self.vectors,
            self.baseline.means,
            config,
            centering=self.centering,
            default_mean=self.baseline.global_mean,
        )

    def with_config(self, config: ScorerConfig) -> BlendPredictor:
        """The same fitted predictor with other settings (tuning reuses the histories)."""
        other = BlendPredictor(self.name, self.vectors, self.baseline, config, self.centering)
        other.histories = self.histories
        other.scorer = other._scorer(config)
        return other

    def _user_groups(self, pairs: pd.DataFrame):
        """(user_id, row positions) per user of pairs, users in sorted order."""
        users = pairs["user_id"].to_numpy()
        order = np.argsort(users, kind="stable")
        sorted_users = users[order]
        starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
        ends = np.r_[starts[1:], len(order)]
        for s, e in zip(starts, ends, strict=True):
            yield int(sorted_users[s]), order[s:e]

    def deviation_grid(
        self, pairs: pd.DataFrame, settings: list[tuple[float, int | None]]
    ) -> dict[tuple[float, int | None], np.ndarray]:
        """The blend's deviation from the book mean at alpha = 1, per (temperature, top_k).

        Every variant predicts m_b + alpha * deviation, so tuning needs the similarities of
        each user once, not once per setting.
        """
        if self.scorer is None:
            raise RuntimeError(f"{self.name}: call fit() before deviation_grid()")
        books = pairs["book_id"].to_numpy(np.int64)
        rows_of = self.vectors.index_of(books)
        means = self.scorer.means_of(books)
        out = {setting: np.zeros(len(pairs)) for setting in settings}
        for user, rows in self._user_groups(pairs):
            history = self.histories.get(user)
            known = rows[rows_of[rows] >= 0]
            if history is None or len(known) == 0:
                continue
            ids, ratings = history
            shared = self.scorer.parts(
                self.vectors.vectors[rows_of[known]], means[known], ids, ratings
            )
            if shared is None:
                continue
            for temperature, top_k in settings:
                out[(temperature, top_k)][known] = self.scorer.combine(shared, temperature, top_k)
        return out

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        if self.scorer is None:
            raise RuntimeError(f"{self.name}: call fit() before predict()")
        base = self.baseline.predict(pairs)
        prediction = base["prediction"].to_numpy().copy()
        books = pairs["book_id"].to_numpy(np.int64)
        # Not personalised: a book without a vector, a user without history, or alpha = 0
        # (a cold book without any average is still personalised by the similarity part).
        fallback = (self.vectors.index_of(books) < 0) | (self.config.alpha == 0.0)
        for user, rows in self._user_groups(pairs):
            history = self.histories.get(user)
            if history is None:
                fallback[rows] = True
                continue
            prediction[rows] = self.scorer.predict(history[0], history[1], books[rows])
        return _result(pairs, prediction, fallback)


SurpriseAlgorithm = Literal["baseline_only", "svd", "knn_user"]


class SurprisePredictor:
    """A classic collaborative-filtering peer from scikit-surprise.

    Args:
        algorithm: "baseline_only" (biases by ALS), "svd" (Funk SVD) or "knn_user"
            (user-based KNNWithMeans, pearson-baseline similarity, k=40).
        seed: SVD's initialisation seed.
    """

    def __init__(self, algorithm: SurpriseAlgorithm, seed: int = 0) -> None:
        if algorithm not in ("baseline_only", "svd", "knn_user"):
            raise ConfigError(f"unknown surprise algorithm {algorithm!r}")
        self.algorithm = algorithm
        self.name = f"surprise_{algorithm}"
        self.seed = seed
        self.model = None
        self.trainset = None

    def _build(self):
        import surprise

        if self.algorithm == "baseline_only":
            return surprise.BaselineOnly(verbose=False)
        if self.algorithm == "svd":
            return surprise.SVD(random_state=self.seed)
        return surprise.KNNWithMeans(
            k=40, sim_options={"name": "pearson_baseline", "user_based": True}, verbose=False
        )

    def fit(self, train: pd.DataFrame) -> SurprisePredictor:
        import surprise

        reader = surprise.Reader(rating_scale=(1, 5))
        data = surprise.Dataset.load_from_df(train[["user_id", "book_id", "rating"]], reader)
        self.trainset = data.build_full_trainset()
        self.model = self._build()
        self.model.fit(self.trainset)
        return self

    def predict(self, pairs: pd.DataFrame) -> pd.DataFrame:
        if self.model is None:
            raise RuntimeError(f"{self.name}: call fit() before predict()")
        predictions = np.empty(len(pairs))
        fallback = np.zeros(len(pairs), dtype=bool)
        for i, (user, book) in enumerate(
            zip(pairs["user_id"].to_numpy(), pairs["book_id"].to_numpy(), strict=True)
        ):
            estimate = self.model.predict(int(user), int(book))
            predictions[i] = estimate.est
            fallback[i] = bool(estimate.details.get("was_impossible", False))
        return _result(pairs, predictions, fallback)
