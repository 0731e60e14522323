-- Builds `rejected_rows`: every input row that did not become a book or a rating, with why.
-- Reads: raw_rejects, clean_book_records, clean_ratings, merge_rating_titles, books.
-- Parameters: none.
create or replace table rejected_rows as
with unreadable as (
    select layout, source_file, source_row, reason, raw_values from raw_rejects
),

bad_books as (
    select
        source as layout,
        source_file,
        source_row,
        reject_reason as reason,
        concat_ws(' | ', title, author) as raw_values
    from clean_book_records
    where reject_reason is not null
),

bad_ratings as (
    select
        'user_ratings' as layout,
        source_file,
        source_row,
        reject_reason as reason,
        concat_ws(' | ', user_id_text, title, rating_text) as raw_values
    from clean_ratings
    where reject_reason is not null
),

duplicate_ratings as (
    select
        'user_ratings' as layout,
        source_file,
        source_row,
        'duplicate rating of one book by one user (the first in file order is kept)' as reason,
        concat_ws(' | ', user_id::varchar, title, rating_text) as raw_values
    from (
        select
            r.*,
            row_number() over (
                partition by r.user_id, b.book_id order by r.source_file, r.source_row
            ) as nth
        from clean_ratings as r
        join merge_rating_titles as t
            on t.title_key = r.title_key
            and in_rating_series(t.rating_series, r.title)
        join books as b on b.book_key = t.book_key
        where r.reject_reason is null
    )
    where nth > 1
),

final as (
    select * from unreadable
    union all
    select * from bad_books
    union all
    select * from bad_ratings
    union all
    select * from duplicate_ratings
)

select * from final order by layout, source_file, source_row
