-- Builds `merge_book_groups`: each usable book record with the key of the book it belongs to.
-- Reads: clean_book_records. Parameters: $min_surname_similarity (0..1).
-- Records first group on (title key, author surname); a group whose surname differs from a
-- bigger group of the same title only by spelling ("Dostoyevsky" / "Dostoevsky") joins it.
create or replace table merge_book_groups as
with records as (
    select * replace (coalesce(author_surname, '') as author_surname)
    from clean_book_records
    where reject_reason is null
),

groups as (
    select
        title_key,
        author_surname,
        count(*) as n_records,
        max(coalesce(num_ratings, 0)) as max_num_ratings
    from records
    group by all
),

canonical as (
    -- for each group, the largest group of the same title whose surname is similar enough
    select
        g.title_key,
        g.author_surname,
        arg_max(
            c.author_surname,
            (c.n_records, c.max_num_ratings, c.author_surname)
        ) as canonical_surname
    from groups as g
    join groups as c
        on c.title_key = g.title_key
        and jaro_winkler_similarity(c.author_surname, g.author_surname)
            >= $min_surname_similarity
    group by all
),

final as (
    select
        r.*,
        r.title_key || '|' || k.canonical_surname as book_key
    from records as r
    join canonical as k using (title_key, author_surname)
)

select * from final
