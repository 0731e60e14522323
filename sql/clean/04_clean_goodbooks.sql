-- Builds `clean_goodbooks`: goodbooks-10k books, typed, with their optional extra description and
-- genres (joined on isbn; leading zeros are lost in both files, so they are compared trimmed).
-- Reads: raw_goodbooks_books, raw_goodbooks_details, raw_goodbooks_genres. Parameters: none.
create or replace table clean_goodbooks as
with books as (
    select * from raw_goodbooks_books
),

details as (
    select
        ltrim(trim(isbn_10), '0') as isbn_key,
        -- one description per isbn: the longest, ties broken by file order
        arg_max(nullif(trim(description), ''), length(description) * 1e9 - source_row)
            as description,
        max(try_cast(num_pages as integer)) as pages
    from raw_goodbooks_details
    group by 1
),

genres as (
    select
        ltrim(trim(isbn_10), '0') as isbn_key,
        list(trim(genre) order by source_row) filter (where trim(genre) <> '') as genres
    from raw_goodbooks_genres
    group by 1
),

typed as (
    select
        'goodbooks_10k' as source,
        b.source_file,
        b.source_row,
        trim(b.goodreads_book_id) as source_id,
        try_cast(b.goodreads_book_id as bigint) as goodreads_id,
        trim(b.title) as title,
        -- the title it was first published under ("Le Petit Prince"): sql/works reads it
        nullif(trim(b.original_title), '') as original_title,
        clean_author(b.authors) as author,
        d.description,
        coalesce(list_unique(g.genres), []) as genres,
        nullif(trim(b.average_rating), '') as rating_text,
        try_cast(b.average_rating as double) as avg_rating,
        nullif(trim(b.ratings_count), '') as num_ratings_text,
        parse_count(b.ratings_count) as num_ratings,
        d.pages::varchar as pages_text,
        d.pages,
        nullif(trim(b.isbn), '') as isbn,
        -- Goodreads' work of the book and the id of that work's best edition (often another
        -- edition in Best Books Ever): bookrec.lists groups editions by it (sql/works)
        try_cast(b.work_id as bigint) as goodreads_work_id,
        try_cast(b.best_book_id as bigint) as best_goodreads_id
    from books as b
    left join details as d on d.isbn_key = ltrim(trim(b.isbn), '0') and d.isbn_key <> ''
    left join genres as g on g.isbn_key = ltrim(trim(b.isbn), '0') and g.isbn_key <> ''
)

select * from typed
