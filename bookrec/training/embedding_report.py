"""How well each embedding space separates a reader's liked books from their disliked ones.

Measured on the test readers of the projector's user split (bookrec.holdout.split_users:
never used for triplets nor for model selection), for the raw encoder space and, when stored, the
trained projector's space, on the same readers, books and triplets:

- triplet_accuracy: share of (liked, liked, disliked) triplets of one reader in which the two
  liked books are more similar to each other than the anchor is to the disliked one.
- centroid_auc: per reader, ROC AUC of cos(book, centroid of the reader's liked books) for
  liked vs disliked books (a liked book is left out of its own centroid), averaged.
- cos_liked_liked / cos_liked_disliked: per reader, mean cosine of liked-liked pairs and of
  liked-disliked pairs, averaged over readers; `cos_gap` is their difference.
- blend_spearman: the blend's mean per-user Spearman on the readers' hidden ratings
  (bookrec.evaluation.heldout_blend), alpha chosen per space on the validation readers as in
  training (bookrec.evaluation.grid_choice.best_alpha).

"Liked" is rated above the reader's own mean rating, "disliked" below it. Every metric is also
given for books with a description and books without one (known by title only): a triplet or
pair counts in a subset when all its books are in it, a scored book (AUC, Spearman) when it is.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from bookrec.config import ProjectorConfig, to_json
from bookrec.embedding.projector_runs import projector_config_of
from bookrec.embedding.vectors import BookVectors, load_book_vectors
from bookrec.errors import DataError
from bookrec.evaluation.grid_choice import best_alpha
from bookrec.evaluation.heldout_blend import SUBSETS, BlendGrid, BlendTask
from bookrec.evaluation.metrics import mean_defined, triplet_accuracy
from bookrec.holdout import UserSplit, hide_ratings, split_users
from bookrec.report_json import report_json
from bookrec.scoring.predictors import BookAverage
from bookrec.training.triplets import build_source, liked_disliked, sample_triplets
from bookrec.warehouse.connection import require_tables, table_exists
from bookrec.warehouse.summary import data_label
from bookrec.warehouse.tables import load_books, load_ratings

log = logging.getLogger(__name__)

REPORT_TRIPLETS = 20000
PAIRS_PER_READER = 200  # cosine pairs kept per reader for the distribution plot


@dataclass
class SpaceReport:
    space: str
    version: str
    alpha: float
    metrics: dict[str, dict[str, float]]
    liked_liked: np.ndarray = field(repr=False)
    liked_disliked: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {"space": self.space, "version": self.version, "alpha": self.alpha, **self.metrics}


@dataclass
class EmbeddingReport:
    spaces: list[SpaceReport]
    test_users: int
    validation_users: int
    projector_config: dict
    notes: list[str]
    data: str = ""  # what the warehouse was built from (bookrec.warehouse.summary.data_label)

    def as_dict(self) -> dict:
        """One object per space (keyed by space), each with the metrics of every subset."""
        return {
            report.space: {
                **report.as_dict(),
                "test_users": self.test_users,
                "validation_users": self.validation_users,
            }
            for report in self.spaces
        }


def _auc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    if len(scores_pos) == 0 or len(scores_neg) == 0:
        return float("nan")
    ranks = stats.rankdata(np.r_[scores_pos, scores_neg])
    n_pos, n_neg = len(scores_pos), len(scores_neg)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _separation(
    matrix: np.ndarray,
    readers: pd.DataFrame,
    described: np.ndarray,
    rng: np.random.Generator,
) -> tuple[dict[str, dict[str, float]], np.ndarray, np.ndarray]:
    """Centroid AUC and liked-liked / liked-disliked cosines per subset, plus sampled pairs."""
    per_subset = {s: {"auc": [], "ll": [], "ld": []} for s in SUBSETS}
    sample_ll, sample_ld = [], []
    for _, group in readers.groupby("user_id", sort=True):
        liked = group["row"].to_numpy()[group["label"].to_numpy() > 0]
        disliked = group["row"].to_numpy()[group["label"].to_numpy() < 0]
        if len(liked) < 2 or len(disliked) < 1:
            continue
        v_liked, v_disliked = matrix[liked], matrix[disliked]
        total = v_liked.sum(axis=0)
        # Leave-one-out: a liked book is scored against the centroid of the other liked books.
        loo = total[None, :] - v_liked
        loo /= np.maximum(np.linalg.norm(loo, axis=1, keepdims=True), 1e-12)
        centre = total / max(np.linalg.norm(total), 1e-12)
        score_liked = (v_liked * loo).sum(axis=1)
        score_disliked = v_disliked @ centre
        ll = v_liked @ v_liked.T
        ld = v_liked @ v_disliked.T
        upper = np.triu_indices(len(liked), 1)
        d_liked, d_disliked = described[liked], described[disliked]
        for subset in SUBSETS:
            if subset == "all":
                m_l, m_d = np.ones(len(liked), bool), np.ones(len(disliked), bool)
            elif subset == "with_description":
                m_l, m_d = d_liked, d_disliked
            else:
                m_l, m_d = ~d_liked, ~d_disliked
            bucket = per_subset[subset]
            bucket["auc"].append(_auc(score_liked[m_l], score_disliked[m_d]))
            pair_ll = ll[upper][(m_l[upper[0]] & m_l[upper[1]])]
            pair_ld = ld[np.ix_(m_l, m_d)].ravel()
            bucket["ll"].append(pair_ll.mean() if len(pair_ll) else np.nan)
            bucket["ld"].append(pair_ld.mean() if len(pair_ld) else np.nan)
        for target, values in ((sample_ll, ll[upper]), (sample_ld, ld.ravel())):
            if len(values) > PAIRS_PER_READER:
                values = rng.choice(values, PAIRS_PER_READER, replace=False)
            target.append(values)
    metrics = {}
    for subset, bucket in per_subset.items():
        ll_mean, ld_mean = mean_defined(bucket["ll"]), mean_defined(bucket["ld"])
        metrics[subset] = {
            "centroid_auc": mean_defined(bucket["auc"]),
            "auc_users": int(np.isfinite(np.asarray(bucket["auc"], dtype=float)).sum()),
            "cos_liked_liked": ll_mean,
            "cos_liked_disliked": ld_mean,
            "cos_gap": ll_mean - ld_mean,
        }
    concat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
    return metrics, concat(sample_ll), concat(sample_ld)


@dataclass(frozen=True)
class ReportReaders:
    """What every space is measured on: the test readers' labelled ratings on the books every
    space knows (`pos`: row in `common`), their triplets, and the blend tasks of the test and
    validation readers."""

    common: np.ndarray
    described: np.ndarray
    test: pd.DataFrame
    triplets: np.ndarray
    test_history: pd.DataFrame
    test_hidden: pd.DataFrame
    val_history: pd.DataFrame
    val_hidden: pd.DataFrame
    means: BookAverage


def _stored_spaces(
    con: duckdb.DuckDBPyConnection, version: str | None, notes: list[str]
) -> dict[str, BookVectors]:
    spaces = {"raw": load_book_vectors(con, "raw")}
    if table_exists(con, "feat_book_projections"):
        spaces["trained"] = load_book_vectors(con, "trained", version)
    else:
        notes.append(
            "no trained space stored: run `python -m flows.train` and "
            "`python -m flows.encode_embeddings` to compare"
        )
    return spaces


def _report_readers(
    books: pd.DataFrame,
    ratings: pd.DataFrame,
    spaces: dict[str, BookVectors],
    split: UserSplit,
    config: ProjectorConfig,
) -> ReportReaders:
    """Held-out readers' ratings on books every space knows, labelled liked / disliked."""
    described_of = books.set_index("book_id")["has_description"].astype(bool)
    common = spaces["raw"].book_ids
    for vectors in spaces.values():
        common = np.intersect1d(common, vectors.book_ids)
    held = ratings[ratings["book_id"].isin(common)]
    test = liked_disliked(held[held["user_id"].isin(split.test)].reset_index(drop=True))
    if test.empty:
        raise DataError("the test readers have no ratings on embedded books; embed the books")
    position = pd.Series(np.arange(len(common)), index=common)
    described = described_of.reindex(common).fillna(False).to_numpy(bool)
    test = test.assign(pos=position.reindex(test["book_id"]).to_numpy())
    source = build_source(test, test["pos"].to_numpy(), len(common))
    triplets = sample_triplets(source, REPORT_TRIPLETS, np.random.default_rng([config.seed, 4]))

    history, hidden = hide_ratings(held, split.test, config.hidden_share, config.seed)
    val_history, val_hidden = hide_ratings(held, split.validation, config.hidden_share, config.seed)
    known = pd.concat(
        [
            ratings[~ratings["user_id"].isin(np.r_[split.test, split.validation])],
            history,
            val_history,
        ],
        ignore_index=True,
    )
    means = BookAverage("goodreads", books).fit(known)
    hidden = hidden.assign(has_description=described_of.reindex(hidden["book_id"]).to_numpy())
    return ReportReaders(
        common, described, test, triplets, history, hidden, val_history, val_hidden, means
    )


def _space_report(
    name: str, vectors: BookVectors, readers: ReportReaders, config: ProjectorConfig
) -> SpaceReport:
    """Every metric of one space, per subset (alpha chosen on the validation readers)."""
    matrix = vectors.vectors[vectors.index_of(readers.common)]
    if not np.isfinite(matrix).all():
        raise DataError(f"the {name} space holds NaN vectors; rebuild it")
    val_task = BlendTask.build(readers.val_history, readers.val_hidden, readers.means, vectors)
    grid = BlendGrid.of(config)
    alpha, _ = best_alpha(val_task.spearman_by_alpha(vectors.vectors, grid))
    test_task = BlendTask.build(readers.test_history, readers.test_hidden, readers.means, vectors)
    rng = np.random.default_rng([config.seed, 5])
    test = readers.test.assign(row=readers.test["pos"])
    metrics, ll, ld = _separation(matrix, test, readers.described, rng)
    triplets, described = readers.triplets, readers.described
    for subset in SUBSETS:
        keep = np.ones(len(triplets), bool)
        if subset != "all":
            inside = described[triplets].all(axis=1)
            outside = (~described[triplets]).all(axis=1)
            keep = inside if subset == "with_description" else outside
        metrics[subset]["triplet_accuracy"] = triplet_accuracy(matrix, triplets[keep])
        metrics[subset]["triplets"] = int(keep.sum())
        metrics[subset]["blend_spearman"] = test_task.spearman_by_alpha(
            vectors.vectors, grid.at(alpha), subset
        )[alpha]
    log.info("%s: %s", name, metrics["all"])
    return SpaceReport(name, vectors.version, alpha, metrics, ll, ld)


def build_report(
    con: duckdb.DuckDBPyConnection, version: str | None = None, seed: int | None = None
) -> EmbeddingReport:
    """Measure every stored space on the projector's test readers.

    Args:
        con: the warehouse (read only is enough).
        version: projector version of the trained space; None takes the newest stored one.
        seed: overrides the split seed (default: the projector's, so test readers match).

    Raises:
        WarehouseError: books, ratings or raw vectors are missing.
        DataError: too few readers or ratings to form test triplets.
    """
    require_tables(con, ["books", "ratings", "feat_book_embeddings"])
    notes: list[str] = []
    books = load_books(con)
    ratings = load_ratings(con)
    spaces = _stored_spaces(con, version, notes)
    config = projector_config_of(con, spaces["trained"].version if "trained" in spaces else None)
    if seed is not None:
        config = dataclasses.replace(config, seed=seed)
    split = split_users(ratings, config)
    readers = _report_readers(books, ratings, spaces, split, config)
    reports = [_space_report(name, vectors, readers, config) for name, vectors in spaces.items()]
    return EmbeddingReport(
        spaces=reports,
        test_users=int(readers.test["user_id"].nunique()),
        validation_users=len(split.validation),
        projector_config=json.loads(to_json(config)),
        notes=notes,
        data=data_label(con),
    )


METRIC_LABELS = {
    "triplet_accuracy": "triplet accuracy",
    "centroid_auc": "ROC AUC (liked-centroid cosine)",
    "cos_liked_liked": "mean cos liked-liked",
    "cos_liked_disliked": "mean cos liked-disliked",
    "cos_gap": "gap (liked-liked - liked-disliked)",
    "blend_spearman": "blend per-user Spearman",
}


def _markdown(report: EmbeddingReport) -> str:
    lines = [
        "# Embedding spaces: raw encoder vs trained projector",
        "",
        *([f"Data: {report.data}.", ""] if report.data else []),
        f"Held-out test readers: {report.test_users} (never used for triplets or selection); "
        f"blend alpha chosen per space on {report.validation_users} validation readers. "
        "'Liked' = rated above the reader's own mean, 'disliked' = below.",
        "",
    ]
    for subset in SUBSETS:
        lines += [f"## {subset.replace('_', ' ')}", ""]
        header = (
            "| metric | " + " | ".join(f"{r.space} ({r.version})" for r in report.spaces) + " |"
        )
        lines += [header, "|---" * (len(report.spaces) + 1) + "|"]
        for key, label in METRIC_LABELS.items():
            cells = " | ".join(f"{r.metrics[subset][key]:.4f}" for r in report.spaces)
            lines.append(f"| {label} | {cells} |")
        counts = " | ".join(
            f"{r.metrics[subset]['triplets']} triplets, {r.metrics[subset]['auc_users']} readers"
            for r in report.spaces
        )
        lines += [f"| counted | {counts} |", ""]
    lines += ["Blend alpha per space: " + ", ".join(f"{r.space} {r.alpha}" for r in report.spaces)]
    lines += ["", "![cosine distributions](embeddings.png)", ""]
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def _plot(report: EmbeddingReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(report.spaces), figsize=(5 * len(report.spaces), 3.6))
    axes = np.atleast_1d(axes)
    for ax, space in zip(axes, report.spaces, strict=True):
        bins = np.linspace(-0.3, 1.0, 60)
        ax.hist(space.liked_liked, bins=bins, density=True, alpha=0.55, label="liked-liked")
        ax.hist(space.liked_disliked, bins=bins, density=True, alpha=0.55, label="liked-disliked")
        ax.set_title(f"{space.space} space")
        ax.set_xlabel("cosine similarity")
        ax.legend()
    axes[0].set_ylabel("density")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: EmbeddingReport, reports_dir: Path) -> list[Path]:
    """reports/embeddings.md, embeddings.json (one object per space) and embeddings.png."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    md, js, png = (reports_dir / f"embeddings.{ext}" for ext in ("md", "json", "png"))
    md.write_text(_markdown(report), encoding="utf-8")
    js.write_text(report_json(report.as_dict()), encoding="utf-8")
    _plot(report, png)
    return [md, js, png]
