-- Builds `derivative_works`: books that are about or adapted from another work by another
-- author (study guides, critical editions, summaries, graphic or abridged adaptations), with
-- the rule that linked them.
-- Reads: books, book_series, book_works. Parameters: none.
-- A derivative names the work's title (two words or more, whole words), is by another author,
-- has fewer Goodreads ratings than the work, and says what it is: a guide/notes/summary word,
-- an adaptation word, "<Author>'s <Title>" ("Harper Lee's To Kill a Mockingbird"), or
-- "<Title>, Volume n" ("Ender's Game, Volume 1: Battle School", a graphic novel).
create or replace table derivative_works as
with marker_books as (
    select
        b.book_id,
        coalesce(b.num_ratings, 0) as num_ratings,
        w.surname,
        w.work_id,
        ' ' || number_words(title_key(b.title)) || ' ' as padded_title,
        regexp_extract(
            fold_text(b.title),
            '\b(study guide|guide|notes|sparknotes|cliffsnotes|summary|analysis|critical|'
            || 'criticism|companion|casebook|interpretations|graphic novel|manga|'
            || 'illustrated classics?|abridged|retold|adapted|adaptation|dramatization|'
            || 'reader''s guide|workbook|teaching|study|novel units?)\b'
        ) as marker
    from books as b
    join book_works as w using (book_id)
),

candidates as (
    -- only titles that can qualify, so the containment join stays small
    select * from marker_books
    where marker <> '' or contains(padded_title, 's ') or contains(padded_title, ' volume ')
),

candidate_words as (
    -- each candidate once per distinct word: a work is tried only where its first word occurs
    select distinct book_id, unnest(string_split(trim(padded_title), ' ')) as word
    from candidates
),

works as (
    -- each work once: its title, author and the ratings of its most-rated edition
    select
        work_id,
        any_value(work_title) as work_title,
        any_value(surname) as surname,
        max(coalesce(b.num_ratings, 0)) as num_ratings,
        split_part(any_value(work_title), ' ', 1) as first_word
    from book_works as w
    join books as b using (book_id)
    where w.work_title like '% %' and w.surname is not null and length(w.work_title) >= 8
    group by work_id

),

linked as (
    select
        m.book_id,
        w.work_id,
        case
            when m.marker <> '' then 'names "' || w.work_title || '" and says "' || m.marker || '"'
            when contains(m.padded_title, ' ' || w.surname || 's ' || w.work_title || ' ')
                then 'names "' || w.work_title || '" after its author'
            else 'names "' || w.work_title || '" with a volume number'
        end as reason
    from candidates as m
    join candidate_words as cw on cw.book_id = m.book_id
    join works as w
        on w.first_word = cw.word
        and contains(m.padded_title, ' ' || w.work_title || ' ')
        and m.work_id <> w.work_id
        and coalesce(m.surname, '') <> w.surname
        and m.num_ratings < w.num_ratings
    where m.marker <> ''
        or contains(m.padded_title, ' ' || w.surname || 's ' || w.work_title || ' ')
        or contains(m.padded_title, ' ' || w.work_title || ' volume ')
)

select book_id, work_id, reason from linked order by book_id, work_id
