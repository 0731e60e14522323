"""What is measured is what is served: the evaluation's bookrec list of a reader is the list
`bookrec recommend` gives the same reader (same candidates, rules, co-rating vectors and EASE
weights)."""

from __future__ import annotations

import dataclasses

import numpy as np

from bookrec.config import CoratingConfig, EvalConfig, ListConfig, RecommendConfig
from bookrec.embedding.vectors import load_book_vectors
from bookrec.evaluation.bookrec_list import bookrec_list
from bookrec.evaluation.topn import DEPTH, Case, _setup, bookrec_lists, tune_weights
from bookrec.holdout import split_ratings
from bookrec.lists.coreaders import co_readers_of
from bookrec.lists.genres import load_genres
from bookrec.lists.learned import Rerankers
from bookrec.lists.popularity import counts_for, liked_counts, liked_counts_of
from bookrec.scoring.settings import load_scorer_settings
from bookrec.serving.matching import load_catalog
from bookrec.serving.reader_input import ReaderBook
from bookrec.serving.recommender import Recommender
from bookrec.warehouse.connection import connect
from bookrec.warehouse.tables import load_ratings
from tests.evaluation.test_topn import tiny_with_works  # noqa: F401 (the shared fixture)
from tests.lists.test_learned import ranker_of_made_up_cases

EVERYONE = RecommendConfig(min_num_ratings=0)


def served_and_evaluated(path, lists_config: ListConfig, rerankers: Rerankers | None = None):
    """(the split, its evaluation setup, a Recommender over the same split's models)."""
    config = EvalConfig(min_ratings=5, hidden_share=0.4)
    with connect(path, read_only=True) as con:
        split = split_ratings(load_ratings(con), config.min_ratings, 0.4, config.tune_share, 0)
        setup = _setup(con, split, EVERYONE, CoratingConfig())
        setup = dataclasses.replace(setup, rerankers=rerankers or Rerankers())
        recommender = Recommender(
            load_catalog(con),
            load_book_vectors(con, "raw"),
            load_scorer_settings(con),
            EVERYONE,
            works=setup.works,
            corating=setup.corating,  # the split's co-rating vectors, as the evaluation's
            list_config=lists_config,
            ease=setup.cands.ease,  # and its EASE weights
            liked_by=liked_counts_of(split.train, lists_config.liked_rating),  # and its likes
            rerankers=rerankers,
            co_readers=co_readers_of(
                split.train, setup.works, lists_config.liked_rating
            ),  # who read what
            genres=load_genres(con),
        )
    return split, setup, recommender


def test_evaluation_and_serving_give_one_reader_the_same_list(tiny_with_works):  # noqa: F811
    # 2 stars and below are dislikes here: some readers have them, so dislikes are compared too
    lists_config = ListConfig(w_rating=0.5)
    split, setup, recommender = served_and_evaluated(tiny_with_works, lists_config)
    with connect(tiny_with_works, read_only=True) as con:
        every_like = liked_counts(con, lists_config.liked_rating)  # what serving counts
    evaluated = bookrec_lists(setup, lists_config)
    titles = dict(zip(recommender.catalog["book_id"], recommender.catalog["title"], strict=True))
    authors = dict(zip(recommender.catalog["book_id"], recommender.catalog["author"], strict=True))
    compared = 0
    for user, (ids, ratings) in setup.histories.items():
        expected = evaluated(Case(user, ids, ratings, frozenset()))
        by_ids = recommender.recommend_ids(ids, ratings, top_n=DEPTH)
        books = [
            ReaderBook(titles[b], authors[b], float(r)) for b, r in zip(ids, ratings, strict=True)
        ]
        by_title = recommender.recommend(books, top_n=DEPTH)
        assert [r.book_id for r in by_ids.items] == expected
        assert [r.book_id for r in by_title.items] == expected
        assert by_title.mode == "personal" and expected
        compared += 1
    assert compared == len(setup.histories) >= 4
    assert any((r <= 2).any() for _, r in setup.histories.values())
    assert np.isin(setup.cands.book_ids, recommender.ranker.cands.book_ids).all()
    assert setup.cands.ease is not None and len(setup.cands.ease.book_ids)
    # the evaluation's popularity counts the training ratings' likes only, not the hidden ones
    liked = setup.cands.liked_by
    train_likes = liked_counts_of(split.train, lists_config.liked_rating)
    ids, works = setup.cands.book_ids, setup.works
    assert liked.any() and np.array_equal(liked, counts_for(train_likes, ids, works))
    assert (liked <= counts_for(every_like, ids, works)).all()
    assert not np.array_equal(liked, counts_for(every_like, ids, works))


def test_a_reader_is_re_ranked_alike_in_evaluation_and_serving(tiny_with_works):  # noqa: F811
    """With re-rankers, a reader of 1 to 5 books and one of a whole history get the same
    re-ordered list from both, and the re-rankers change lists (here models trained on
    made-up cases: the few-book one and, another, the full-history one)."""
    lists_config = ListConfig(w_rating=0.5)
    rerankers = Rerankers(few=ranker_of_made_up_cases(), full=ranker_of_made_up_cases(1))
    _, setup, recommender = served_and_evaluated(tiny_with_works, lists_config, rerankers)
    _, linear_setup, _ = served_and_evaluated(tiny_with_works, lists_config)
    evaluated = bookrec_lists(setup, lists_config)
    linear = bookrec_lists(linear_setup, lists_config)
    changed = {1: 0, 3: 0, None: 0}
    for user, (ids, ratings) in setup.histories.items():
        assert len(ids) > lists_config.few_books  # a whole history: the full-history model
        for kept in changed:
            case = Case(user, ids[:kept], ratings[:kept], frozenset())
            expected = evaluated(case)
            served = recommender.recommend_ids(ids[:kept], ratings[:kept], top_n=DEPTH)
            assert [r.book_id for r in served.items] == expected
            assert not set(expected) & set(ids[:kept].tolist())
            changed[kept] += expected != linear(case)
    assert all(changed.values()), changed
    served, measured = recommender.ranker.cands, setup.cands
    assert measured.co_readers is not None and served.co_readers is not None
    assert (served.co_readers.read != measured.co_readers.read).nnz == 0


def test_more_like_this_is_served_as_measured_and_ranked_for_books_like_it(
    tiny_with_works,  # noqa: F811
):
    """ "More like this" on a book (the page's button: Recommender.similar) and a reader who
    gives that book alone with no rating get the list the evaluation measures for that seed,
    ranked for books like it (ListRanker.like_this: popularity weighs less, the re-rankers
    stay out), not the list of a reader who rated it."""
    lists_config = ListConfig(w_rating=0.5, like_this_pop=0.0)
    _, setup, recommender = served_and_evaluated(
        tiny_with_works, lists_config, Rerankers(few=ranker_of_made_up_cases())
    )
    seeded = setup.ranker(lists_config).like_this()  # the evaluation's "more like this"

    def measured(case: Case) -> list[int]:
        return bookrec_list(seeded, case.history, case.ratings, DEPTH)

    typed = bookrec_lists(setup, lists_config)
    seeds = sorted({int(b) for ids, _ in setup.histories.values() for b in ids[:2]})
    differ = 0
    for seed in seeds:
        case = Case(seed, np.array([seed]), np.array([np.nan]), frozenset())
        served = [r.book_id for r in recommender.similar(seed, top_n=DEPTH)]
        alone = recommender.recommend_ids([seed], [None], top_n=DEPTH)
        assert served == measured(case) == typed(case) == [r.book_id for r in alone.items]
        assert seed not in served and alone.mode == "similar"
        liked = Case(seed, np.array([seed]), np.array([5.0]), frozenset())
        differ += served != typed(liked)
    assert differ > 0 and len(seeds) >= 4
    like_this = recommender.ranker.like_this()
    assert like_this is recommender.ranker.like_this() and like_this.rerankers == Rerankers()
    assert like_this.config.few_w_pop == 0.0 and recommender.ranker.config.few_w_pop > 0


def test_weights_are_tuned_for_the_score_they_serve_in(tiny_with_works):  # noqa: F811
    """tune_weights judges each grid point with closeness in genres in the score at its fixed
    weight (ListConfig.genre_for the case's reader): the few-book weights are tuned for the
    score a few-book reader is served."""
    _, setup, _ = served_and_evaluated(tiny_with_works, ListConfig())
    assert setup.cands.genres is not None and (setup.cands.genre_rows >= 0).any()
    cases = [
        Case(c.key, c.history[:3], c.ratings[:3], c.relevant)
        for c in setup.cases(list(setup.histories))
    ]
    one_point = ((1.0,), (0.0,), (0.0,), (0.0,))  # popularity alone, plus what is fixed

    def tuned_ndcg(few_w_genre: float) -> float:
        config = ListConfig(few_w_genre=few_w_genre)
        _, grid = tune_weights(setup, cases, config, one_point)
        return grid[0]["ndcg@10"]

    assert tuned_ndcg(0.0) != tuned_ndcg(20.0)
    # a whole history's genre weight (w_genre) does not touch a 3-book case
    full_only = ListConfig(few_w_genre=0.0, w_genre=20.0)
    assert tune_weights(setup, cases, full_only, one_point)[1][0]["ndcg@10"] == tuned_ndcg(0.0)
