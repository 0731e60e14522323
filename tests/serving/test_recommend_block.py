"""Blocks of readers get the lists each reader gets alone: recommend_all's batch path
(Recommender.recommend_ids_block, score_chunk) against the one-reader path (recommend_ids,
ListRanker.recommend) on a few hundred demo readers, with the works tables and co-rating vectors
built, so every rule and both spaces take part."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bookrec.config import DataConfig, RecommendConfig, ScorerConfig
from bookrec.lists import reader_list
from bookrec.lists.coreaders import co_readers_of
from bookrec.serving.batch import (
    READER_COST_IN_BOOKS,
    batch_settings,
    chunk_readers,
    load_recommender,
    read_histories,
    reader_chunks,
    score_chunk,
)
from bookrec.serving.forked import can_fork, close_forked_workers, score_chunk_forked
from bookrec.serving.recommender import Recommendations, Recommender
from bookrec.warehouse.connection import connect
from tests.conftest import add_list_tables

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The demo catalog (300 books, 300 readers) prepared, embedded with the real encoder, and
    with what `flows.lists` adds (works tables, co-rating vectors, EASE's weights)."""
    from bookrec.demo.generator import write_demo_dataset
    from bookrec.embedding.store import embed_books
    from bookrec.warehouse import prepare

    folder = tmp_path_factory.mktemp("block")
    db = folder / "demo.duckdb"
    # the demo's files (flows.prepare_data writes them for --demo), read like real files
    write_demo_dataset(folder / "files", n_books=300, n_users=300, seed=DataConfig().demo_seed)
    prepare.build_warehouse(DataConfig(data_dir=folder / "files", warehouse=db, download=False))
    embed_books(db, progress=False)
    add_list_tables(db)
    return db


@pytest.fixture(scope="module")
def recommender(warehouse: Path) -> Recommender:
    with connect(warehouse, read_only=True) as con:
        return Recommender.from_warehouse(con, ScorerConfig(), RecommendConfig(min_num_ratings=0))


def _lists(answers: list[Recommendations]) -> list[tuple]:
    """What a reader sees: mode, then per rank the book, its reason and "next in series"."""
    return [
        (
            a.mode,
            [(r.book_id, r.because_text, r.next_in_series) for r in a.items],
        )
        for a in answers
    ]


def _predictions(answers: list[Recommendations]) -> np.ndarray:
    return np.array(
        [
            np.nan if r.predicted_rating is None else r.predicted_rating
            for a in answers
            for r in a.items
        ]
    )


def test_a_block_of_readers_gets_each_readers_own_list(recommender, warehouse, monkeypatch):
    chunk = reader_chunks(read_histories(warehouse), 10_000)[0]
    _, readers = chunk_readers(chunk)
    assert len(readers) >= 250
    assert recommender.ranker.cands.ease is not None  # the default co-reading feature, EASE
    alone = [recommender.recommend_ids(ids, ratings, 10) for ids, ratings in readers]
    together = recommender.recommend_ids_block(readers, 10)
    assert _lists(together) == _lists(alone)
    np.testing.assert_allclose(_predictions(together), _predictions(alone), atol=1e-9)
    # the lists are real: ten books each, reasons given, series continued for some
    assert all(len(a.items) == 10 for a in alone)
    assert sum(bool(r.because) for a in alone for r in a.items) > len(alone)
    assert {a.mode for a in alone} == {"personal"}
    # blocks cut small (a few readers each) change nothing either
    monkeypatch.setattr(reader_list, "BLOCK_CELLS", 40 * len(recommender.cand_ids))
    assert _lists(recommender.recommend_ids_block(readers, 10)) == _lists(alone)


def _shown(items: list[reader_list.ListItem]) -> list[tuple]:
    """A list as a reader meets it: books, "next in series", and each reason's book, kind and
    similarity as shown (two decimals)."""
    return [
        (
            i.book_id,
            i.next_in_series,
            [(e.book_id, e.kind, f"{e.similarity:.2f}") for e in i.evidence],
        )
        for i in items
    ]


def test_every_kind_of_reader_in_one_block(recommender):
    ranker = recommender.ranker
    ids = recommender.cand_ids
    readers = [
        (ids[:12], np.array([5, 4, 4, 5, 3, 2, 1, 5, 4, 4, 5, 3], np.float64)),  # rated
        (ids[20:23], None),  # listed without ratings ("similar")
        (ids[30:34], np.array([np.nan, 5, np.nan, 2])),  # a mix
        (ids[40:43], np.array([1.0, 2.0, 1.0])),  # only dislikes
        ([], None),  # nobody in particular
        (ids[50:51], None),  # more like this
    ]
    excludes = [(), ids[100:110], (), (), ids[:5], ()]
    together = ranker.recommend_block(readers, 10, excludes)
    alone = [
        ranker.recommend(b, r, 10, exclude)
        for (b, r), exclude in zip(readers, excludes, strict=True)
    ]
    assert [_shown(items) for items in together] == [_shown(items) for items in alone]
    # the scores behind the order agree to float32 rounding (one product or several)
    for got, want in zip(together, alone, strict=True):
        np.testing.assert_allclose([i.score for i in got], [i.score for i in want], atol=1e-5)
    assert all(len(items) == 10 for items in alone)
    assert not {i.book_id for i in alone[1]} & set(ids[100:110].tolist())


def test_a_bad_reader_in_a_block_is_named(recommender):
    ids = recommender.cand_ids
    with pytest.raises(ValueError, match="ratings must lie in 1..5"):
        recommender.ranker.recommend_block([(ids[:2], [4, 5]), (ids[2:4], [6, 1])])


def test_score_chunk_rows_are_the_one_reader_lists(warehouse):
    settings = batch_settings(warehouse, 5, None, RecommendConfig(min_num_ratings=0))
    recommender = load_recommender(warehouse, settings)
    chunk = reader_chunks(read_histories(warehouse), 40)[1]
    frame = score_chunk(recommender, chunk, 5)
    users, readers = chunk_readers(chunk)
    want = [
        (int(u), rank, item.book_id, item.because_text or None, answer.mode)
        for u, (ids, ratings) in zip(users, readers, strict=True)
        for answer in [recommender.recommend_ids(ids, ratings, 5)]
        for rank, item in enumerate(answer.items, start=1)
    ]
    got = list(
        frame[["user_id", "rank", "book_id", "reason", "mode"]].itertuples(index=False, name=None)
    )
    assert got == want
    assert len(got) == 5 * len(readers) and 30 <= len(readers) <= 40


def test_chunks_share_the_work_out_evenly_among_the_workers(warehouse):
    """At most readers_per_chunk each, a multiple of the workers in number, equal in cost
    (books + READER_COST_IN_BOOKS a reader) up to one reader's: two workers taking chunks in
    turn finish together, though a few readers hold most of the books."""
    histories = read_histories(warehouse)
    readers = histories["user_id"].nunique()
    books = histories.groupby("user_id").size()
    heaviest = int(books.max()) + READER_COST_IN_BOOKS
    per_chunk = readers // 5  # five chunks' worth, and a few readers over
    for workers in (1, 2, 3):
        chunks = reader_chunks(histories, per_chunk, workers)
        sizes = [c.readers for c in chunks]
        costs = [len(c.user_ids) + READER_COST_IN_BOOKS * c.readers for c in chunks]
        assert sum(sizes) == readers and max(sizes) <= per_chunk
        assert max(costs) - min(costs) <= 2 * heaviest and len(chunks) % workers == 0
        rows = np.concatenate([c.user_ids for c in chunks])
        assert (rows == histories["user_id"].to_numpy()).all()  # every row once, in order
    # one heavy reader among light ones: the chunks cut around them, not at equal readers
    skewed = pd.DataFrame(
        {
            "user_id": np.repeat([1, 2, 3, 4, 5, 6], [400, 4, 4, 4, 4, 4]),
            "book_id": np.arange(420),
            "rating": 4.0,
        }
    )
    assert [c.readers for c in reader_chunks(skewed, 10, 2)] == [1, 5]
    sizes = [c.readers for c in reader_chunks(skewed, 3, 2)]
    assert sizes[0] == 1 and max(sizes) <= 3 and sum(sizes) == 6 and len(sizes) == 4
    assert reader_chunks(histories.iloc[:0], 10, 2) == []


@pytest.mark.skipif(not can_fork(), reason="forked scorers need a platform that forks (Linux)")
def test_forked_workers_give_the_rows_of_this_process(warehouse):
    """recommend_all's in-process runner scores each chunk in a worker forked from the loaded
    process: the same rows as scoring it here, and no worker is left after the run."""
    settings = batch_settings(warehouse, 5, None, RecommendConfig(min_num_ratings=0))
    recommender = load_recommender(warehouse, settings)
    chunks = reader_chunks(read_histories(warehouse), 40)[:3]
    before = {p.pid for p in multiprocessing.active_children()}
    try:
        forked = [score_chunk_forked(recommender, c, 5, processes=2) for c in chunks]
        workers = {p.pid for p in multiprocessing.active_children()} - before
        assert len(workers) == 2 and os.getpid() not in workers
    finally:
        close_forked_workers()
    assert not {p.pid for p in multiprocessing.active_children()} - before
    for chunk, rows in zip(chunks, forked, strict=True):
        assert rows.equals(score_chunk(recommender, chunk, 5))


def test_a_shortlisted_reader_gets_the_same_list_alone_and_in_a_block(recommender):
    """ListConfig.shortlist: the costly features on each reader's shortlist, z-scored over a
    fixed sample; the block and the one-reader path still agree, and the lists stay close to
    those ranked over every candidate."""
    exact = recommender.ranker
    n = len(exact.cands.book_ids)
    config = replace(exact.config, shortlist=40, shortlist_sample=100)
    assert n > 140  # the demo's catalog is larger than shortlist + sample: shortlisting is on
    ranker = exact.with_config(config)
    ids = recommender.cand_ids
    rng = np.random.default_rng(3)
    readers = [
        (ids[:12], np.array([5, 4, 4, 5, 3, 2, 1, 5, 4, 4, 5, 3], np.float64)),
        (ids[20:23], None),
        (ids[30:34], np.array([np.nan, 5, np.nan, 2])),
        (ids[40:43], np.array([1.0, 2.0, 1.0])),
        ([], None),
        (ids[50:51], None),
    ] + [
        (books, rng.integers(1, 6, len(books)).astype(np.float64))
        for books in (rng.choice(ids, size=k, replace=False) for k in (3, 8, 20, 40))
    ]
    together = ranker.recommend_block(readers, 10)
    alone = [ranker.recommend(b, r, 10) for b, r in readers]
    assert [_shown(items) for items in together] == [_shown(items) for items in alone]
    feats = next(ranker._block_features([reader_list._checked(*readers[0])], [np.zeros(n, bool)]))
    assert feats.positions is not None and len(feats.positions) <= 140
    # the z-scores stand for every candidate: the shortlist itself, the sample for the rest
    assert feats.weights.sum() == pytest.approx(n)
    # the liked books' co-rating cosines, computed only for the candidates asked (the
    # explanations, the re-ranker), are those of the whole catalog's product
    whole_feats = next(
        exact._block_features([reader_list._checked(*readers[0])], [np.zeros(n, bool)])
    )
    assert feats.corating_rows is None and whole_feats.corating_rows is not None
    asked = feats.positions[::3]
    np.testing.assert_allclose(
        feats.liked_cosines("corating", asked),
        whole_feats.liked_cosines("corating", asked),
        atol=1e-6,
    )
    assert np.abs(feats.liked_cosines("corating", asked)).max() > 0
    # every listed book was shortlisted, and the lists are mostly the whole catalog's
    whole = [exact.recommend(b, r, 10) for b, r in readers]
    shared = [
        len({i.book_id for i in a} & {i.book_id for i in b}) / max(len(b), 1)
        for a, b in zip(alone, whole, strict=True)
    ]
    assert all(len(a) == len(b) for a, b in zip(alone, whole, strict=True))
    assert np.mean(shared) >= 0.8, shared
    # a list too long for the shortlist ranks the whole catalog: nothing is cut short
    long = [ranker.recommend(b, r, 100) for b, r in readers[:2]]
    assert [_shown(items) for items in long] == [
        _shown(exact.recommend(b, r, 100)) for b, r in readers[:2]
    ]
    assert all(len(items) == 100 for items in long)
    # a shortlist as large as the catalog ranks it whole: the same lists, the same scores
    same = exact.with_config(replace(exact.config, shortlist=n, shortlist_sample=100))
    assert [_shown(items) for items in same.recommend_block(readers, 10)] == [
        _shown(items) for items in whole
    ]


def test_the_served_ranker_knows_who_read_what_here(warehouse: Path, recommender: Recommender):
    """The few-book re-ranker's share of co-readers rests on the warehouse's ratings, by
    work (bookrec.lists.coreaders): every reader and every work read is there, and every
    read and like as the warehouse's ratings give them (the likes counted in SQL too). The
    works and the liked rating are the ranker's own, so not checked here: the demo has one
    edition a work (tests/lists/test_coreaders.py checks that editions count once)."""
    readers = recommender.ranker.cands.co_readers
    assert readers is not None
    with connect(warehouse, read_only=True) as con:
        n_readers, n_pairs = con.execute(
            "select count(distinct user_id), count(*) from ratings"
        ).fetchone()
        ratings = con.execute("select user_id, book_id, rating from ratings").df()
        (likes,) = con.execute(
            "select count(distinct (user_id, book_id)) from ratings where rating >= ?",
            [recommender.ranker.config.liked_rating],
        ).fetchone()
    assert readers.read.shape[0] == n_readers
    assert readers.readers_of.sum() <= n_pairs  # editions of one work count once a reader
    config = recommender.ranker.config
    expected = co_readers_of(ratings, recommender.ranker.works, config.liked_rating)
    assert readers.works.tolist() == expected.works.tolist()
    assert (readers.read != expected.read).nnz == 0
    assert (readers.liked != expected.liked).nnz == 0
    assert readers.liked.nnz == likes  # one edition a work here: a like a (reader, book)
    cols = recommender.ranker.cands.co_reader_cols
    assert (cols >= 0).sum() > len(cols) // 2  # most candidates were read by someone here
