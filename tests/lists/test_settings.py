"""The tuned list weights round-trip through the warehouse, also into a table written before the
predicted-rating weight existed."""

from __future__ import annotations

import dataclasses

import duckdb

from bookrec.config import ListConfig
from bookrec.lists.settings import load_list_settings, save_list_settings


def test_defaults_before_any_evaluation_then_the_newest_row():
    con = duckdb.connect(":memory:")
    assert load_list_settings(con) == ListConfig()
    first = dataclasses.replace(ListConfig(), w_pop=0.5, w_rating=0.25, few_w_pop=3.0)
    second = dataclasses.replace(
        ListConfig(), w_text=4.0, w_corating=0.5, w_rating=0.5, few_w_pop=2.0, few_w_text=1.0
    )
    save_list_settings(con, "run-1", first, 0.1)
    save_list_settings(con, "run-2", second, 0.2)
    assert load_list_settings(con) == second


def test_a_table_from_before_w_rating_gains_the_column():
    con = duckdb.connect(":memory:")
    con.execute(
        "create table list_settings (run_id varchar, w_pop double, w_text double, "
        "w_corating double, tune_ndcg double, created_at timestamp)"
    )
    con.execute("insert into list_settings values ('old', 2.0, 1.0, 1.0, 0.1, now())")
    old = load_list_settings(con)
    assert old.w_rating == 0.0  # old rows: no predicted-rating term
    # nor tuned few-book weights: the defaults
    assert old.weights_for(1) == ListConfig().weights_for(1)
    saved = dataclasses.replace(ListConfig(), w_rating=0.25)
    save_list_settings(con, "new", saved, 0.2)
    assert load_list_settings(con).w_rating == 0.25


def test_a_reader_of_few_books_gets_the_few_book_weights():
    config = dataclasses.replace(ListConfig(), few_books=5, few_w_pop=3.0, few_w_text=1.0)
    assert config.weights_for(1) == config.weights_for(5) == (3.0, 1.0, 1.0, 0.5)
    assert config.weights_for(6) == (config.w_pop, config.w_text, 4.0, 0.5)
    assert dataclasses.replace(config, few_books=0).weights_for(1) == config.weights_for(6)
