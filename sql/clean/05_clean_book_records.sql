-- Builds `clean_book_records`: every book row of every layout in one shape, with its keys and,
-- for rows that cannot be used, the reason (kept, never dropped: see rejected_rows).
-- Reads: clean_best_books_ever, clean_book_shards, clean_best_books_10k, clean_goodbooks.
-- Parameters: none.
create or replace table clean_book_records as
with records as (
    select * from clean_best_books_ever
    union all by name
    select * from clean_book_shards
    union all by name
    select * from clean_best_books_10k
    union all by name
    select * from clean_goodbooks
),

final as (
    select
        source,
        -- which source wins a field when several describe one book: richest text first
        case source
            when 'best_books_ever' then 1
            when 'best_books_10k' then 2
            when 'goodbooks_10k' then 3
            else 4
        end as source_priority,
        source_file,
        source_row,
        source_id,
        goodreads_id,
        title,
        author,
        description,
        genres,
        avg_rating,
        num_ratings,
        pages,
        isbn,
        title_key(title) as title_key,
        main_title_key(title) as main_title_key,
        author_key(author) as author_key,
        author_surname(author) as author_surname,
        case
            when title_key(title) is null then 'blank title'
            when author is null then 'blank author'
            when rating_text is not null and avg_rating is null
                then 'average rating ' || rating_text || ' is not a number'
            when avg_rating not between 0 and 5
                then 'average rating ' || rating_text || ' outside 0..5'
            when num_ratings_text is not null and num_ratings is null
                then 'rating count ' || num_ratings_text || ' is not a number'
            when num_ratings < 0 then 'rating count ' || num_ratings_text || ' is negative'
            when pages < 0 then 'pages ' || pages_text || ' is negative'
        end as reject_reason
    from records
)

select * from final
