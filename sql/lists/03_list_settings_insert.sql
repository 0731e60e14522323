-- Appends one row to `list_settings`.
-- Reads: nothing. Parameters: $run_id, $w_pop, $w_text, $w_corating, $w_rating, $tune_ndcg.
insert into list_settings (run_id, w_pop, w_text, w_corating, w_rating, tune_ndcg, created_at)
select
    $run_id::varchar,
    $w_pop::double,
    $w_text::double,
    $w_corating::double,
    $w_rating::double,
    $tune_ndcg::double,
    current_localtimestamp()::timestamp
