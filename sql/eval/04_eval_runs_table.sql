-- Builds `eval_runs` (if absent): one row per evaluation run, method and metric.
-- Reads: nothing. Parameters: none.
create table if not exists eval_runs (
    run_id varchar,
    method varchar,
    config varchar,
    metric varchar,
    value double,
    n_users integer,
    created_at timestamp
)
