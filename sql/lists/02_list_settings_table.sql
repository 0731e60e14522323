-- Builds `list_settings` (if absent): the list weights tuned by one top-N evaluation run, one
-- row per run; the newest row is what `recommend` ranks with. w_rating came later: added to a
-- table written before it (its old rows read as null: no predicted-rating term); so did the
-- few-book weights (old rows read as null: ListConfig's defaults) and the few-book and
-- full-history re-rankers (LightGBM's model text, bookrec.lists.learned; null: the linear order).
-- Reads: nothing. Parameters: none.
create table if not exists list_settings (
    run_id varchar,
    w_pop double,
    w_text double,
    w_corating double,
    tune_ndcg double,
    created_at timestamp
);
alter table list_settings add column if not exists w_rating double;
alter table list_settings add column if not exists few_w_pop double;
alter table list_settings add column if not exists few_w_text double;
alter table list_settings add column if not exists few_w_corating double;
alter table list_settings add column if not exists few_w_rating double;
alter table list_settings add column if not exists few_tune_ndcg double;
alter table list_settings add column if not exists few_ranker varchar;
alter table list_settings add column if not exists full_ranker varchar
