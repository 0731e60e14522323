"""Training the projector on triplets, selected on what it is for: the blend's per-user Spearman.

- Users split (seeded) into training, validation and test readers; only readers with at least
  `min_ratings` ratings are held out. Triplets come from training readers only.
- Validation readers keep 80% of their ratings as history; the blend (bookrec.scoring.blend,
config's
  centering, fixed temperature, best alpha of a small grid) predicts the hidden 20%. On half
  of them (selection readers) its mean per-user Spearman picks the epoch (epoch 0 = the
  untrained, raw-like projector) and stops training after `patience` epochs without
  progress; triplet accuracy is logged beside it. The other half (confirmation readers) then
  compares the chosen projector with the raw space: val_spearman / raw_val_spearman are their
  figures, free of the selection's optimism.
- Fixed seeds (numpy Generator per epoch, torch.manual_seed, deterministic algorithms): the same
  config on the same data gives the same weights.
- A run is saved under artifacts/projector/<version>/ (weights.pt, config.json, curve.csv,
  run.json) where version hashes the config and a fingerprint of the data, and recorded in the
  warehouse table projector_runs. `selected_as_default` is true only when the projector beats
  the raw space on the confirmation readers' blend Spearman by more than one standard error.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import torch
from scipy import stats

from bookrec.config import ProjectorConfig, to_json
from bookrec.embedding.projection import Projector, project, raw_similarity_penalty, triplet_loss
from bookrec.embedding.store import BookVectors, load_book_vectors, store_projections
from bookrec.embedding.triplets import build_source, sample_triplets
from bookrec.errors import DataError, WarehouseError
from bookrec.report_json import report_json
from bookrec.scoring.blend import blend_predict
from bookrec.scoring.predictors import BookAverage
from bookrec.warehouse.connection import require_tables, run_sql, table_exists
from bookrec.warehouse.tables import load_books, load_ratings

log = logging.getLogger(__name__)

# Config fields that change only speed, left out of the version hash.
SPEED_ONLY = ("threads",)
VALIDATION_TRIPLETS = 20000


@dataclass(frozen=True)
class UserSplit:
    """Sorted user ids: train (triplets), validation (model selection), test (reports)."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_users(ratings: pd.DataFrame, config: ProjectorConfig) -> UserSplit:
    """Seeded split of readers; only those with >= min_ratings ratings can be held out.

    Raises:
        DataError: fewer than 3 readers have min_ratings ratings (nothing to validate on).
    """
    counts = ratings.groupby("user_id").size().sort_index()
    active = counts.index[counts >= config.min_ratings].to_numpy(np.int64)
    if len(active) < 3:
        raise DataError(
            f"only {len(active)} readers have at least {config.min_ratings} ratings; "
            "at least 3 are needed to train, validate and test (lower min_ratings)"
        )
    shuffled = np.random.default_rng(config.seed).permutation(active)
    n_val = max(1, int(round(config.validation_share * len(active))))
    n_test = max(1, int(round(config.test_share * len(active))))
    validation = np.sort(shuffled[:n_val])
    test = np.sort(shuffled[n_val : n_val + n_test])
    held = np.r_[validation, test]
    train = np.sort(counts.index.to_numpy(np.int64)[~counts.index.isin(held)])
    return UserSplit(train=train, validation=validation, test=test)


def projector_config_of(con: duckdb.DuckDBPyConnection, version: str | None) -> ProjectorConfig:
    """The config a stored projector was trained with (so its held-out readers are known)."""
    if version is None or not table_exists(con, "projector_runs"):
        return ProjectorConfig()
    rows = run_sql(con, "train/projector_config.sql", {"version": version}).fetchall()
    return ProjectorConfig.from_json(rows[0][0]) if rows else ProjectorConfig()


def projector_training_readers(
    con: duckdb.DuckDBPyConnection, version: str, ratings: pd.DataFrame
) -> np.ndarray:
    """The readers whose ratings trained projector `version`: an evaluation of the trained
    space on them would be flattered, so they are left out of it."""
    return split_users(ratings, projector_config_of(con, version)).train


def hide_ratings(
    ratings: pd.DataFrame, users: np.ndarray, hidden_share: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, hidden) of the given users: a seeded share (at least 1) of each one's ratings
    is hidden; history + hidden = all their ratings."""
    frame = ratings[ratings["user_id"].isin(users)].sort_values(["user_id", "book_id"])
    frame = frame.reset_index(drop=True)
    keys = np.random.default_rng([seed, 1]).random(len(frame))
    rank = pd.Series(keys).groupby(frame["user_id"].to_numpy()).rank(method="first").to_numpy()
    counts = frame.groupby("user_id")["book_id"].transform("size").to_numpy()
    hidden = rank <= np.maximum(1, np.round(hidden_share * counts))
    return frame[~hidden].reset_index(drop=True), frame[hidden].reset_index(drop=True)


def spearman(prediction: np.ndarray, truth: np.ndarray) -> float:
    """Spearman correlation as bookrec.evaluation.metrics counts it: NaN for < 3 or constant truth,
    0 for a constant prediction."""
    if len(truth) < 3 or np.ptp(truth) == 0:
        return float("nan")
    if np.ptp(prediction) == 0:
        return 0.0
    return float(stats.spearmanr(prediction, truth)[0])


@dataclass
class BlendTask:
    """Held-out readers' histories and hidden ratings, as vector rows, ready to score.

    Hidden books without a vector keep the book mean in every space (so spaces compare fairly).
    """

    users: list[dict] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        history: pd.DataFrame,
        hidden: pd.DataFrame,
        book_means: BookAverage,
        vectors: BookVectors,
    ) -> BlendTask:
        task = cls()
        hidden_means = book_means.predict(hidden)["prediction"].to_numpy()
        hidden = hidden.assign(mean=hidden_means, row=vectors.index_of(hidden["book_id"]))
        history = history.assign(row=vectors.index_of(history["book_id"]))
        histories = dict(tuple(history.groupby("user_id", sort=True)))
        for user_id, group in hidden.groupby("user_id", sort=True):
            past = histories.get(user_id)
            if past is None:
                continue
            past = past[past["row"] >= 0]
            task.users.append(
                {
                    "user_id": int(user_id),
                    "rows": group["row"].to_numpy(),
                    "truth": group["rating"].to_numpy(np.float64),
                    "mean": group["mean"].to_numpy(np.float64),
                    "history_rows": past["row"].to_numpy(),
                    "history_ratings": past["rating"].to_numpy(np.float64),
                    "has_description": group["has_description"].to_numpy(bool)
                    if "has_description" in group
                    else np.ones(len(group), bool),
                }
            )
        return task

    def deviations(
        self, matrix: np.ndarray, temperature: float, top_k: int | None, centering: str
    ) -> list:
        """Per reader, the blend's personal part at alpha = 1: prediction - book mean.

        centering "plain": blend_predict as is, so prediction = m + alpha * (p - m);
        "user": blend_predict with the reader's mean rating as every history book's centre.
        """
        out = []
        for user in self.users:
            rows = user["rows"]
            dev = np.zeros(len(rows))
            known = rows >= 0
            if known.any() and len(user["history_rows"]):
                similarity = matrix[rows[known]] @ matrix[user["history_rows"]].T
                ratings = user["history_ratings"]
                means = user["mean"][known]
                if centering == "plain":
                    full = blend_predict(similarity, ratings, means, 1.0, temperature, top_k)
                    dev[known] = full - means
                else:
                    centre = np.full(len(ratings), ratings.mean())
                    dev[known] = blend_predict(
                        similarity,
                        ratings,
                        np.zeros(int(known.sum())),
                        1.0,
                        temperature,
                        top_k,
                        history_baseline=centre,
                    )
            out.append(dev)
        return out

    def spearman_by_alpha(
        self,
        matrix: np.ndarray,
        alphas: tuple[float, ...],
        temperature: float,
        top_k: int | None,
        centering: str = "plain",
        subset: str = "all",
    ) -> dict[float, float]:
        """Mean per-user Spearman of the blend for each alpha (users with NaN left out).

        centering: "plain" or "user" (see deviations).
        subset: "all", "with_description" or "without_description" hidden books.
        """
        per_user = self.per_user_spearman(matrix, alphas, temperature, top_k, centering, subset)
        return {
            alpha: float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
            for alpha, values in per_user.items()
        }

    def per_user_spearman(
        self,
        matrix: np.ndarray,
        alphas: tuple[float, ...],
        temperature: float,
        top_k: int | None,
        centering: str = "plain",
        subset: str = "all",
    ) -> dict[float, np.ndarray]:
        """Each reader's Spearman (NaN where undefined) for each alpha, readers in order."""
        deviations = self.deviations(matrix, temperature, top_k, centering)
        result = {}
        for alpha in alphas:
            values = []
            for user, dev in zip(self.users, deviations, strict=True):
                keep = _subset_mask(user["has_description"], subset)
                values.append(spearman(user["mean"][keep] + alpha * dev[keep], user["truth"][keep]))
            result[alpha] = np.asarray(values, dtype=np.float64)
        return result

    def halves(self, seed: int) -> tuple[BlendTask, BlendTask]:
        """A seeded split of the readers in two: (selection, confirmation)."""
        order = np.random.default_rng([seed, 6]).permutation(len(self.users))
        half = (len(order) + 1) // 2
        first = BlendTask([self.users[i] for i in np.sort(order[:half])])
        second = BlendTask([self.users[i] for i in np.sort(order[half:])])
        return first, second


def _subset_mask(has_description: np.ndarray, subset: str) -> np.ndarray:
    if subset == "all":
        return np.ones(len(has_description), bool)
    if subset == "with_description":
        return has_description
    if subset == "without_description":
        return ~has_description
    raise ValueError(f"unknown subset {subset!r}")


def triplet_accuracy(matrix: np.ndarray, triplets: np.ndarray) -> float:
    """Share of triplets whose anchor is more similar to the positive than to the negative."""
    if len(triplets) == 0:
        return float("nan")
    a, p, n = (matrix[triplets[:, i]] for i in range(3))
    return float(np.mean((a * p).sum(axis=1) > (a * n).sum(axis=1)))


@dataclass
class TrainingData:
    """Everything training reads from the warehouse, with a fingerprint for the version."""

    books: pd.DataFrame
    ratings: pd.DataFrame
    vectors: BookVectors
    fingerprint: str


def load_training_data(con: duckdb.DuckDBPyConnection) -> TrainingData:
    """books, ratings and the raw vectors, plus a fingerprint of all three.

    Raises:
        WarehouseError: a table is missing (names the flow to run).
    """
    require_tables(con, ["books", "ratings", "feat_book_embeddings"])
    books = load_books(con)
    ratings = load_ratings(con)
    vectors = load_book_vectors(con, "raw")
    if not np.isfinite(vectors.vectors).all():
        raise DataError("feat_book_embeddings holds NaN; rerun `python -m flows.embed`")
    digest = hashlib.sha1()
    digest.update(vectors.version.encode())
    digest.update(np.ascontiguousarray(vectors.book_ids).tobytes())
    digest.update(np.ascontiguousarray(vectors.vectors).tobytes())
    digest.update(pd.util.hash_pandas_object(ratings, index=False).to_numpy().tobytes())
    digest.update(books["avg_rating"].fillna(-1).to_numpy(np.float64).tobytes())
    return TrainingData(books, ratings, vectors, digest.hexdigest()[:16])


def projector_version(config: ProjectorConfig, fingerprint: str) -> str:
    """A content hash of the config (speed-only knobs left out) and the data fingerprint."""
    settings = {k: v for k, v in json.loads(to_json(config)).items() if k not in SPEED_ONLY}
    text = json.dumps(settings, sort_keys=True) + fingerprint
    return "p" + hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass
class TrainedProjector:
    """The outcome of one training run (weights of the selected epoch)."""

    version: str
    config: ProjectorConfig
    input_size: int
    encoder_model: str
    fingerprint: str
    state_dict: dict
    curve: pd.DataFrame
    best_epoch: int
    best_alpha: float
    val_spearman: float
    raw_val_spearman: float
    gain_se: float
    select_spearman: float
    raw_select_spearman: float
    raw_alpha: float
    val_triplet_accuracy: float
    raw_val_triplet_accuracy: float
    seconds: float

    @property
    def selected_as_default(self) -> bool:
        """The projector beats raw on the confirmation readers by more than one standard
        error of the paired per-reader differences (the selection readers chose the epoch
        and alpha, so their figure flatters the projector)."""
        gain = self.val_spearman - self.raw_val_spearman
        return bool(gain > 1e-9 and gain > np.nan_to_num(self.gain_se, nan=np.inf))

    def summary(self) -> dict:
        return {
            "version": self.version,
            "encoder_model": self.encoder_model,
            "fingerprint": self.fingerprint,
            "input_size": self.input_size,
            "output_size": self.config.embedding_size or self.input_size,
            "best_epoch": self.best_epoch,
            "best_alpha": self.best_alpha,
            "val_spearman": self.val_spearman,
            "raw_val_spearman": self.raw_val_spearman,
            "gain_se": self.gain_se,
            "select_spearman": self.select_spearman,
            "raw_select_spearman": self.raw_select_spearman,
            "raw_alpha": self.raw_alpha,
            "val_triplet_accuracy": self.val_triplet_accuracy,
            "raw_val_triplet_accuracy": self.raw_val_triplet_accuracy,
            "selected_as_default": self.selected_as_default,
            "seconds": round(self.seconds, 2),
        }


def _subset(vectors: BookVectors, book_ids: np.ndarray) -> BookVectors:
    """The vectors of only these books (validation scores project just what it reads)."""
    rows = vectors.index_of(np.unique(book_ids))
    rows = rows[rows >= 0]
    return BookVectors(vectors.book_ids[rows], vectors.vectors[rows], vectors.space, "subset")


def _validation(data: TrainingData, split: UserSplit, config: ProjectorConfig):
    """The validation blend task and triplets, as rows of a compact matrix of their books."""
    history, hidden = hide_ratings(data.ratings, split.validation, config.hidden_share, config.seed)
    known = pd.concat(
        [data.ratings[data.ratings["user_id"].isin(split.train)], history], ignore_index=True
    )
    means = BookAverage("goodreads", data.books).fit(known)
    val_ratings = data.ratings[data.ratings["user_id"].isin(split.validation)]
    compact = _subset(data.vectors, val_ratings["book_id"].to_numpy())
    task = BlendTask.build(history, hidden, means, compact)
    source = build_source(
        val_ratings, compact.index_of(val_ratings["book_id"]), len(compact.book_ids)
    )
    triplets = sample_triplets(source, VALIDATION_TRIPLETS, np.random.default_rng([config.seed, 2]))
    return task, triplets, compact


def _best(scores: dict[float, float]) -> tuple[float, float]:
    alpha = max(scores, key=lambda a: (np.nan_to_num(scores[a], nan=-np.inf), -a))
    return alpha, scores[alpha]


def fit_projector(data: TrainingData, config: ProjectorConfig) -> TrainedProjector:
    """Train one projector and keep the epoch with the best validation blend Spearman.

    Raises:
        DataError: too few readers or ratings to split or to form triplets.
    """
    started = time.perf_counter()
    previous_threads = torch.get_num_threads()
    previous_deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True)
    try:
        return _fit(data, config, started)
    finally:
        torch.set_num_threads(previous_threads)
        torch.use_deterministic_algorithms(previous_deterministic)


def _fit(data: TrainingData, config: ProjectorConfig, started: float) -> TrainedProjector:
    raw = data.vectors.vectors
    split = split_users(data.ratings, config)
    train_ratings = data.ratings[data.ratings["user_id"].isin(split.train)]
    source = build_source(
        train_ratings,
        data.vectors.index_of(train_ratings["book_id"]),
        len(raw),
        config.min_co_likes,
    )
    task, val_triplets, val_vectors = _validation(data, split, config)
    val_raw = val_vectors.vectors
    log.info(
        "%d training readers (%d with triplets, %d liked-together pairs), %d validation, %d test",
        len(split.train),
        source.n_users,
        len(source.co_pairs) // 2,
        len(split.validation),
        len(split.test),
    )
    grid = (config.alphas, config.temperature, config.top_k, config.centering)
    task, confirm = task.halves(config.seed)
    raw_alpha, raw_spearman = _best(task.spearman_by_alpha(val_raw, *grid))
    raw_accuracy = triplet_accuracy(val_raw, val_triplets)

    torch.manual_seed(config.seed)
    model = Projector(raw.shape[1], config)
    model.init_from_data(raw)
    optimiser = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    raw_tensor = torch.from_numpy(raw)
    n_triplets = max(config.batch_size, int(round(config.triplets_per_rating * source.n_ratings)))

    def similarity(anchors: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Cosine of each anchor to its candidate negatives in the current space."""
        rows, inverse = np.unique(np.r_[anchors, candidates.ravel()], return_inverse=True)
        projected = project(model, raw[rows])
        a = projected[inverse[: len(anchors)]]
        c = projected[inverse[len(anchors) :]].reshape(*candidates.shape, -1)
        return np.einsum("nd,nkd->nk", a, c)

    curve = []
    best = None
    since_best = 0
    for epoch in range(config.epochs + 1):
        loss_sum, steps = 0.0, 0
        if epoch > 0:
            rng = np.random.default_rng([config.seed, 3, epoch])
            triplets = sample_triplets(
                source,
                n_triplets,
                rng,
                cross_user_share=config.cross_user_share,
                negative_candidates=config.negative_candidates,
                similarity=similarity if config.negatives == "hard" else None,
            )
            triplets = torch.from_numpy(triplets[rng.permutation(len(triplets))])
            model.train()
            for start in range(0, len(triplets), config.batch_size):
                batch = triplets[start : start + config.batch_size]
                inputs = raw_tensor[batch.reshape(-1)]
                out = model(inputs).reshape(len(batch), 3, -1)
                loss = triplet_loss(out[:, 0], out[:, 1], out[:, 2], config.margin)
                if config.raw_weight > 0:
                    loss = loss + config.raw_weight * raw_similarity_penalty(
                        out, inputs.reshape(len(batch), 3, -1)
                    )
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                loss_sum += float(loss.detach())
                steps += 1
        projected = project(model, val_raw)
        alpha, score = _best(task.spearman_by_alpha(projected, *grid))
        accuracy = triplet_accuracy(projected, val_triplets)
        curve.append(
            {
                "epoch": epoch,
                "loss": loss_sum / steps if steps else float("nan"),
                "val_spearman": score,
                "best_alpha": alpha,
                "val_triplet_accuracy": accuracy,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
        log.info(
            "epoch %d: loss %.4f, val Spearman %.4f (alpha %.1f; raw %.4f), triplet acc %.3f",
            epoch,
            curve[-1]["loss"],
            score,
            alpha,
            raw_spearman,
            accuracy,
        )
        if best is None or score > best[0] + 1e-9:
            best = (score, epoch, alpha, accuracy, copy.deepcopy(model.state_dict()))
            since_best = 0
        else:
            since_best += 1
            if since_best >= config.patience:
                log.info("no progress for %d epochs: stopping", since_best)
                break
    score, epoch, alpha, accuracy, state = best
    model.load_state_dict(state)
    trained_users = confirm.per_user_spearman(project(model, val_raw), (alpha,), *grid[1:])[alpha]
    raw_users = confirm.per_user_spearman(val_raw, (raw_alpha,), *grid[1:])[raw_alpha]
    both = np.isfinite(trained_users) & np.isfinite(raw_users)
    gains = trained_users[both] - raw_users[both]
    gain_se = float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else float("nan")
    log.info(
        "confirmation readers (%d): trained %.4f vs raw %.4f (gain %.4f, se %.4f)",
        int(both.sum()),
        float(np.nanmean(trained_users)),
        float(np.nanmean(raw_users)),
        float(gains.mean()) if len(gains) else float("nan"),
        gain_se,
    )
    return TrainedProjector(
        version=projector_version(config, data.fingerprint),
        config=config,
        input_size=raw.shape[1],
        encoder_model=data.vectors.version,
        fingerprint=data.fingerprint,
        state_dict=state,
        curve=pd.DataFrame(curve),
        best_epoch=epoch,
        best_alpha=alpha,
        val_spearman=float(np.nanmean(trained_users)) if both.any() else float("nan"),
        raw_val_spearman=float(np.nanmean(raw_users)) if both.any() else float("nan"),
        gain_se=gain_se,
        select_spearman=score,
        raw_select_spearman=raw_spearman,
        raw_alpha=raw_alpha,
        val_triplet_accuracy=accuracy,
        raw_val_triplet_accuracy=raw_accuracy,
        seconds=time.perf_counter() - started,
    )


def run_dir(artifacts_dir: Path, version: str) -> Path:
    return Path(artifacts_dir) / "projector" / version


def save_run(trained: TrainedProjector, artifacts_dir: Path) -> Path:
    """weights.pt, config.json, curve.csv and run.json under artifacts/projector/<version>/."""
    folder = run_dir(artifacts_dir, trained.version)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(trained.state_dict, folder / "weights.pt")
    (folder / "config.json").write_text(
        json.dumps(dataclasses.asdict(trained.config), indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    trained.curve.to_csv(folder / "curve.csv", index=False)
    run = {**trained.summary(), "curve": trained.curve.to_dict(orient="records")}
    (folder / "run.json").write_text(report_json(run), encoding="utf-8")
    return folder


def load_run(folder: Path) -> tuple[Projector, ProjectorConfig, dict]:
    """The saved projector of one run folder, its config and run summary.

    Raises:
        WarehouseError: the folder lacks a saved run (names the flow that makes one).
    """
    folder = Path(folder)
    needed = [folder / name for name in ("weights.pt", "config.json", "run.json")]
    if not all(path.is_file() for path in needed):
        raise WarehouseError(f"no saved projector in {folder}; run `python -m flows.train`")
    config = ProjectorConfig.from_json((folder / "config.json").read_text(encoding="utf-8"))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    model = Projector(run["input_size"], config)
    model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
    model.eval()
    return model, config, run


def _number(value) -> float:
    """A metric from run.json, where an undefined one is stored as null."""
    return float("nan") if value is None else float(value)


def record_run(con: duckdb.DuckDBPyConnection, run: dict, config: ProjectorConfig) -> None:
    """Insert (or replace) one run's row in projector_runs."""
    run_sql(con, "train/01_projector_runs_table.sql")
    row = pd.DataFrame(
        [
            {
                "version": run["version"],
                "config": to_json(config),
                "encoder_model": run["encoder_model"],
                "best_epoch": int(run["best_epoch"]),
                "best_alpha": _number(run["best_alpha"]),
                "val_spearman": _number(run["val_spearman"]),
                "raw_val_spearman": _number(run["raw_val_spearman"]),
                "gain_se": _number(run["gain_se"]),
                "select_spearman": _number(run["select_spearman"]),
                "raw_select_spearman": _number(run["raw_select_spearman"]),
                "val_triplet_accuracy": _number(run["val_triplet_accuracy"]),
                "raw_val_triplet_accuracy": _number(run["raw_val_triplet_accuracy"]),
                "selected_as_default": bool(run["selected_as_default"]),
            }
        ]
    )
    con.register("new_projector_run", row)
    run_sql(con, "train/02_projector_runs_insert.sql")
    con.unregister("new_projector_run")


def chosen_version(con: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    """(version, selected_as_default) of the projector to encode with: the newest run that
    beat the raw space, else the newest run.

    Raises:
        WarehouseError: no projector was trained yet.
    """
    if not table_exists(con, "projector_runs"):
        raise WarehouseError("no projector trained yet; run `python -m flows.train` first")
    rows = run_sql(con, "train/03_projector_choice.sql").fetchall()
    if not rows:
        raise WarehouseError("no projector trained yet; run `python -m flows.train` first")
    return rows[0][0], bool(rows[0][1])


@dataclass(frozen=True)
class TrainOutcome:
    run: dict
    folder: Path
    reused: bool


def train_projector(
    con: duckdb.DuckDBPyConnection,
    config: ProjectorConfig,
    artifacts_dir: Path,
    force: bool = False,
) -> TrainOutcome:
    """Load the data, train (or reuse the saved run of the same version), save, record.

    Args:
        con: a writable warehouse connection.
        config: the projector's settings.
        artifacts_dir: root of artifacts/projector/<version>/.
        force: train again even when this version was saved before.
    """
    data = load_training_data(con)
    version = projector_version(config, data.fingerprint)
    folder = run_dir(artifacts_dir, version)
    if not force and (folder / "run.json").is_file() and (folder / "weights.pt").is_file():
        run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        log.info("projector %s was trained on this data before: reusing %s", version, folder)
        reused = True
    else:
        trained = fit_projector(data, config)
        folder = save_run(trained, artifacts_dir)
        run = trained.summary()
        reused = False
    record_run(con, run, config)
    return TrainOutcome(run=run, folder=folder, reused=reused)


def encode_with_projector(
    con: duckdb.DuckDBPyConnection, artifacts_dir: Path, version: str | None = None
) -> tuple[str, int, bool]:
    """Project every raw vector with a saved projector and store them (feat_book_projections).

    Args:
        version: the projector version; None takes chosen_version (the newest that beat raw,
            else the newest).

    Returns:
        (version, books stored, selected_as_default).
    """
    selected = False
    if version is None:
        version, selected = chosen_version(con)
    model, _, run = load_run(run_dir(artifacts_dir, version))
    raw = load_book_vectors(con, "raw")
    if raw.version != run["encoder_model"]:
        raise DataError(
            f"projector {version} was trained on {run['encoder_model']} vectors but the "
            f"warehouse holds {raw.version}; run `python -m flows.train` again"
        )
    vectors = project(model, raw.vectors)
    stored = store_projections(con, version, raw.book_ids, vectors)
    return version, stored, bool(run["selected_as_default"]) or selected
