-- Builds `clean_best_books_ever`: Best Books Ever rows as typed columns (keys and checks: 05).
-- Reads: raw_best_books_ever. Parameters: none.
-- Needs the Python function repair_mojibake (registered by bookrec.warehouse.prepare) for rows whose
-- text was UTF-8 read as cp1252 ("beforeâ€”and"); other rows never call it.
create or replace table clean_best_books_ever as
with source as (
    select * from raw_best_books_ever
),

typed as (
    select
        'best_books_ever' as source,
        source_file,
        source_row,
        trim(bookId) as source_id,
        try_cast(regexp_extract(bookId, '^\s*([0-9]+)', 1) as bigint) as goodreads_id,
        trim(if(regexp_matches(title, 'Ã|â€|Â'), repair_mojibake(title), title)) as title,
        clean_author(if(regexp_matches(author, 'Ã|â€|Â'), repair_mojibake(author), author))
            as author,
        nullif(trim(if(regexp_matches(description, 'Ã|â€|Â'),
            repair_mojibake(description), description)), '') as description,
        parse_list(genres) as genres,
        nullif(trim(rating), '') as rating_text,
        try_cast(rating as double) as avg_rating,
        nullif(trim(numRatings), '') as num_ratings_text,
        parse_count(numRatings) as num_ratings,
        nullif(trim(pages), '') as pages_text,
        try_cast(regexp_extract(pages, '^\s*(-?[0-9]+)', 1) as integer) as pages,
        nullif(nullif(trim(isbn), '9999999999999'), '') as isbn
    from source
)

select * from typed
