-- Appends one row to `scorer_settings`.
-- Reads: nothing. Parameters: $run_id, $space, $alpha, $temperature, $top_k (NULL: all history).
insert into scorer_settings
select
    $run_id::varchar as run_id,
    $space::varchar as space,
    $alpha::double as alpha,
    $temperature::double as temperature,
    $top_k::integer as top_k,
    current_localtimestamp()::timestamp as created_at
