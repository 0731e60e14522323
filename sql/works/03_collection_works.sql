-- Builds `collection_works`: for every collection (book_series.is_collection), the works it
-- contains, with the rule that linked them.
-- Reads: books, book_series, book_works. Parameters: none.
-- A collection contains (a) the entries of its series inside its range "(Little House, #1-9)",
-- (b) every entry of a series it names, by the same author ("The Complete Anne of Green Gables
-- 8-Book Box Set", "The Annotated Sherlock Holmes"), (c) a work it names by the same author
-- ("A Game of Thrones / A Clash of Kings"). Short names (one word) are not trusted for (b)/(c).
create or replace table collection_works as
with collections as (
    select
        s.book_id,
        s.series_key,
        s.position,
        s.position_hi,
        w.surname,
        ' ' || title_key(b.title) || ' ' as padded_title
    from book_series as s
    join book_works as w using (book_id)
    join books as b using (book_id)
    where s.is_collection and w.surname is not null
),

entries as (
    -- single entries of a series (not collections), one row per work
    select distinct w.work_id, w.series_key, w.position, w.surname, w.work_title
    from book_works as w
    join book_series as s using (book_id)
    where not s.is_collection
),

in_range as (
    select c.book_id, e.work_id, 'series range: ' || e.series_key || ' #'
        || e.position || ' within #' || c.position || '-' || c.position_hi as reason
    from collections as c
    join entries as e
        on e.series_key = c.series_key
        and e.surname = c.surname
        and e.position between c.position and c.position_hi
    where c.position_hi is not null
),

names_series as (
    select c.book_id, e.work_id, 'names the series "' || e.series_key || '"' as reason
    from collections as c
    join entries as e
        on e.surname = c.surname
        and e.series_key like '% %'
        and contains(c.padded_title, ' ' || e.series_key || ' ')
    where c.position_hi is null
),

names_work as (
    select c.book_id, e.work_id, 'names the work "' || e.work_title || '"' as reason
    from collections as c
    join entries as e
        on e.surname = c.surname
        and e.work_title like '% %'
        and contains(c.padded_title, ' ' || e.work_title || ' ')
),

linked as (
    select * from in_range
    union all
    select * from names_series
    union all
    select * from names_work
)

select book_id as collection_id, work_id, min(reason) as reason
from linked
where work_id <> (select w.work_id from book_works as w where w.book_id = linked.book_id)
group by all
order by collection_id, work_id
