"""The projector's training loop, selected on what it is for: the blend's per-user Spearman.

- Readers split (seeded; bookrec.holdout.split_users) into training, validation and
  test readers; only readers with at least `min_ratings` ratings are held out. Triplets come
  from training readers only.
- Validation readers keep 80% of their ratings as history; the blend (config's centering,
  fixed temperature, best alpha of a small grid; bookrec.evaluation.heldout_blend) predicts the
  hidden 20%. On half of them (selection readers) its mean per-user Spearman picks the epoch
  (epoch 0 = the untrained, raw-like projector) and stops training after `patience` epochs
  without progress; triplet accuracy is logged beside it. The other half (confirmation
  readers) then compares the chosen projector with the raw space: val_spearman /
  raw_val_spearman are their figures, free of the selection's optimism.
- Fixed seeds (numpy Generator per epoch, torch.manual_seed, deterministic algorithms): the same
  config on the same data gives the same weights.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from bookrec.config import ProjectorConfig
from bookrec.embedding.projection import Projector, project, raw_similarity_penalty, triplet_loss
from bookrec.embedding.projector_runs import ProjectorRun, selected_as_default
from bookrec.embedding.vectors import BookVectors
from bookrec.evaluation.grid_choice import best_alpha
from bookrec.evaluation.heldout_blend import BlendGrid, BlendTask
from bookrec.evaluation.metrics import paired_gain, triplet_accuracy
from bookrec.holdout import UserSplit, hide_ratings, split_users
from bookrec.scoring.predictors import BookAverage
from bookrec.training.inputs import TrainingData, projector_version
from bookrec.training.triplets import TripletSource, build_source, sample_triplets

log = logging.getLogger(__name__)

VALIDATION_TRIPLETS = 20000


@dataclass(frozen=True)
class TrainedProjector:
    """The outcome of one training run: its record, the selected epoch's weights, the curve."""

    run: ProjectorRun
    config: ProjectorConfig
    state_dict: dict
    curve: pd.DataFrame


@dataclass(frozen=True)
class Validation:
    """What selection reads: the validation readers' blend task, halved into selection and
    confirmation readers, their triplets, and the raw vectors of their books (compact rows)."""

    select: BlendTask
    confirm: BlendTask
    triplets: np.ndarray
    raw: np.ndarray


@dataclass(frozen=True)
class EpochScore:
    """One epoch on the selection readers (and the weights that scored it)."""

    epoch: int
    spearman: float
    alpha: float
    accuracy: float
    state: dict | None = None


def _subset(vectors: BookVectors, book_ids: np.ndarray) -> BookVectors:
    """The vectors of only these books (validation scores project just what it reads)."""
    rows = vectors.index_of(np.unique(book_ids))
    rows = rows[rows >= 0]
    described = None if vectors.described is None else vectors.described[rows]
    return BookVectors(
        vectors.book_ids[rows], vectors.vectors[rows], vectors.space, "subset", described=described
    )


def _validation(data: TrainingData, split: UserSplit, config: ProjectorConfig) -> Validation:
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
    select, confirm = task.halves(config.seed)
    return Validation(select, confirm, triplets, compact.vectors)


def _score(matrix: np.ndarray, validation: Validation, config: ProjectorConfig) -> EpochScore:
    """The selection readers' best-alpha blend Spearman and the triplet accuracy of a space."""
    alpha, score = best_alpha(validation.select.spearman_by_alpha(matrix, BlendGrid.of(config)))
    return EpochScore(-1, score, alpha, triplet_accuracy(matrix, validation.triplets))


def _hard_similarity(model: Projector, raw: np.ndarray) -> Callable:
    """Cosine of each anchor to its candidate negatives in the model's current space."""

    def similarity(anchors: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        rows, inverse = np.unique(np.r_[anchors, candidates.ravel()], return_inverse=True)
        projected = project(model, raw[rows])
        a = projected[inverse[: len(anchors)]]
        c = projected[inverse[len(anchors) :]].reshape(*candidates.shape, -1)
        return np.einsum("nd,nkd->nk", a, c)

    return similarity


def _train_epoch(
    model: Projector,
    optimiser: torch.optim.Optimizer,
    raw: np.ndarray,
    source: TripletSource,
    config: ProjectorConfig,
    epoch: int,
) -> float:
    """One epoch over freshly sampled triplets (seeded per epoch); the mean batch loss."""
    n_triplets = max(config.batch_size, int(round(config.triplets_per_rating * source.n_ratings)))
    rng = np.random.default_rng([config.seed, 3, epoch])
    triplets = sample_triplets(
        source,
        n_triplets,
        rng,
        cross_user_share=config.cross_user_share,
        negative_candidates=config.negative_candidates,
        similarity=_hard_similarity(model, raw) if config.negatives == "hard" else None,
    )
    triplets = torch.from_numpy(triplets[rng.permutation(len(triplets))])
    raw_tensor = torch.from_numpy(raw)
    model.train()
    loss_sum, steps = 0.0, 0
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
    return loss_sum / steps if steps else float("nan")


def _train_epochs(
    model: Projector,
    raw: np.ndarray,
    source: TripletSource,
    validation: Validation,
    config: ProjectorConfig,
    started: float,
    raw_spearman: float,
) -> tuple[EpochScore, list[dict]]:
    """Epochs 0 (untrained) .. config.epochs with early stopping: the best epoch and the curve."""
    optimiser = torch.optim.Adam(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    curve: list[dict] = []
    best: EpochScore | None = None
    since_best = 0
    for epoch in range(config.epochs + 1):
        loss = float("nan")
        if epoch > 0:
            loss = _train_epoch(model, optimiser, raw, source, config, epoch)
        scored = _score(project(model, validation.raw), validation, config)
        curve.append(
            {
                "epoch": epoch,
                "loss": loss,
                "val_spearman": scored.spearman,
                "best_alpha": scored.alpha,
                "val_triplet_accuracy": scored.accuracy,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
        log.info(
            "epoch %d: %s, val Spearman %.4f (alpha %.1f; raw %.4f), triplet acc %.3f",
            epoch,
            f"loss {loss:.4f}" if epoch else "untrained (no loss yet)",  # not "loss nan"
            scored.spearman,
            scored.alpha,
            raw_spearman,
            scored.accuracy,
        )
        if best is None or scored.spearman > best.spearman + 1e-9:
            state = copy.deepcopy(model.state_dict())
            best = EpochScore(epoch, scored.spearman, scored.alpha, scored.accuracy, state)
            since_best = 0
        else:
            since_best += 1
            if since_best >= config.patience:
                log.info("no progress for %d epochs: stopping", since_best)
                break
    assert best is not None
    return best, curve


def _confirm(
    trained: np.ndarray,
    validation: Validation,
    config: ProjectorConfig,
    alpha: float,
    raw_alpha: float,
) -> tuple[float, float, float]:
    """(trained, raw, standard error of the paired gain) on the confirmation readers, each
    space at its own selected alpha; readers undefined in either space are left out
    (bookrec.evaluation.metrics.paired_gain)."""
    grid, confirm = BlendGrid.of(config), validation.confirm
    trained_users = confirm.per_user_spearman(trained, grid.at(alpha))[alpha]
    raw_users = confirm.per_user_spearman(validation.raw, grid.at(raw_alpha))[raw_alpha]
    trained_mean, raw_mean, gain_se = paired_gain(trained_users, raw_users)
    log.info(
        "confirmation readers (%d): trained %.4f vs raw %.4f (gain %.4f, se %.4f)",
        int((np.isfinite(trained_users) & np.isfinite(raw_users)).sum()),
        trained_mean,
        raw_mean,
        trained_mean - raw_mean,
        gain_se,
    )
    return trained_mean, raw_mean, gain_se


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
    # a copy torch may take as its own (the loaded vectors are DuckDB's read-only memory)
    raw = np.array(data.vectors.vectors)
    split = split_users(data.ratings, config)
    train_ratings = data.ratings[data.ratings["user_id"].isin(split.train)]
    source = build_source(
        train_ratings,
        data.vectors.index_of(train_ratings["book_id"]),
        len(raw),
        config.min_co_likes,
    )
    validation = _validation(data, split, config)
    log.info(
        "%d training readers (%d with triplets, %d liked-together pairs), %d validation, %d test",
        len(split.train),
        source.n_users,
        len(source.co_pairs) // 2,
        len(split.validation),
        len(split.test),
    )
    raw_scored = _score(validation.raw, validation, config)

    torch.manual_seed(config.seed)
    model = Projector(raw.shape[1], config)
    model.init_from_data(raw)
    best, curve = _train_epochs(
        model, raw, source, validation, config, started, raw_scored.spearman
    )
    model.load_state_dict(best.state)
    val_spearman, raw_val_spearman, gain_se = _confirm(
        project(model, validation.raw), validation, config, best.alpha, raw_scored.alpha
    )
    run = ProjectorRun(
        version=projector_version(config, data.fingerprint),
        encoder_model=data.vectors.version,
        fingerprint=data.fingerprint,
        input_size=raw.shape[1],
        output_size=config.embedding_size or raw.shape[1],
        best_epoch=best.epoch,
        best_alpha=best.alpha,
        val_spearman=val_spearman,
        raw_val_spearman=raw_val_spearman,
        gain_se=gain_se,
        select_spearman=best.spearman,
        raw_select_spearman=raw_scored.spearman,
        raw_alpha=raw_scored.alpha,
        val_triplet_accuracy=best.accuracy,
        raw_val_triplet_accuracy=raw_scored.accuracy,
        selected_as_default=selected_as_default(val_spearman, raw_val_spearman, gain_se),
        seconds=round(time.perf_counter() - started, 2),
    )
    return TrainedProjector(run, config, best.state, pd.DataFrame(curve))
