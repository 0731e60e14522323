"""recommend_all's lists one reader at a time (before) against blocks of readers (after).

Used by bench/scale.py (--only-batch-lists runs this part alone). For one warehouse, on the
same sample of its readers and in the same run:
- before: the batch path of BEFORE_REF (the last commit that scored every reader through the
  one-reader path), its bookrec/ and sql/ extracted from git and run in a child process;
- one-by-one: this checkout's one-reader path (Recommender.recommend_ids per reader: what a
  served request runs);
- after: this checkout's batch path (score_chunk: a chunk's readers scored together), as
  served: on shortlists where the catalog is larger than ListConfig.shortlist + its sample;
- after, whole catalog: the same with every candidate ranked (ListConfig.shortlist 0), what
  the shortlist saves;
- after with ALS's feature: the whole-catalog batch path on a copy without EASE's weights
  (feat_book_ease, which BEFORE_REF predates: it ranks with ALS's score, as this checkout does
  without them);
then the whole `python -m flows.recommend_all` over every reader (Prefect, loading, writing).
The lists must agree (ids, ranks, reasons and modes equal, predictions to 1e-6): after with
one-by-one, after with ALS's feature with before; how many of the whole-catalog lists' books
the shortlisted lists hold is reported beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from bookrec.config import ListConfig
from bookrec.lists.settings import save_list_settings
from bookrec.warehouse.connection import connect

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# The commit before blocks of readers: recommend_all ran each reader through recommend_ids.
BEFORE_REF = "47d3403"
# the list weights of BEFORE_REF (ALS's score as the co-rating feature), for every reader
BEFORE_WEIGHTS = ListConfig(
    w_pop=1.0,
    w_text=3.0,
    w_corating=1.0,
    w_rating=0.5,
    few_w_pop=1.0,
    few_w_text=3.0,
    few_w_corating=1.0,
    few_w_rating=0.5,
)


def extract_ref(ref: str, folder: Path) -> Path:
    """bookrec/, sql/ and flows/ of a commit, extracted into folder (for PYTHONPATH; its flows
    run with the extract as the working directory)."""
    archive = folder / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "archive", ref, "bookrec", "sql", "flows"], cwd=ROOT, stdout=out, check=True
        )
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "src", filter="data")
    return folder / "src"


def score_sample(
    warehouse: Path,
    readers: int,
    mode: str,
    out: Path,
    source: Path | None = None,
    extra: tuple[str, ...] = (),
) -> dict[str, object]:
    """bench/score_sample.py in a child process (with `source` first on sys.path if given)."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    script = str(ROOT / "bench" / "score_sample.py")
    done = subprocess.run(
        [PY, script, str(warehouse), str(readers), mode, str(out), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"score_sample {mode} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    expected = (source or ROOT) / "bookrec" / "__init__.py"
    if Path(result["bookrec"]).resolve() != expected.resolve():
        raise RuntimeError(f"ran {result['bookrec']}, not {expected}")
    return result


def compare(want: pd.DataFrame, got: pd.DataFrame) -> dict[str, object]:
    """Equal lists? ids, ranks, reasons and modes exactly; the largest prediction gap."""
    keys = ["user_id", "rank"]
    want = want.sort_values(keys).reset_index(drop=True)
    got = got.sort_values(keys).reset_index(drop=True)
    same_shape = len(want) == len(got) and (want[keys].to_numpy() == got[keys].to_numpy()).all()
    exact = ["user_id", "rank", "book_id", "reason", "mode"]
    mismatched = (
        int(
            (want[exact].fillna("").astype(str) != got[exact].fillna("").astype(str))
            .any(axis=1)
            .sum()
        )
        if same_shape
        else len(want)
    )
    gap = float("nan")
    if same_shape:
        a = want["predicted"].to_numpy(np.float64)
        b = got["predicted"].to_numpy(np.float64)
        both = ~(np.isnan(a) | np.isnan(b))
        gap = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
    return {"rows": len(want), "rows_differing": mismatched, "max_prediction_gap": gap}


def books_kept(whole: pd.DataFrame, shortlisted: pd.DataFrame) -> float:
    """The share of each reader's whole-catalog list that their shortlisted list holds too
    (in any rank), over every listed book."""
    want = whole.groupby("user_id")["book_id"].apply(set)
    got = shortlisted.groupby("user_id")["book_id"].apply(set)
    kept = sum(len(books & got.get(user, set())) for user, books in want.items())
    return round(kept / max(sum(len(books) for books in want), 1), 4)


def measure(warehouse: Path, label: str, readers: int) -> dict[str, object]:
    """Before, one-by-one and after on `readers` readers of the warehouse, lists compared.

    BEFORE_REF predates EASE's weights (feat_book_ease): it ranks with ALS's score and the
    weights tuned for it (BEFORE_WEIGHTS), as this checkout does without that table and with
    those weights in list_settings. So `before` and "after, ALS's feature" run on such a copy
    and are compared; after (the served lists: EASE's score, the defaults tuned for it) is
    compared with one-by-one, and its speed is the one reported.
    """
    with tempfile.TemporaryDirectory(prefix="bookrec-batch-") as tmp:
        work = Path(tmp)
        before_src = extract_ref(BEFORE_REF, work)
        without_ease = work / "without_ease.duckdb"
        shutil.copy(warehouse, without_ease)
        with connect(without_ease) as con:
            con.execute("drop table if exists feat_book_ease")
            save_list_settings(con, "bench-before-ease", BEFORE_WEIGHTS, float("nan"))
        whole = ("--whole-catalog",)
        sources = {
            "before": (without_ease, "chunks", before_src, ()),
            "one_by_one": (warehouse, "one-by-one", None, ()),
            "after": (warehouse, "chunks", None, ()),
            "after_whole": (warehouse, "chunks", None, whole),
            "als_after": (without_ease, "chunks", None, whole),
        }
        runs = {
            name: score_sample(db, readers, mode, work / f"{name}.parquet", source, extra)
            for name, (db, mode, source, extra) in sources.items()
        }
        frames = {k: pd.read_parquet(work / f"{k}.parquet") for k in runs}
    rate = {k: r["readers"] / r["seconds"] for k, r in runs.items()}
    cpu_ms = {k: 1000 * r["cpu_s"] / r["readers"] for k, r in runs.items()}
    row: dict[str, object] = {
        "data": label,
        "sample_readers": runs["after"]["readers"],
        "before_readers_per_s": round(rate["before"], 1),
        "one_by_one_readers_per_s": round(rate["one_by_one"], 1),
        "after_readers_per_s": round(rate["after"], 1),
        "speedup": round(rate["after"] / rate["before"], 1),
        # CPU time per reader: what a loaded machine changes least
        "before_cpu_ms_per_reader": round(cpu_ms["before"], 2),
        "one_by_one_cpu_ms_per_reader": round(cpu_ms["one_by_one"], 2),
        "after_cpu_ms_per_reader": round(cpu_ms["after"], 2),
        "cpu_speedup": round(cpu_ms["before"] / cpu_ms["after"], 1),
        "load_avg": round(os.getloadavg()[0], 1),
    }
    row["after_whole_catalog_cpu_ms_per_reader"] = round(cpu_ms["after_whole"], 2)
    row["after_als_feature_cpu_ms_per_reader"] = round(cpu_ms["als_after"], 2)
    row["shortlist_keeps_of_whole_top"] = books_kept(frames["after_whole"], frames["after"])
    vs_before = compare(frames["before"], frames["als_after"])
    vs_one = compare(frames["one_by_one"], frames["after"])
    row["rows_differing_vs_before"] = vs_before["rows_differing"]
    row["rows_differing_vs_one_by_one"] = vs_one["rows_differing"]
    row["max_prediction_gap"] = max(vs_before["max_prediction_gap"], vs_one["max_prediction_gap"])
    print(f"batch lists, {label}: {row}", flush=True)
    return row


def demo_warehouse(folder: Path, books: int, readers: int, encode: bool) -> Path:
    """A demo warehouse with its lists (works, co-rating vectors, EASE), built in this process.

    encode=False stores stand-in text vectors (seeded random unit vectors, through the same
    chunk store as the encoder's) instead of encoding every text: the ranker's cost depends on
    the shapes (candidates x history books), not on the values, and encoding the full-size
    demo's 52k texts takes 8+ minutes of both cores alone.
    """
    from bookrec.config import DataConfig
    from bookrec.demo.generator import write_demo_dataset
    from bookrec.embedding.store import embed_books, finish_embedding, plan_embedding, store_chunk
    from bookrec.lists.tables import build_list_tables
    from bookrec.warehouse import prepare
    from bookrec.warehouse.connection import connect

    db = folder / "demo.duckdb"
    # the demo's files (flows.prepare_data writes them for --demo), read like real files
    files = folder / "demo_files"
    write_demo_dataset(files, n_books=books, n_users=readers, seed=DataConfig().demo_seed)
    prepare.build_warehouse(DataConfig(data_dir=files, warehouse=db, download=False))
    if encode:
        embed_books(db, progress=False)
    else:
        plan = plan_embedding(db, "stand-in:random-unit-384", 4096)
        for chunk in plan.chunks:
            rng = np.random.default_rng(chunk.number)
            vectors = rng.standard_normal((len(chunk.texts), 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store_chunk(db, plan.model, chunk, vectors)
        finish_embedding(db, plan)
    with connect(db) as con:
        build_list_tables(con)
    return db


def implicit_batch(warehouse: Path, top_n: int = 10) -> dict[str, object]:
    """The library a user would pick for batch lists, on the same readers: implicit's ALS
    (bookrec's own settings, CoratingConfig) fitted on every rating, then its batch
    `recommend` of top_n books for every reader (read books filtered out; no candidate
    filter, no works rules, no reasons). Fit and recommend timed apart: bookrec's flow
    `lists` fits its models before recommend_all runs."""
    import time

    from threadpoolctl import threadpool_limits

    from bookrec.config import CoratingConfig
    from bookrec.lists.corating import fit_als, interaction_matrix
    from bookrec.warehouse.tables import load_ratings

    with connect(warehouse, read_only=True) as con:
        matrix, users, _ = interaction_matrix(load_ratings(con))
    started = time.perf_counter()
    model = fit_als(matrix, CoratingConfig())
    fit_s = time.perf_counter() - started
    rows = np.arange(len(users))
    started = time.perf_counter()
    with threadpool_limits(1, "blas"):  # implicit runs its own threads
        ids, _ = model.recommend(rows, matrix[rows], N=top_n, filter_already_liked_items=True)
    recommend_s = time.perf_counter() - started
    assert ids.shape == (len(users), top_n)
    row = {
        "readers": len(users),
        "fit_s": round(fit_s, 2),
        "recommend_s": round(recommend_s, 2),
        "recommend_readers_per_s": round(len(users) / recommend_s, 1),
        "fit_and_recommend_readers_per_s": round(len(users) / (fit_s + recommend_s), 1),
    }
    print(f"implicit ALS batch recommend on {warehouse}: {row}", flush=True)
    return row


def flow_run(
    warehouse: Path, extra: tuple[str, ...] = (), source: Path | None = None
) -> dict[str, object]:
    """The whole `python -m flows.recommend_all` over every reader, as a user runs it: its own
    record of the run (recommend_all_runs) beside the command's wall time and peak memory.
    `source`: a folder extract_ref made, whose flows/, bookrec/ and sql/ run instead."""
    from bench.common import run_timed
    from bookrec.warehouse.connection import connect

    before = round(os.getloadavg()[0], 1)
    timed = run_timed(
        [PY, "-m", "flows.recommend_all", "--warehouse", str(warehouse), *extra],
        env={"PYTHONPATH": str(source)} if source else None,
        cwd=source or ROOT,
    )
    with connect(warehouse, read_only=True) as con:
        readers, rows, seconds, runner = con.execute(
            "select readers, rows, seconds, runner from recommend_all_runs "
            "order by created_at desc limit 1"
        ).fetchall()[0]
        books = con.execute("select count(*) from books").fetchall()[0][0]
    row = {
        "books": books,
        "readers": readers,
        "rows": rows,
        "runner": runner,
        "flow_s": round(seconds, 1),
        "readers_per_s": round(readers / seconds, 1),
        "command_wall_s": timed["wall_s"],
        "peak_mib": timed["peak_mib"],
        "load_avg_before": before,
    }
    print(f"recommend_all on {warehouse}: {row}", flush=True)
    return row
