-- Builds `ratings`: one rating (1..5) per user and book.
-- Reads: clean_ratings, merge_rating_titles, books. Parameters: none.
-- Two rows for one user and book (the same title twice, or two editions' titles of one book)
-- keep the first in file order; the others are listed in rejected_rows.
create or replace table ratings as
with valid as (
    select r.user_id, b.book_id, r.rating, r.source_file, r.source_row
    from clean_ratings as r
    join merge_rating_titles as t
        on t.title_key = r.title_key
        -- a key matched per series: the rating's own (rating_series)
        and in_rating_series(t.rating_series, r.title)
    join books as b on b.book_key = t.book_key
    where r.reject_reason is null
),

ranked as (
    select
        *,
        row_number() over (
            partition by user_id, book_id order by source_file, source_row
        ) as nth
    from valid
),

final as (
    select user_id, book_id, rating::tinyint as rating
    from ranked
    where nth = 1
)

select * from final order by user_id, book_id
