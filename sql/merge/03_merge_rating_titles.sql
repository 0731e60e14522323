-- Builds `merge_rating_titles`: each distinct title of the rating files and the book it names.
-- Reads: clean_ratings, merge_catalog_books. Parameters: none.
-- Rating files name a book by title only. Matching, in order: the title key names one catalog
-- book ('title'); it names several: the one whose series note names the rating title's series
-- ('title and series': "Snuff (Discworld, #39; City Watch #8)" is Pratchett's, not Palahniuk's
-- more rated "Snuff"), else the most rated ('title, ambiguous'); the title before its subtitle
-- names one book ('main title'); else the title becomes a book of its own, known by its title
-- only ('title only'), so its ratings stay usable. Where several catalog books share a title
-- key and its rating titles name different series (or some none), each series is matched
-- apart (rating_series: the note's series, '' for the titles without a note; null where the
-- key's titles are matched together): "City of Bones (Harry Bosch, #8; ...)" is Connelly's,
-- "City of Bones (The Mortal Instruments, #1)" Cassandra Clare's, and "Night Watch (Watch
-- #1)" Lukyanenko's (85 ratings of 47 such titles went to a book of another series).
create or replace table merge_rating_titles as
with titled as (
    select title_key, main_title_key, title, count(*) as n
    from clean_ratings
    where reject_reason is null
    group by all
),

split_keys as (
    -- a title key several catalog books share, its rating titles naming two series or more
    -- (no note counts as one)
    select title_key
    from titled
    where title_key in (
        select title_key from merge_catalog_books group by title_key having count(*) > 1
    )
    group by title_key
    having count(distinct rating_series_of(title)) > 1
),

rating_titles as (
    select
        t.title_key,
        case
            when s.title_key is not null then rating_series_of(t.title)
        end as rating_series,
        arg_max(t.main_title_key, (t.n, t.title)) as main_title_key,
        -- display title: the spelling used most, ties broken alphabetically
        arg_max(t.title, (t.n, t.title)) as title,
        sum(t.n) as n_ratings
    from titled as t
    left join split_keys as s using (title_key)
    group by all
),

catalog_series as (
    -- each catalog book with the first series its title's note names
    select *, series_note_name(title) as series_name from merge_catalog_books
),

by_title as (
    select
        c.title_key,
        r.rating_series,
        count(*) as n_books,
        bool_or(coalesce(c.series_name = series_note_name(r.title), false)) as series_agree,
        arg_max(
            c.book_key,
            (
                coalesce(c.series_name = series_note_name(r.title), false),
                coalesce(c.num_ratings, -1),
                c.book_key
            )
        ) as book_key
    from catalog_series as c
    join rating_titles as r using (title_key)
    group by c.title_key, r.rating_series
),

by_main_title as (
    select main_title_key, any_value(book_key) as book_key
    from merge_catalog_books
    group by main_title_key
    having count(*) = 1
),

final as (
    select
        r.title_key,
        r.rating_series,
        r.title,
        r.n_ratings,
        coalesce(t.book_key, m.book_key, r.title_key || '|') as book_key,
        case
            when t.n_books = 1 then 'title'
            when t.n_books > 1 and t.series_agree then 'title and series'
            when t.n_books > 1 then 'title, ambiguous'
            when m.book_key is not null then 'main title'
            else 'title only'
        end as match_type,
        coalesce(t.n_books, 0) as n_candidates
    from rating_titles as r
    left join by_title as t
        on t.title_key = r.title_key and t.rating_series is not distinct from r.rating_series
    left join by_main_title as m
        on t.title_key is null and m.main_title_key = r.main_title_key
)

select * from final
