-- Builds `work_decisions`: every grouping decision of sql/works in one table, like
-- rejected_rows: which book, what was decided about it, the related work, and why.
-- Reads: book_works, book_series, collection_works, derivative_works. Parameters: none.
-- Decisions: edition of, series entry, series spelled two ways, collection, collection
-- contains, derivative of (guides, adaptations, companions), series of one author (a series
-- name two authors number alike).
create or replace table work_decisions as
with editions as (
    select book_id, 'edition of' as decision, work_id as related_id, reason
    from book_works
    where work_id <> book_id
),

series as (
    select
        book_id,
        'series entry' as decision,
        null::bigint as related_id,
        series_rule || ': ' || series_key || ' #' || position as reason
    from book_series
    where series_key is not null and position is not null
),

collections as (
    select book_id, 'collection' as decision, null::bigint as related_id, collection_rule as reason
    from book_series
    where is_collection
),

contents as (
    select collection_id as book_id, 'collection contains' as decision, work_id as related_id,
        reason
    from collection_works
),

spellings as (
    select
        book_id,
        'series spelled two ways' as decision,
        null::bigint as related_id,
        '"' || title_series_key || '" is the series "' || series_key || '"' as reason
    from book_works
    where series_key <> title_series_key
),

authors_apart as (
    select
        book_id,
        'series of one author' as decision,
        null::bigint as related_id,
        'another author numbers "' || series_key || '" alike: read as "' || series_id || '"'
            as reason
    from book_works
    where series_id <> series_key
),

derivatives as (
    select book_id, 'derivative of' as decision, work_id as related_id, reason
    from derivative_works
)

select * from editions
union all select * from series
union all select * from collections
union all select * from contents
union all select * from derivatives
union all select * from spellings
union all select * from authors_apart
order by book_id, decision, related_id
