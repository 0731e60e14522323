-- Builds `scorer_settings` (if absent): the tuned settings of the similarity blend, one row per
-- evaluation run; the newest row is what `recommend` uses.
-- Reads: nothing. Parameters: none.
create table if not exists scorer_settings (
    run_id varchar,
    space varchar,
    alpha double,
    temperature double,
    top_k integer,
    created_at timestamp
)
