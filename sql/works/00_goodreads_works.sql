-- Builds `goodreads_works`: the Goodreads work of a Goodreads id, as goodbooks-10k names it (its
-- work_id); both a goodbooks book's own id and its work's best edition id (often another edition
-- or a translation in Best Books Ever: "Rubinrot" for "Ruby Red") map to the work.
-- Reads: clean_goodbooks. Parameters: none.
create or replace table goodreads_works as
select goodreads_id, min(goodreads_work_id) as goodreads_work_id
from (
    select goodreads_id, goodreads_work_id from clean_goodbooks
    union all
    select best_goodreads_id, goodreads_work_id from clean_goodbooks
)
where goodreads_id is not null and goodreads_work_id is not null
group by goodreads_id
order by goodreads_id
