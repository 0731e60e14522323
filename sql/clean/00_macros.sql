-- Builds the text-normalization macros every cleaning step uses (they stay in the warehouse,
-- so `select title_key('Dune (Dune, #1)')` works in a plain DuckDB shell too).
-- Reads: nothing. Parameters: none.

-- Case, Unicode form and accents folded; whitespace collapsed.
create or replace macro fold_text(t) as
    trim(regexp_replace(strip_accents(lower(nfc_normalize(t))), '\s+', ' ', 'g'));

-- Goodreads appends the series to a title: "The Hunger Games (The Hunger Games, #1)".
create or replace macro strip_series(t) as
    trim(regexp_replace(t, '\s*\([^()]*#\s*[0-9][^()]*\)\s*$', ''));

-- Title key: folded, series suffix removed, '&' read as 'and', apostrophes dropped
-- ("philosopher's" = "philosophers"), every other punctuation run read as a space, a number's
-- leading zeros dropped ("The Walking Dead, Vol. 01" = "The Walking Dead, Vol. 1").
create or replace macro title_key(t) as
    nullif(trim(regexp_replace(regexp_replace(
        regexp_replace(
            replace(fold_text(strip_series(t)), '&', ' and '),
            '[''’‘`´]', '', 'g'),
        '[^\p{L}\p{N}]+', ' ', 'g'), '\b0+([0-9])', '\1', 'g')), '');

-- The name of the first series a title's Goodreads series note names, keyed: "Snuff
-- (Discworld, #39; City Watch #8)" -> "discworld"; null without one.
create or replace macro series_note_name(t) as
    title_key(regexp_extract(t, '\(([^()]*?),?\s*#\s*[0-9][^()]*\)\s*$', 1));

-- A rating title's series, where the titles of its key are matched per series
-- (merge_rating_titles.rating_series): its note's series, '' without one.
create or replace macro rating_series_of(t) as coalesce(series_note_name(t), '');

-- Whether a rating titled t belongs to a merge_rating_titles row of its key: the key's only
-- row (rating_series null), or the row of its note's series.
create or replace macro in_rating_series(rating_series, t) as
    rating_series is null or rating_series = rating_series_of(t);

-- The title before its subtitle: "Siddhartha: An Indian Tale" -> "siddhartha".
create or replace macro main_title_key(t) as
    title_key(split_part(strip_series(t), ':', 1));

-- Display author: the first of a comma-separated list, without "(Goodreads Author)",
-- "(Illustrator)", "(Translator)" and similar parenthesised roles.
create or replace macro clean_author(a) as
    nullif(trim(regexp_replace(split_part(a, ',', 1), '\s*\([^)]*\)', '', 'g')), '');

-- Author key: folded, every non-alphanumeric dropped ("J. K. Rowling" = "J.K. Rowling").
create or replace macro author_key(a) as
    nullif(regexp_replace(fold_text(clean_author(a)), '[^\p{L}\p{N}]+', '', 'g'), '');

-- Surname: the last word of the author, ignoring generational suffixes.
create or replace macro author_surname(a) as
    nullif(list_filter(
        string_split(regexp_replace(fold_text(clean_author(a)), '[^\p{L}\p{N} ]+', '', 'g'), ' '),
        lambda w: w not in ('', 'jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md')
    )[-1], '');

-- Distinct items of a list, first occurrence kept, order kept (Goodreads orders genres by votes).
create or replace macro list_unique(l) as
    list_filter(l, lambda x, i: list_position(l, x) = i);

-- A Python-list string "['Fantasy', \"Children's\"]" as a list of trimmed, distinct items.
create or replace macro parse_list(s) as
    list_unique(list_filter(
        list_transform(
            regexp_extract_all(coalesce(s, ''), '''[^'']*''|"[^"]*"'),
            lambda x: trim(x[2:-2])),
        lambda x: x <> ''));

-- Numbers written with thousands separators: "5,691,311".
create or replace macro parse_count(s) as try_cast(replace(trim(s), ',', '') as bigint);

-- The matching keys of every row of a table or view named by `input` (columns row_id, title,
-- author): a reader's books (recommend/01_match_keys.sql) and the whole catalog, stored by
-- prepare_data (merge/09_book_match_keys.sql), are keyed by this one definition:
--   select * from match_keys('my_titles')
-- bare_title_key drops one trailing parenthesised note that strip_series keeps because it holds
-- no "#n": "Chasm City (Revelation Space)", "Company (Vintage Contemporaries)".
-- subtitle_key is the part after the first colon ("The Sandman Vol. 1: Preludes & Nocturnes").
-- series_key is the series and its number: "Harry Potter and the Philosopher's Stone (Harry
-- Potter, #1)" -> "harry potter #1"; "(A Song of Ice and Fire, #3: Part 2 of 2)" -> "... #3".
create or replace macro match_keys(input) as table
    with series as (
        select
            row_id,
            title,
            author,
            regexp_extract(
                title, '\(([^()]*?),?\s*#\s*([0-9][0-9.\-]*[0-9]|[0-9])[^()]*\)\s*$', ['name', 'number']
            ) as parts
        from query_table(input)
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
    select * from final;
