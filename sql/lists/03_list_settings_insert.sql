-- Appends one row to `list_settings`.
-- Reads: nothing. Parameters: $run_id, $w_pop, $w_text, $w_corating, $tune_ndcg.
insert into list_settings
select
    $run_id::varchar as run_id,
    $w_pop::double as w_pop,
    $w_text::double as w_text,
    $w_corating::double as w_corating,
    $tune_ndcg::double as tune_ndcg,
    current_localtimestamp()::timestamp as created_at
