-- Builds an empty `goodreads_works` for a warehouse without `clean_goodbooks` (one written by
-- hand or by another pipeline): no Goodreads work ids to group editions by.
-- Reads: nothing. Parameters: none.
create or replace table goodreads_works (goodreads_id bigint, goodreads_work_id bigint)
