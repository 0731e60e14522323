-- Returns the matching keys of every row of `match_input` (a relation the caller registers:
-- row_id, title, author), so a reader's books and the catalog are keyed by the same macros.
-- Reads: match_input. Needs the macros of clean/00_macros.sql on the connection. Parameters: none.
--
-- bare_title_key drops one trailing parenthesised note that strip_series keeps because it holds
-- no "#n": "Chasm City (Revelation Space)", "Company (Vintage Contemporaries)".
-- subtitle_key is the part after the first colon ("The Sandman Vol. 1: Preludes & Nocturnes").
-- series_key is the series and its number: "Harry Potter and the Philosopher's Stone (Harry
-- Potter, #1)" -> "harry potter #1"; "(A Song of Ice and Fire, #3: Part 2 of 2)" -> "... #3".
with series as (
    select
        row_id,
        title,
        author,
        regexp_extract(
            title, '\(([^()]*?),?\s*#\s*([0-9][0-9.\-]*[0-9]|[0-9])[^()]*\)\s*$', ['name', 'number']
        ) as parts
    from match_input
),
final as (
    select
        row_id,
        title_key(title) as title_key,
        main_title_key(title) as main_title_key,
        title_key(regexp_replace(title, '\s*\([^()]*\)\s*$', '')) as bare_title_key,
        title_key(regexp_extract(strip_series(title), ':\s*(.*)$', 1)) as subtitle_key,
        case
            when title_key(parts.name) is not null and parts.number <> ''
                then title_key(parts.name) || ' #' || parts.number
        end as series_key,
        author_key(author) as author_key,
        author_surname(author) as author_surname
    from series
)
select * from final
order by row_id
