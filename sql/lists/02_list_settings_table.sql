-- Builds `list_settings` (if absent): the list weights tuned by one top-N evaluation run, one
-- row per run; the newest row is what `recommend` ranks with. w_rating came later: added to a
-- table written before it (its old rows read as null: no predicted-rating term).
-- Reads: nothing. Parameters: none.
create table if not exists list_settings (
    run_id varchar,
    w_pop double,
    w_text double,
    w_corating double,
    tune_ndcg double,
    created_at timestamp
);
alter table list_settings add column if not exists w_rating double
