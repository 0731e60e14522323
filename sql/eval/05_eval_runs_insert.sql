-- Appends one run's rows to `eval_runs`.
-- Reads: new_eval_rows (a registered DataFrame: run_id, method, config, metric, value, n_users).
-- Parameters: none.
insert into eval_runs
select
    run_id,
    method,
    config,
    metric,
    value,
    n_users,
    current_localtimestamp()::timestamp as created_at
from new_eval_rows
