-- Replaces every row of `recommendations` with one run's rows (the caller wraps this and the
-- run's log row in one transaction: a reader sees the old lists or the new ones, never a mix).
-- Reads: new_recommendations (registered by bookrec.serving.batch).
-- Parameters: $run_id, $scorer_settings.
delete from recommendations;

insert into recommendations
select
    $run_id as run_id,
    user_id,
    rank,
    book_id,
    predicted,
    reason,
    mode,
    $scorer_settings as scorer_settings
from new_recommendations
order by user_id, rank;
