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
-- ("philosopher's" = "philosophers"), every other punctuation run read as a space.
create or replace macro title_key(t) as
    nullif(trim(regexp_replace(
        regexp_replace(
            replace(fold_text(strip_series(t)), '&', ' and '),
            '[''’‘`´]', '', 'g'),
        '[^\p{L}\p{N}]+', ' ', 'g')), '');

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
