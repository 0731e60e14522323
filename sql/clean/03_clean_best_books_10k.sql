-- Builds `clean_best_books_10k`: "Best Books (10k)" rows as typed columns (keys and checks: 05).
-- Reads: raw_best_books_10k. Parameters: none.
-- Num_Ratings has thousands separators ("5,691,311"); the Goodreads id is the number in URL.
create or replace table clean_best_books_10k as
with source as (
    select * from raw_best_books_10k
),

typed as (
    select
        'best_books_10k' as source,
        source_file,
        source_row,
        source_row::varchar as source_id,
        try_cast(regexp_extract(URL, '/show/([0-9]+)', 1) as bigint) as goodreads_id,
        trim(Book) as title,
        clean_author(Author) as author,
        nullif(trim(Description), '') as description,
        parse_list(Genres) as genres,
        nullif(trim(Avg_Rating), '') as rating_text,
        try_cast(Avg_Rating as double) as avg_rating,
        nullif(trim(Num_Ratings), '') as num_ratings_text,
        parse_count(Num_Ratings) as num_ratings,
        null::varchar as pages_text,
        null::integer as pages,
        null::varchar as isbn
    from source
)

select * from typed
