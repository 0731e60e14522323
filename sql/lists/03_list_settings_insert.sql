-- Appends one row to `list_settings`.
-- Reads: nothing. Parameters: $run_id, $w_pop, $w_text, $w_corating, $w_rating, $tune_ndcg,
-- $few_w_pop, $few_w_text, $few_w_corating, $few_w_rating, $few_tune_ndcg, $few_ranker,
-- $full_ranker.
insert into list_settings (
    run_id, w_pop, w_text, w_corating, w_rating, tune_ndcg, created_at,
    few_w_pop, few_w_text, few_w_corating, few_w_rating, few_tune_ndcg, few_ranker,
    full_ranker
)
select
    $run_id::varchar,
    $w_pop::double,
    $w_text::double,
    $w_corating::double,
    $w_rating::double,
    $tune_ndcg::double,
    current_localtimestamp()::timestamp,
    $few_w_pop::double,
    $few_w_text::double,
    $few_w_corating::double,
    $few_w_rating::double,
    $few_tune_ndcg::double,
    $few_ranker::varchar,
    $full_ranker::varchar
