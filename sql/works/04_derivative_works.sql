-- Builds `derivative_works`: books that are about, adapted from or companions to another work or
-- series by another author (study guides, critical editions, summaries, graphic or abridged
-- adaptations, "The World of X", movie companions, tribute guides), with the rule that linked
-- them.
-- Reads: books, book_series, book_works, book_credits, book_pages. Parameters: none.
-- A derivative names the work's title or its series' name (two words or more, whole words; a
-- one-word name only at the start of the title; a series by a name in its entries' titles or of
-- three words or more), is by another author (or says it is a companion, a film book or drawn),
-- has fewer Goodreads
-- ratings than the work, and says what it is: a guide/notes/summary word, an adaptation word, a
-- companion phrase ("The History of", "Official Illustrated Movie Companion", "Harry, a
-- History"), "<Author>'s <Title>" ("Harper Lee's To Kill a Mockingbird"), or "<Title>, Volume n"
-- ("Ender's Game, Volume 1: Battle School", a graphic novel). A book with exactly the work's title
-- by another author is its adaptation when it is shelved or described as a graphic novel, comic
-- or manga ("The Hobbit" by Chuck Dixon). A title that is a work's whole title (three words or
-- more) "and" more, by another author, read five times less, is a mash-up ("Pride and
-- Prejudice and Zombies"). A book by another author in a series named as a work that holds its
-- parts (collection_works (g): a later entry of another series) is a part of it retold ("A
-- Scandal in Bohemia (The Adventures of Sherlock Holmes, #1)", a graded reader). A drawn book
-- titled as a series, by another author who names the series' author, adapts the series ("The
-- Dark Tower: The Gunslinger Born"); a book of the series' author tagged with its name and no
-- number is its companion ("Do-It-Yourself Book (Diary of a Wimpy Kid)"). A title opening with
-- a work's or series' name of four words or more and a colon, by another author, is about it
-- ("The Lord of the Rings: Weapons and Warfare"); one by its author saying it is taken "from" a
-- work of three words or more is too ("Practicing the Power of Now: ... Exercises from the
-- Power of Now"). A derivative of a series' first entry is one of each of its main entries: a
-- companion of "A Game of Thrones" is the series' ("The World of Ice & Fire" after "A Clash of
-- Kings"), and whoever read a later entry has read the first. A short book (under 200 pages)
-- of no series, credited to a series' author (book_credits: under another name first, as
-- Fantastic Beasts is), whose description shares two or more of the series' own names is set
-- in its world: a companion of every main entry ("The Tales of Beedle the Bard": Dumbledore,
-- Hogwarts, Muggles), unless another rule linked it already. A name here is a capitalised word of four letters or more in at most 30
-- descriptions, in lower case in at most 2 ("Tree", "Beginner" are words), and neither a word of
-- the book's own title nor of a credited name that has other books (a name credited once, as
-- "Albus Dumbledore" is, is the world's): longer books so linked were the author's novels of one
-- place, a spin-off readers of the first want, The Silmarillion after The Lord of the Rings.
create or replace table derivative_works as
with marker_books as (
    select
        b.book_id,
        coalesce(b.num_ratings, 0) as num_ratings,
        w.surname,
        w.work_id,
        w.work_title,
        ' ' || number_words(title_key(b.title)) || ' ' as padded_title,
        regexp_extract(
            fold_text(b.title),
            '\b(study guide|guide|notes|sparknotes|cliffsnotes|summary|analysis|critical|'
            || 'criticism|companion|casebook|interpretations|graphic novel|manga|'
            || 'illustrated classics?|abridged|retold|adapted|adaptation|dramatization|'
            || 'reader''s guide|workbook|teaching|study|novel units?|'
            -- books about a work or a series, and its film
            || 'the worlds? of|magical worlds? of|the history of|a history|the art of|'
            || 'the making of|the science of|the philosophy of|and philosophy|unofficial|'
            || 'official|tribute|movie|film|filmmaking|page to screen|behind the scenes|'
            || 'sketchbook|visual|cookbook|trivia|quiz|encyclopedia|lexicon|atlas|'
            || 'coloring book|sheet music|pop-up|handbook|treasury|phenomenon)\b'
        ) as marker,
        list_has_any(
            list_transform(coalesce(b.genres, []), lambda g: lower(g)),
            ['graphic novels', 'graphic-novels', 'comics', 'comic book', 'manga',
             'graphic novels comics']
        )
        or regexp_matches(
            fold_text(coalesce(b.description, '')), '\b(graphic novel|manga|comic book)\b'
        ) as drawn,
        title_key(b.title) as full_title,
        -- the title before its first colon ("The Lord of the Rings: Weapons and Warfare")
        case when contains(strip_series(b.title), ':')
            then title_key(split_part(strip_series(b.title), ':', 1)) end as before_colon,
        ' ' || fold_text(coalesce(b.description, '')) || ' ' as padded_description
    from books as b
    join book_works as w using (book_id)
),

candidates as (
    -- only titles that can qualify, so the containment join stays small
    select * from marker_books
    where marker <> '' or contains(padded_title, 's ') or contains(padded_title, ' volume ')
        or before_colon is not null
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
        max(coalesce(b.num_ratings, 0)) as num_ratings
    from book_works as w
    join books as b using (book_id)
    where w.surname is not null and w.work_title is not null
    group by work_id
),

series_works as (
    -- a series' name stands for each of its single entries: its most-rated entry's ratings
    select
        w.work_id,
        w.series_key as name,
        w.surname,
        max(coalesce(b.num_ratings, 0)) over (partition by w.series_key) as num_ratings
    from book_works as w
    join books as b using (book_id)
    join book_series as s using (book_id)
    where w.series_key is not null and w.position is not null and not s.is_collection
        and w.surname is not null
        -- a name readers know the series by: in an entry's title, or three words or more
        -- ("Ancient Egypt" names a subject far more often than Wilbur Smith's series)
        and (w.series_key like '% % %' or w.series_key in (
            select x.series_key from book_works as x
            where contains(' ' || x.work_title || ' ', ' ' || x.series_key || ' ')
        ))
),

names as (
    -- what a derivative may name: a work's title, or a series' name (then every entry); a
    -- title of three words or more also without its article ("The World of Ice & Fire: ...
    -- and the Game of Thrones" names "A Game of Thrones")
    select work_id, work_title as name, surname, num_ratings, 'work' as kind, false as bare
    from works
    union
    select
        work_id, regexp_replace(work_title, '^(a|an|the) ', '') as name, surname, num_ratings,
        'work' as kind, true as bare
    from works
    where regexp_matches(work_title, '^(a|an|the) [^ ]+ [^ ]+ [^ ]+')
    union
    select work_id, name, surname, num_ratings, 'series' as kind, false as bare
    from series_works
),

named as (
    select
        *,
        split_part(name, ' ', 1) as first_word,
        name like '% %' and length(name) >= 8 as long_name
    from names
    where length(name) >= 6
),

linked as (
    select
        m.book_id,
        w.work_id,
        w.bare,
        case
            when m.marker <> ''
                then 'names ' || case when w.kind = 'series' then 'the series "' else '"' end
                || w.name || '" and says "' || m.marker || '"'
            when contains(m.padded_title, ' ' || w.surname || 's ' || w.name || ' ')
                then 'names "' || w.name || '" after its author'
            when m.before_colon = w.name
                then 'titled "' || w.name || ': ..." by another author'
            when contains(m.padded_title, ' from ' || w.name || ' ')
                then 'says it is taken from "' || w.name || '"'
            else 'names "' || w.name || '" with a volume number'
        end as reason
    from candidates as m
    join candidate_words as cw on cw.book_id = m.book_id
    join named as w
        on w.first_word = cw.word
        and contains(m.padded_title, ' ' || w.name || ' ')
        and m.work_id <> w.work_id
        -- by another author, or by the same one when it says it is a companion or drawn
        -- ("Twilight: The Graphic Novel" under Stephenie Meyer's name)
        and (coalesce(m.surname, '') <> w.surname or m.marker in (
            'graphic novel', 'manga', 'movie', 'film', 'filmmaking', 'companion', 'official',
            'unofficial', 'the world of', 'the worlds of', 'tribute', 'page to screen',
            'behind the scenes', 'sketchbook', 'visual', 'cookbook', 'trivia', 'quiz',
            'coloring book', 'sheet music', 'pop-up', 'encyclopedia', 'lexicon')
            -- or calls itself the name's guide: "(A Percy Jackson and the Olympians Guide)"
            or (m.marker in ('guide', 'handbook')
                and contains(m.padded_title, ' ' || w.name || ' ' || m.marker || ' '))
            -- or says it is taken from it: "... Exercises from the Power of Now"
            or (m.surname = w.surname and w.kind = 'work'
                and contains(m.padded_title, ' from ' || w.name || ' ')))
        and m.num_ratings < w.num_ratings
        -- a one-word name ("Twilight") only opens the title, with a marker
        and (w.long_name or (m.marker <> '' and starts_with(m.padded_title, ' ' || w.name || ' ')))
    where m.marker <> ''
        -- "<a work or series of four words or more>: ..." by another author: a book about it
        -- (shorter names collide: "The Red Queen: Sex and the Evolution of Human Nature")
        or (m.before_colon = w.name and w.name like '% % % %' and m.surname <> w.surname)
        -- "... from <a work of three words or more>" by its author: excerpts, exercises,
        -- teachings (by another, a subject: "... A True Story from the Underground Railroad")
        -- (new stories "from the Dresden Files" are the series' own, not taken from a work)
        or (contains(m.padded_title, ' from ' || w.name || ' ') and w.name like '% % %'
            and m.surname = w.surname and w.kind = 'work')
        or (w.kind = 'work' and w.long_name and (
            contains(m.padded_title, ' ' || w.surname || 's ' || w.name || ' ')
            or contains(m.padded_title, ' ' || w.name || ' volume ')))
),

adaptations as (
    -- exactly the work's title, by another author, drawn: a graphic novel or manga of it
    select
        m.book_id,
        w.work_id,
        false as bare,
        'the title of "' || w.work_title || '" by another author, shelved or described as a '
        || 'graphic novel, comic or manga' as reason
    from marker_books as m
    join works as w
        on regexp_replace(m.work_title, ' #[0-9.]+$', '') = w.work_title
        and m.work_id <> w.work_id
        and coalesce(m.surname, '') <> w.surname
        and m.num_ratings < w.num_ratings
    -- the whole title, or a subtitle under it with the work's author named in the description
    -- ("The Dark Tower: The Gunslinger Born": Stephen King), not just a shared main title
    -- ("Batman: Hush" is no adaptation of "Batman: The Dark Knight Returns")
    where m.drawn and (
        m.full_title = w.work_title or contains(m.padded_description, ' ' || w.surname || ' ')
    )
),

drawn_series as (
    -- titled as a series (its main title), by another author, drawn, the series' author named
    -- in its description: a graphic adaptation of the series ("The Dark Tower: The Gunslinger
    -- Born", Peter David's comic of Stephen King's series)
    select
        m.book_id,
        s.work_id,
        false as bare,
        'titled as the series "' || s.name || '" by another author, shelved or described as a '
        || 'graphic novel, comic or manga' as reason
    from marker_books as m
    join series_works as s
        on s.name = m.work_title
        and s.name like '% %'
        and m.work_id <> s.work_id
        and coalesce(m.surname, '') <> s.surname
        and m.num_ratings < s.num_ratings
    where m.drawn and contains(m.padded_description, ' ' || s.surname || ' ')
),

unnumbered as (
    -- by the series' author, tagged with its name and no number ("Do-It-Yourself Book (Diary
    -- of a Wimpy Kid)"): a companion, not an entry
    select
        m.book_id,
        s.work_id,
        false as bare,
        'tagged "' || s.name || '" with no number: a companion of the series' as reason
    from marker_books as m
    join books as b using (book_id)
    join book_series as bs using (book_id)
    join series_works as s
        on s.surname = m.surname
        and s.name = title_key(regexp_extract(b.title, '\(([^()#]+)\)\s*$', 1))
        and m.work_id <> s.work_id
    -- (a collection of its entries says so elsewhere: "Pandora / Vittorio the Vampire")
    where not contains(b.title, '#') and not bs.is_collection
),

retellings as (
    -- a title that is a whole work's title of three words or more "and" something, by another
    -- known author, read five times less: a mash-up ("Pride and Prejudice and Zombies")
    select
        m.book_id,
        w.work_id,
        false as bare,
        'a mash-up of "' || w.work_title || '" by another author' as reason
    from marker_books as m
    join works as w
        on split_part(trim(m.padded_title), ' ', 1) = split_part(w.work_title, ' ', 1)
        and starts_with(m.padded_title, ' ' || w.work_title || ' and ')
        and w.work_title like '% % %'
        -- a title any author's collection may bear is no work of one ("The Complete Tales"
        -- of Beatrix Potter and Poe's "The Complete Tales and Poems")
        and not regexp_matches(w.work_title, '^(the )?(complete|collected|selected|essential) ')
        and m.work_id <> w.work_id
        and m.surname <> w.surname
        and m.num_ratings * 5 < w.num_ratings
    where m.surname is not null and contains(m.padded_title, ' and ')
),

retold_parts as (
    -- the series' name is the work's whole title (three words or more), the book is titled
    -- otherwise (not a book of the same name) and read less
    select
        m.book_id,
        w.work_id,
        false as bare,
        'a part of "' || w.work_title || '" retold by another author' as reason
    from marker_books as m
    join book_works as s on s.book_id = m.book_id
    join works as w
        on s.series_key = w.work_title
        and w.work_title like '% % %'
        and m.surname <> w.surname
        and m.work_title <> s.series_key
        and m.num_ratings < w.num_ratings
    where exists (
        select 1 from book_works as x
        where x.work_id = w.work_id and x.position > 1 and x.series_key <> s.series_key
    )
),

capitalised_words as (
    -- each description's capitalised words of four letters or more, once per book
    select
        book_id,
        unnest(list_distinct(regexp_extract_all(description, '\b[A-Z][a-z]{3,}\b'))) as word
    from books
    where description is not null
),

plain_words as (
    -- how many descriptions use each word of four letters or more in lower case
    select word, count(*) as books
    from (
        select
            book_id,
            unnest(list_distinct(regexp_extract_all(description, '\b[a-z]{4,}\b'))) as word
        from books
        where description is not null
    )
    group by word
),

described_names as (
    -- each description's names of people and places: capitalised words in at most 30
    -- descriptions, in lower case in at most 2 (see the header)
    select c.book_id, c.word
    from capitalised_words as c
    join (
        select word from capitalised_words group by word having count(*) <= 30
    ) as rare using (word)
    left join plain_words as plain on plain.word = lower(c.word)
    where coalesce(plain.books, 0) <= 2
),

main_entries as (
    -- each series' main entries (whole positions, no collections) and their works
    select w.series_id, w.work_id, w.surname, coalesce(b.num_ratings, 0) as num_ratings
    from book_works as w
    join book_series as s using (book_id)
    join books as b using (book_id)
    where w.series_id is not null and w.position >= 1 and w.position = floor(w.position)
        and not s.is_collection
),

series_authors as (
    select series_id, mode(surname) as surname, max(num_ratings) as num_ratings
    from main_entries
    where surname is not null
    group by series_id
),

series_names as (
    -- the names every book of a series' descriptions holds (its editions' too)
    select distinct w.series_id, n.word
    from book_works as w
    join described_names as n using (book_id)
    where w.series_id is not null
),

short_books as (
    -- books of no series, under 200 pages, with a description
    select b.book_id, b.title, coalesce(b.num_ratings, 0) as num_ratings
    from books as b
    join book_works as w using (book_id)
    join book_pages as p using (book_id)
    where w.series_id is null and p.pages < 200 and b.description is not null
),

own_words as (
    -- what a short book's own title and its credited authors' names say: no name of a world
    select book_id, unnest(regexp_extract_all(title, '[A-Za-z]+')) as word
    from short_books
    union
    select c.book_id, unnest(regexp_extract_all(c.name, '[A-Za-z]+'))
    from book_credits as c
    join short_books using (book_id)
    where c.name in (
        select name from book_credits group by name having count(distinct book_id) >= 2
    )
),

in_world_series as (
    select
        k.book_id,
        a.series_id,
        string_agg(n.word, ', ' order by n.word) as shared
    from short_books as k
    join book_credits as c using (book_id)
    join series_authors as a on a.surname = c.surname and k.num_ratings < a.num_ratings
    join described_names as n on n.book_id = k.book_id
    join series_names as sn on sn.series_id = a.series_id and sn.word = n.word
    where lower(n.word) <> a.surname
        and not exists (
            select 1 from own_words as o where o.book_id = k.book_id and o.word = n.word
        )
    group by k.book_id, a.series_id
    having count(distinct n.word) >= 2
),

in_world as (
    select
        i.book_id,
        e.work_id,
        false as bare,
        'set in the world of "' || i.series_id || '" by its author (names ' || i.shared || ')'
            as reason
    from in_world_series as i
    join main_entries as e using (series_id)
),

by_other_rules as (
    select * from linked
    union all
    select * from adaptations
    union all
    select * from retellings
    union all
    select * from retold_parts
    union all
    select * from drawn_series
    union all
    select * from unnumbered
),

found as (
    select * from by_other_rules
    union all
    -- a book another rule linked already is that work's, not every entry's of its series
    -- ("The Hobbit: Graphic Novel" adapts The Hobbit, not The Lord of the Rings' volumes)
    select * from in_world where book_id not in (select book_id from by_other_rules)
),

series_firsts as (
    -- a derivative of a series' first main entry is one of its other main entries too
    select
        d.book_id,
        e.work_id,
        d.bare,
        d.reason || ', the first of "' || f.series_id || '"' as reason
    from found as d
    join book_works as f on f.work_id = d.work_id and f.position = 1
    join book_works as e
        on e.series_id = f.series_id and e.position > 1 and e.position = floor(e.position)
    join book_series as s on s.book_id = e.book_id and not s.is_collection
    join book_works as own on own.book_id = d.book_id
    -- not an entry of the series itself ("Naruto, Vol. 15: Naruto's Ninja Handbook!"), nor a
    -- link through the series' name (one per entry already); the first entry named by two
    -- words or more besides an article, or before the title's colon ("Twilight: The Graphic
    -- Novel"): a short name is a phrase more often than a book ("Trump: The Art of the Deal"
    -- is no companion of "The Deal (Off Campus, #1)", nor "The Secret Language of Symbols" of
    -- "The Secret (Highlands' Lairds, #1)")
    join books as b on b.book_id = d.book_id
    where own.series_id is distinct from f.series_id
        and d.reason not like 'names the series %'
        and (regexp_replace(f.work_title, '^(a|an|the) ', '') like '% %'
            or starts_with(lower(b.title), f.work_title || ':'))
),

final as (
    -- a link found through the whole title too says so with the whole title; one found
    -- directly before one through a series' first entry
    select
        book_id,
        work_id,
        coalesce(min(reason) filter (where not bare), min(reason)) as reason
    from (
        select * from found
        union all
        select * from series_firsts
        where not exists (
            select 1 from found as f
            where f.book_id = series_firsts.book_id and f.work_id = series_firsts.work_id
        )
    )
    group by book_id, work_id
)

select * from final order by book_id, work_id
