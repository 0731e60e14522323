-- Builds `book_works`: every book with the work it is an edition of (work_id = the smallest
-- book_id of the work) and the rule that grouped it.
-- Reads: books, book_series, goodreads_works, original_titles. Parameters: none.
-- Editions of one work share (a) the title before any subtitle or alternative title
-- (work_title_key: "Moby-Dick or, the Whale" is "Moby-Dick"), number words as digits ("The 5
-- Love Languages: ..." = "The Five Love Languages: ..."), spaces and hyphens inside words aside
-- ("The Yellow Wall-Paper" = "The Yellow Wallpaper"), and the author's surname, or (b) a
-- series and a single position and the surname ("The Sign of Four (Sherlock Holmes, #2)" =
-- "The Sign of the Four (Sherlock Holmes, #2)"; "A Storm of Swords: Steel and Snow (#3: Part 1
-- of 2)" is part of #3; not where two Goodreads works of titles sharing no word clash at one
-- position: position_clashes; a book read in the second series of its suffix also by its place
-- in the first: first_group, "Gevatter Tod (Discworld, #4)" = "Mort (Discworld, #4; Death,
-- #1)"), or (c) the Goodreads id, or the Goodreads work that goodbooks-10k
-- names for it (its work_id; both the book's id and its work's best edition id map to it), or
-- (d) the author and the Goodreads totals (ratings, at least 1,000, and average: Goodreads
-- counts them over a work's editions), or (e) the title of a work's record by another author
-- and an author another record of the work credits (round6, credited_elsewhere; one hop each,
-- as the rounds below: a chain of such links would stay split, which only under-groups). Books
-- known only from the rating files have no author: they take the surname of the one author the
-- catalog has for their title (unless they name a series that author's editions of it are not
-- in) or series entry, if only one; two left without one share a title group only where their
-- series notes agree (a subtitle may name the series: subtitle_series). One author's books
-- under one title before the subtitle that goodbooks-10k counts as three Goodreads works or
-- more ("Batman: Hush", "Batman: The Long Halloween", "Batman: Dark Victory") are a
-- franchise's books, grouped by their whole title (positions.franchise_title).
-- A series spelled two ways ("Dune" / "Dune Chronicles", "The Wheel of Time" / "Wheel of
-- Time") is one series: names equal once every "the" and a trailing "chronicles", "saga",
-- "series", "cycle", "sequence", "trilogy", "quartet", "quintet" are dropped, and shared by
-- one author, take the smallest spelling (series_key here; book_series keeps the spelling of
-- the title). So is a
-- name cut short ("Hitchhiker's Guide" / "The Hitchhiker's Guide to the Galaxy"): one name
-- the start of the other, each written by one author, the same one, and no position numbered
-- in both ("Harry Bosch" / "Harry Bosch Universe" share numbers: two numberings, kept apart),
-- and a series named after the #1 of another by its author, with no #1 of its own ("Ender's
-- Shadow (The Shadow Series, #1)", "Shadow of the Hegemon (Ender's Shadow, #2)"). A split edition
-- ("The Way of Kings, Part 1 (The Stormlight Archive #1.1)": a fractional position and "part"
-- in the title) is an edition of its whole-numbered entry. A series name two authors number
-- alike is one series per author to go through (series_id "inheritance (paolini)" and
-- "inheritance (jemisin)"; series_key, the name titles are matched on, stays "inheritance").
-- Keys are joined by two rounds of "smallest id over the key", enough for a chain
-- title -> series -> title (a longer chain would stay split, which only under-groups).
create or replace table book_works as
with spelled as (
    select
        b.book_id,
        b.goodreads_id,
        b.title,
        b.num_ratings,
        b.avg_rating,
        author_surname(b.author) as surname,
        s.series_key,
        s.position,
        s.first_series_key,
        s.first_position,
        s.title_number,
        s.is_collection,
        nullif(regexp_replace(
            regexp_replace(s.series_key, '(^| )the ', '\1', 'g'),
            ' (chronicles|saga|series|cycle|sequence|trilogy|quartet|quintet)$', ''), '')
            as series_root
    from books as b
    join book_series as s using (book_id)
),

root_entries as (
    -- the numbered single entries of each series root, by author
    select distinct series_root, surname, position
    from spelled
    where series_root is not null and surname is not null and not is_collection
        and position = floor(position)
),

lone_authors as (
    -- the roots one author wrote every entry of
    select series_root, any_value(surname) as surname
    from root_entries
    group by series_root
    having count(distinct surname) = 1
),

root_links as (
    -- a root cut short: the start of exactly one longer root of the same lone author, the
    -- two numbering no entry alike
    select s.series_root as short_root, l.series_root as long_root
    from lone_authors as s
    join lone_authors as l
        on l.surname = s.surname and starts_with(l.series_root, s.series_root || ' ')
    where not exists (
        select 1
        from root_entries as a
        join root_entries as b using (position)
        where a.series_root = s.series_root and b.series_root = l.series_root
    )
    union all
    -- a root named after another series' #1 by the same lone author, with no #1 of its own
    -- and no number in common: "Shadow of the Hegemon (Ender's Shadow, #2)" after "Ender's
    -- Shadow (The Shadow Series, #1)"
    select n.series_root as short_root, f.series_root as long_root
    from lone_authors as n
    join spelled as f
        on f.surname = n.surname
        and f.position = 1
        and not f.is_collection
        and f.series_root <> n.series_root
        and main_title_key(f.title) = n.series_root
    where not exists (
        select 1 from root_entries as r where r.series_root = n.series_root and r.position = 1
    )
        and not exists (
            select 1
            from root_entries as a
            join root_entries as b using (position)
            where a.series_root = n.series_root and b.series_root = f.series_root
        )
),

longer_roots as (
    select short_root, min(long_root) as long_root
    from root_links
    group by short_root
    having count(distinct long_root) = 1
),

series_spellings as (
    -- the smallest spelling of a series root among the series one author wrote in
    select distinct
        p.series_key,
        min(p.series_key) over (
            partition by coalesce(r.long_root, p.series_root), p.surname
        ) as same_series
    from spelled as p
    left join longer_roots as r on r.short_root = p.series_root
    where p.series_key is not null and p.series_root is not null and p.surname is not null
),

series_names as (
    select series_key, min(same_series) as series_name
    from series_spellings
    group by series_key
),

keyed_titles as (
    select
        b.book_id,
        b.title,
        b.goodreads_id,
        g.goodreads_work_id,
        coalesce(b.num_ratings, 0) as num_ratings,
        -- Goodreads counts a work's ratings over all its editions: one author's records with
        -- the same count (of at least 1,000) and average are one work's (round6)
        case
            when b.surname is not null and b.num_ratings >= 1000 and b.avg_rating is not null
                then b.surname || '|' || b.num_ratings || '|' || b.avg_rating
        end as ratings_key,
        nullif(number_words(coalesce(work_title_key(b.title), '')), '')
            || coalesce(' #' || b.title_number, '') as work_title,
        b.surname,
        coalesce(n.series_name, b.series_key) as series_key,
        b.series_key as title_series_key,
        coalesce(f.series_name, b.first_series_key) as first_series_key,
        b.first_position,
        -- a split edition ("Part 1" of #1: #1.1) fills its whole-numbered entry's slot
        case
            when b.position <> floor(b.position)
                and regexp_matches(fold_text(b.title), '\bpart\b|\bvol(ume|\.)?\b')
                then floor(b.position)
            else b.position
        end as position,
        b.position <> floor(b.position)
            and regexp_matches(fold_text(b.title), '\bpart\b|\bvol(ume|\.)?\b') as split_part,
        b.is_collection
    from spelled as b
    left join series_names as n using (series_key)
    left join series_names as f on f.series_key = b.first_series_key
    left join goodreads_works as g using (goodreads_id)
),

keyed as (
    -- a title spelled with or without a space or hyphen is one title ("The Yellow Wall-Paper"
    -- / "The Yellow Wallpaper", "Good Night Moon" / "Goodnight Moon") where one spelling has
    -- three words or more: of two, one is too often another book ("Commonwealth" / "Common
    -- Wealth: Economics for a Crowded Planet", "Hourglass" / "Hour Glass"). Titles are grouped
    -- by spelled_alike; work_title keeps each record's spelling, for the collections' rules.
    select
        * exclude (joined),
        case
            when max(len(string_split(work_title, ' '))) over (partition by joined) >= 3
                then joined
            else work_title
        end as spelled_alike
    from (select *, replace(work_title, ' ', '') as joined from keyed_titles)
),

title_authors as (
    -- the surname of a title when the catalog knows exactly one author for it, and the series
    -- that author's editions of it belong to
    select
        spelled_alike,
        any_value(surname) as only_surname,
        list(distinct series_key) filter (where series_key is not null) as title_series
    from keyed
    where surname is not null and spelled_alike is not null
    group by spelled_alike
    having count(distinct surname) = 1
),

series_authors as (
    -- the surname of a series entry when the catalog knows exactly one author for it (in
    -- the first series of a title too: "Gevatter Tod (Discworld, #4)" has no author, "Mort
    -- (Discworld, #4; Death, #1)" is read in Death)
    select series_key, position, any_value(surname) as series_surname
    from (
        select series_key, position, surname from keyed
        union all
        select first_series_key, first_position, surname from keyed
    )
    where surname is not null and series_key is not null and position is not null
    group by series_key, position
    having count(distinct surname) = 1
),

title_surnames as (
    -- an authorless book takes its title's one surname unless it names a series that author's
    -- editions of the title are not in: "Trust (Waverly Beach Cozy Mystery, #1)" is not
    -- "Trust: A New Beginning (Trust Trilogy, #1)"
    select k.book_id, t.only_surname
    from keyed as k
    join title_authors as t using (spelled_alike)
    where k.surname is null
        -- (list() over no series is null, not [])
        and (k.series_key is null or t.title_series is null
            or list_contains(t.title_series, k.series_key))
),

filled as (
    select
        k.* replace (coalesce(k.surname, t.only_surname, s.series_surname) as surname),
        k.surname is null and coalesce(t.only_surname, s.series_surname) is not null
            as surname_from_title
    from keyed as k
    left join title_surnames as t using (book_id)
    left join series_authors as s using (series_key, position)
),

subtitle_series as (
    -- an authorless book without a series note whose subtitle names the series of an
    -- authorless book of its title takes that series in its title group (keys): "Vacuum
    -- Diagrams: Stories of the Xeelee Sequence" is "Vacuum Diagrams (Xeelee Sequence, #5)"
    select x.book_id, min(y.series_key) as named_series
    from filled as x
    join filled as y using (spelled_alike)
    where x.surname is null and y.surname is null
        and x.series_key is null and y.series_key is not null
        and list_has_all(
            string_split(coalesce(title_key(split_part(strip_series(x.title), ':', 2)), ''), ' '),
            string_split(y.series_key, ' '))
    group by x.book_id
    having count(distinct y.series_key) = 1
),

positions as (
    -- a title whose editions name different series positions ("Genghis: Birth of an Empire
    -- (Conqueror, #1)", "Genghis: Lords of the Bow (Conqueror, #2)") is several works
    select
        *,
        count(distinct position) over (partition by spelled_alike, surname) > 1 as split_title,
        -- one author's books under one title before the subtitle that Goodreads counts as
        -- three works or more (goodbooks-10k's work ids: "Batman: Hush", "Batman: The Long
        -- Halloween", "Batman: Dark Victory") are a franchise's books, not editions: keys
        -- group them by their whole title. Two are left alone: a same-author play or guide of
        -- a book ("Men at Arms: The Play") is one of those pairs.
        count(distinct goodreads_work_id) over (partition by spelled_alike, surname) >= 3
            as franchise_title
    from filled
),

keys as (
    select
        *,
        case
            -- (an issue's number dropped: "Batman: The Dark Knight Returns #1" is part of it)
            when franchise_title then coalesce(
                nullif(
                    regexp_replace(number_words(coalesce(title_key(title), '')), ' \d+$', ''),
                    ''
                ),
                spelled_alike
            )
            else spelled_alike
        end
        || '|' || coalesce(surname, '')
        || case when split_title then '|#' || coalesce(position::varchar, '') else '' end
        -- with no author to tell them apart, a series note tells two books apart: "Titan
        -- (Gaea, #1)" is not "Titan: The Life of John D. Rockefeller, Sr.", "Batman: Earth One,
        -- Volume 2" not "Batman: Detective Comics, Volume 2" (subtitle_series: unless the
        -- subtitle names the series)
        || case
            when surname is null then coalesce('|' || coalesce(series_key, named_series), '')
            else ''
        end as title_group,
        case
            when series_key is not null and position is not null and not is_collection
                then series_key || '#' || position || '|' || coalesce(surname, '')
        end as series_group,
        -- a book read in its suffix's second series at its place in the first too
        case
            when series_key is not null and position is not null and not is_collection
                then coalesce(first_series_key, series_key) || '#'
                    || coalesce(first_position, position) || '|' || coalesce(surname, '')
        end as first_group
    from positions
    left join subtitle_series using (book_id)
),

shared_numbers as (
    -- a series name two authors number alike ("Inheritance": Paolini's cycle and Jemisin's
    -- trilogy both have a #2; "The Hollows", "The Secret"): one series per author. Authors who
    -- go on with each other's numbering ("Millennium" #4 after #1-3) stay one series.
    select distinct series_key
    from filled
    where series_key is not null and surname is not null and not is_collection
        and position = floor(position)
    group by series_key, position
    having count(distinct surname) > 1
),

position_clashes as (
    -- two books of one author at one whole series position that goodbooks-10k counts as two
    -- Goodreads works and whose titles share no word (title_words): "Five Little Pigs" and
    -- "Evil Under the Sun", both "(Hercule Poirot, #24)"; "Krew elfów" and "Chrzest ognia",
    -- both "(Saga o Wiedźminie, #3)": two numberings of one series, not two editions of a
    -- book. (A retitled edition, "Northern Lights" / "The Golden Compass", shares its
    -- Goodreads work.)
    select distinct a.series_group
    from keys as a
    join keys as b on a.series_group = b.series_group and a.book_id < b.book_id
    where a.position = floor(a.position)
        and a.goodreads_work_id <> b.goodreads_work_id
        and not list_has_any(title_words(a.title), title_words(b.title))
),

clash_sides as (
    -- at such a position a book groups with the Goodreads work whose titles share a word
    -- with its own ("The Walking Dead, Volume 1: Days Gone Bye" with "..., Vol. 01: ...",
    -- not with the novel "Rise of the Governor (The Walking Dead #1)")
    select x.book_id, min(y.goodreads_work_id) as side
    from keys as x
    join keys as y using (series_group)
    where series_group in (select series_group from position_clashes)
        and y.goodreads_work_id is not null
        and list_has_any(title_words(x.title), title_words(y.title))
    group by x.book_id
),

first_clashes as (
    -- first_group joins no books that position_clashes would keep apart (two goodbooks-10k
    -- works whose titles share no word; a book without a Goodreads work is no clash: the
    -- translation "Gevatter Tod")
    select distinct a.first_group
    from keys as a
    join keys as b on a.first_group = b.first_group and a.book_id < b.book_id
    where a.goodreads_work_id <> b.goodreads_work_id
        and not list_has_any(title_words(a.title), title_words(b.title))
),

grouped as (
    select k.* replace (
        case
            when k.series_group in (select series_group from position_clashes)
                then k.series_group || '|' || coalesce(s.side::varchar, '?')
            else k.series_group
        end as series_group,
        case
            when k.first_group in (select first_group from first_clashes) then null
            else k.first_group
        end as first_group
    )
    from keys as k
    left join clash_sides as s using (book_id)
),

round1 as (
    select *, min(book_id) over (partition by title_group) as m1 from grouped
),

round2 as (
    select
        *,
        case when series_group is null then m1
            else min(m1) over (partition by series_group) end as m2
    from round1
),

round2b as (
    -- the first of two series in a suffix: "Gevatter Tod (Discworld, #4)" and "Mort (Discworld,
    -- #4; Death, #1)", read in Death
    select
        *,
        case when first_group is null then m2
            else min(m2) over (partition by first_group) end as m2b
    from round2
),

round3 as (
    select *, min(m2b) over (partition by title_group) as m3 from round2b
),

round4 as (
    select
        *,
        case when goodreads_id is null then m3
            else min(m3) over (
                partition by coalesce('work ' || goodreads_work_id, 'id ' || goodreads_id)
            ) end as m4
    from round3
),

round5 as (
    -- the rest of a title group follows an edition that the Goodreads id moved
    select *, min(m4) over (partition by m3) as m5 from round4
),

round6 as (
    -- one author's records with one work's Goodreads totals (ratings_key): "Invisible Monsters
    -- Remix" and "Invisible Monsters" (137,638 ratings at 4.00), "Una Historia de Ayer" and "A
    -- Story of Yesterday". Between different authors such pairs are chance (12 at 8,000 to
    -- 21,000 ratings: "Frederica" and "The Crown Conspiracy").
    select *, min(m6_of_record) over (partition by m5) as m6  -- the rest of the work follows
    from (
        select
            *,
            case when ratings_key is null then m5
                else min(m5) over (partition by ratings_key) end as m6_of_record
        from round5
    )
),

credited_elsewhere as (
    -- a work's title under another author's record, by an author another record of the work
    -- credits: Best Books 10k's "The Firm" credits its Penguin Readers adapter Robin
    -- Waterfield, the Penguin edition (the same Goodreads id) John Grisham, so a record of
    -- "The Firm" by John Grisham (6,962 ratings) is that work (pairs of works, both ways)
    select distinct x.m6 as a, t.m6 as b
    from round6 as x
    join round6 as t on t.spelled_alike = x.spelled_alike and t.m6 <> x.m6 and t.surname <> x.surname
    join round6 as s on s.m6 = t.m6 and s.surname = x.surname
),

round7 as (
    select r.*, coalesce(j.joined, r.m6) as work_id
    from round6 as r
    left join (
        select a as m6, least(a, min(b)) as joined
        from (select a, b from credited_elsewhere union all select b, a from credited_elsewhere)
        group by a
    ) as j using (m6)
),

first_published as (
    -- a work of the rating files' records alone (no Goodreads count) titled as a goodbooks-10k
    -- book was first published, and that book's work: one work ("Le Petit Prince" and "The
    -- Little Prince", whose reader was offered it; pairs both ways, one hop as
    -- credited_elsewhere). Not a title with a series note: "Crown of Shadows (The Coldfire
    -- Trilogy, #3)" is not "Locke & Key, Vol. 3: Crown of Shadows", nor "Rumor Has It (Animal
    -- Magnetism, #4)" Jill Mansell's "Rumour Has It". Nor a counted book's work: goodbooks
    -- gives a novella the collection it was first published in ("The Body": "Different
    -- Seasons") and a few titles in error (Sheldon's "The Sands of Time")
    select distinct r.work_id as a, t.work_id as b
    from round7 as r
    join books as rb on rb.book_id = r.book_id
        and r.work_id not in (
            select x.work_id from round7 as x join books as xb using (book_id)
            where xb.num_ratings is not null
        )
    join book_series as s on s.book_id = r.book_id and s.series_name is null
    join original_titles as o on o.title_key = title_key(rb.title)
    join books as gb on gb.goodreads_id = o.goodreads_id
    join round7 as t on t.book_id = gb.book_id
    where r.work_id <> t.work_id and (r.surname is null or r.surname = t.surname)
),

round8 as (
    select
        r.*,
        -- round7's work_id stays (the reasons below read it); joined_work_id is the work the
        -- book ends in (its smallest book_id, as every work's)
        r.work_id in (select a from first_published) as first_published_title,
        r.work_id in (select b from first_published) as published_as_other,
        coalesce(j.joined, r.work_id) as joined_work_id
    from round7 as r
    left join (
        select a as work_id, least(a, min(b)) as joined
        from (select a, b from first_published union all select b, a from first_published)
        group by a
    ) as j using (work_id)
),

final as (
    select
        book_id,
        joined_work_id as work_id,
        work_title,
        surname,
        series_key,
        -- the series a reader goes through: series_key, or per author where two number alike;
        -- none for an umbrella's own entries (Discworld's Pyramids, Small Gods: its other
        -- books are read in their narrower series, City Watch, Death, ...), which are read in
        -- any order: not "none before the earliest one read", nor only the first one left
        case
            when series_key in (select first_series_key from keyed)
                -- unless the note numbers it twice, a comma for the semicolon: "Raising Steam
                -- (Discworld, #40, Moist von Lipwig #3 )" stays after Making Money
                and length(title) - length(replace(title, '#', '')) < 2
                then null
            when surname is not null and series_key in (select series_key from shared_numbers)
                then series_key || ' (' || surname || ')'
            else series_key
        end as series_id,
        title_series_key,
        position,
        case
            when work_id = book_id and first_published_title
                then 'titled as a goodbooks-10k book of the work was first published'
            when work_id = book_id and published_as_other
                then 'a goodbooks-10k book first published under another record''s title'
            when work_id = book_id and count(*) over (partition by joined_work_id) = 1
                then 'a work of its own'
            when m1 <> book_id and m1 = work_id then 'same title and author'
            when m2 < m1 and m2 = work_id and split_part
                then 'split edition: a part of the series entry #' || position::int
            when m2 < m1 and m2 = work_id then 'same series position and author'
            when m2b < m2 and m2b = work_id
                then 'same position in the first series of its title and author'
            when work_id < m5 and work_id = m6 then 'same author and Goodreads ratings'
            when work_id < m6
                then 'same title as another record of the work, by an author it credits'
            when work_id < m3 and goodreads_work_id is not null
                then 'same Goodreads work (goodbooks-10k work_id)'
            when work_id < m3 then 'same Goodreads id'
            else 'same title and author, via another edition'
        end
        || case when surname_from_title then ' (author taken from the title or series entry)' else '' end
            as reason,
        -- the most-rated edition; where a work's records credit several authors, one by the
        -- author (surname) with the most works here: Pratchett's "The Truth", not Stephen Briggs' "The
        -- Truth: Stage Adaptation" (goodbooks-10k's work, more ratings); Grisham's "The Firm",
        -- not the Penguin Readers adapter's
        row_number() over (
            partition by joined_work_id
            order by
                case when authors_in_work > 1 then coalesce(author_works, 0) end desc nulls last,
                num_ratings desc,
                book_id
        ) = 1 as is_main_edition
    from (
        select
            *,
            count(distinct surname) over (partition by joined_work_id) as authors_in_work,
            case when surname is not null
                then count(distinct joined_work_id) over (partition by surname) end
                as author_works
        from round8
    )
)

select * from final order by book_id
