-- Builds `merge_catalog_books`: one row per book described by a metadata file.
-- Reads: merge_book_groups. Parameters: none.
-- Each field comes from the best record that has it: source priority (richest text first),
-- then the most rated record, then file order; so the choice is the same on every run.
create or replace table merge_catalog_books as
with records as (
    select
        *,
        row_number() over (
            partition by book_key
            order by source_priority, num_ratings desc nulls last, source_file, source_row
        ) as rank_in_book
    from merge_book_groups
),

final as (
    select
        book_key,
        arg_min(title, rank_in_book) as title,
        arg_min(author, rank_in_book) as author,
        arg_min(description, rank_in_book) filter (where description is not null) as description,
        arg_min(genres, rank_in_book) filter (where len(genres) > 0) as genres,
        -- the average of the record with the most ratings is the most reliable one
        arg_max(avg_rating, coalesce(num_ratings, -1)) as avg_rating,
        max(num_ratings) as num_ratings,
        arg_min(pages, rank_in_book) filter (where pages is not null) as pages,
        arg_min(isbn, rank_in_book) filter (where isbn is not null) as isbn,
        arg_min(goodreads_id, rank_in_book) filter (where goodreads_id is not null) as goodreads_id,
        arg_min(title_key, rank_in_book) as title_key,
        arg_min(main_title_key, rank_in_book) as main_title_key,
        arg_min(author_key, rank_in_book) as author_key,
        arg_min(source, rank_in_book) as source,
        list_sort(list_distinct(list(source))) as sources,
        count(*) as n_records
    from records
    group by book_key
)

select * from final
