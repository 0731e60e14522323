-- Builds book_match_keys: every book's matching keys (the match_keys macro of
-- clean/00_macros.sql), so that loading the catalog to match readers' titles or to recommend
-- reads them instead of running the macros' regexes over every title again (~0.9 s for the
-- 53k books of the shared data). title and author are kept to check the keys still belong
-- to the book, key_macros names the macros' version (recommend/04_catalog_keys.sql takes
-- the stored keys only where both agree).
-- Reads: books. Parameters: $key_macros.
create or replace table book_match_keys as
with book_titles as (
    select book_id as row_id, title, author
    from books
)
select
    b.row_id as book_id,
    b.title,
    b.author,
    $key_macros as key_macros,
    k.* exclude (row_id)
from book_titles as b
join match_keys('book_titles') as k using (row_id)
order by book_id
