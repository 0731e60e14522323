-- Builds `clean_book_shards`: the book*.csv shards as typed columns (keys and checks: 05).
-- Reads: raw_book_shards. Parameters: none.
-- RatingDistTotal looks like "total:5678"; Name carries the series suffix, as the ratings do.
create or replace table clean_book_shards as
with source as (
    select * from raw_book_shards
),

typed as (
    select
        'book_shards' as source,
        source_file,
        source_row,
        trim(Id) as source_id,
        try_cast(Id as bigint) as goodreads_id,
        trim(Name) as title,
        clean_author(Authors) as author,
        nullif(trim(Description), '') as description,
        []::varchar[] as genres,
        nullif(trim(Rating), '') as rating_text,
        try_cast(Rating as double) as avg_rating,
        nullif(trim(RatingDistTotal), '') as num_ratings_text,
        try_cast(regexp_extract(RatingDistTotal, '([0-9]+)\s*$', 1) as bigint) as num_ratings,
        nullif(trim(pagesNumber), '') as pages_text,
        try_cast(pagesNumber as integer) as pages,
        nullif(trim(ISBN), '') as isbn
    from source
)

select * from typed
