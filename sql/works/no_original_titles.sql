-- Builds an empty `original_titles` for a warehouse whose goodbooks-10k books have no original
-- titles (one written by hand, or by a bookrec before them): no translation is known by it.
-- Reads: nothing. Parameters: none.
create or replace table original_titles (goodreads_id bigint, title_key varchar)
