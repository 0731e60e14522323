-- Builds `books`: the catalog, one row per book: metadata books plus books known only by a
-- title from the rating files (no author, no description: their text is the title alone).
-- Reads: merge_catalog_books, merge_rating_titles. Parameters: none.
-- book_id is derived from the book key (md5), so a book keeps its id when other books change.
create or replace table books as
with catalog as (
    select * from merge_catalog_books
),

title_only as (
    select
        book_key,
        title,
        null::varchar as author,
        null::varchar as description,
        []::varchar[] as genres,
        null::double as avg_rating,
        null::bigint as num_ratings,
        null::integer as pages,
        null::varchar as isbn,
        null::bigint as goodreads_id,
        title_key,
        main_title_key(title) as main_title_key,
        null::varchar as author_key,
        'user_ratings' as source,
        ['user_ratings'] as sources,
        0 as n_records
    from merge_rating_titles
    where match_type = 'title only'
),

all_books as (
    select * from catalog
    union all by name
    select * from title_only
),

final as (
    select
        -- 52 bits: unique in practice and exact in JSON and JavaScript numbers
        (md5_number_lower(book_key) >> 12)::bigint as book_id,
        title,
        author,
        description,
        coalesce(genres, []) as genres,
        avg_rating,
        num_ratings,
        description is not null as has_description,
        pages,
        isbn,
        goodreads_id,
        title_key,
        author_key,
        source,
        sources,
        book_key
    from all_books
)

select * from final order by book_id
