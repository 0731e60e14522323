-- Builds `match_report`: how the inputs became the warehouse, as (section, metric, value) rows:
-- rows in, rows matched, rows rejected by reason, how rating titles found their books.
-- Reads: raw_* tables, rejected_rows, merge_rating_titles, books, ratings. Parameters: none.
create or replace table match_report as
with rows_in as (
    select 'rows in' as section, layout as metric, count(*) as value
    from (
        select 'best_books_ever' as layout from raw_best_books_ever
        union all select 'book_shards' from raw_book_shards
        union all select 'user_ratings' from raw_user_ratings
        union all select 'best_books_10k' from raw_best_books_10k
        union all select 'goodbooks_books' from raw_goodbooks_books
        union all select layout from raw_rejects
    )
    group by layout
),

rejected as (
    select
        'rows rejected' as section,
        layout || ': ' || regexp_replace(reason, ' \(.*$', '') as metric,
        count(*) as value
    from rejected_rows
    group by all
),

title_matches as (
    select 'rating titles' as section, match_type as metric, count(*) as value
    from merge_rating_titles
    group by match_type
),

rating_matches as (
    select 'rating rows' as section, match_type as metric, sum(n_ratings)::bigint as value
    from merge_rating_titles
    group by match_type
),

described as (
    select 'rating rows' as section, 'on a book with a description' as metric, count(*) as value
    from ratings join books using (book_id)
    where has_description
),

totals as (
    select 'warehouse' as section, 'books' as metric, count(*) as value from books
    union all
    select 'warehouse', 'books with a description', count(*) from books where has_description
    union all
    select 'warehouse', 'books known by title only', count(*) from books
    where source = 'user_ratings'
    union all
    select 'warehouse', 'ratings', count(*) from ratings
    union all
    select 'warehouse', 'users', count(distinct user_id) from ratings
),

final as (
    select * from rows_in
    union all select * from rejected
    union all select * from title_matches
    union all select * from rating_matches
    union all select * from described
    union all select * from totals
)

select * from final order by section, metric
