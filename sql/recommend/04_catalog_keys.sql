-- Returns the stored matching keys (merge/09_book_match_keys.sql) of every book whose title and
-- author are still the ones they were made from, by macros of this version, ordered by book_id.
-- The caller uses them only when every book of the catalog is there; otherwise it keys the
-- catalog anew. Reads: books, book_match_keys. Parameters: $key_macros.
select
    k.book_id,
    k.title_key,
    k.main_title_key,
    k.bare_title_key,
    k.subtitle_key,
    k.series_key,
    k.author_key,
    k.author_surname
from book_match_keys as k
join books as b
    on b.book_id = k.book_id
    and b.title is not distinct from k.title
    and b.author is not distinct from k.author
where k.key_macros = $key_macros
order by k.book_id
