"""Score a sample of a warehouse's readers with whichever bookrec is on sys.path; time it.

Run by bench/batch_lists.py in a child process, once with this checkout and once with an older
commit's bookrec/ and sql/ first on PYTHONPATH (today's path measured in the same run), so it
uses only what both have: batch_settings, load_recommender, read_histories, reader_chunks,
score_chunk and Recommender.recommend_ids.

python bench/score_sample.py WAREHOUSE READERS MODE OUT.parquet
MODE: "chunks" (score_chunk over chunks of --readers-per-chunk readers: the batch path of that
commit) or "one-by-one" (Recommender.recommend_ids per reader: the one-reader path).
--whole-catalog (this checkout only): every list ranks every candidate (ListConfig.shortlist 0),
as commits before the shortlist did.
Prints one JSON line: bookrec's path, readers, seconds and CPU seconds (of every thread of
the process: a measure a loaded machine changes little) of the scoring alone, not the loading.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

import bookrec
from bookrec.config import RecommendConfig
from bookrec.serving.batch import (
    COLUMNS,
    batch_settings,
    load_recommender,
    read_histories,
    reader_chunks,
    score_chunk,
)


def sample(histories: pd.DataFrame, readers: int) -> pd.DataFrame:
    """`readers` readers spread over the user ids (every k-th), their rows in user order."""
    users = np.unique(histories["user_id"].to_numpy(np.int64))
    step = max(1, len(users) // readers)
    chosen = users[::step][:readers]
    return histories[histories["user_id"].isin(chosen)].reset_index(drop=True)


def one_by_one(recommender, histories: pd.DataFrame, top_n: int) -> pd.DataFrame:
    rows = []
    for user, group in histories.groupby("user_id", sort=True):
        result = recommender.recommend_ids(
            group["book_id"].to_numpy(np.int64), group["rating"].to_numpy(np.float64), top_n
        )
        for rank, item in enumerate(result.items, start=1):
            reason = item.because_text or None
            rows.append((int(user), rank, item.book_id, item.predicted_rating, reason, result.mode))
    return pd.DataFrame(rows, columns=COLUMNS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("readers", type=int)
    parser.add_argument("mode", choices=["chunks", "one-by-one"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--readers-per-chunk", type=int, default=250)
    parser.add_argument("--whole-catalog", action="store_true")
    args = parser.parse_args()
    settings = batch_settings(args.warehouse, args.top, None, RecommendConfig())
    recommender = load_recommender(args.warehouse, settings)
    if args.whole_catalog:
        ranker = recommender.ranker
        recommender.ranker = ranker.with_config(replace(ranker.config, shortlist=0))
    histories = sample(read_histories(args.warehouse), args.readers)
    started, cpu = time.perf_counter(), time.process_time()
    if args.mode == "chunks":
        chunks = reader_chunks(histories, args.readers_per_chunk)
        frame = pd.concat([score_chunk(recommender, c, args.top) for c in chunks])
    else:
        frame = one_by_one(recommender, histories, args.top)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    frame.to_parquet(args.out)
    readers = int(histories["user_id"].nunique())
    result = {"bookrec": bookrec.__file__, "readers": readers, "seconds": seconds, "cpu_s": cpu}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
