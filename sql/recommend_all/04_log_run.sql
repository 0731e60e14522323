-- Appends one `recommend_all` run to recommend_all_runs.
-- Reads: recommendations.  Parameters: $run_id, $top_n, $scorer_settings, $runner, $seconds.
insert into recommend_all_runs
select
    $run_id,
    current_localtimestamp(),
    count(distinct user_id),
    count(*),
    $top_n,
    $scorer_settings,
    $runner,
    $seconds
from recommendations
where run_id = $run_id
