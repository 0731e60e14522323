-- Builds `collection_works`: for every collection (book_series.is_collection), the works it
-- contains, with the rule that linked them.
-- Reads: books, book_series, book_works. Parameters: none.
-- A collection contains (a) the entries of its series inside its range "(Little House, #1-9)",
-- (b) every entry of a series it names, by the same author ("The Complete Anne of Green Gables
-- 8-Book Box Set", "The Annotated Sherlock Holmes"), (c) a work it names by the same author ("A
-- Game of Thrones / A Clash of Kings"). Short names (one word) are not trusted for (c), nor for
-- (b) unless the collection's author wrote the series ("The Great Dune Trilogy"). Besides the
-- marked collections: (d) a title that lists two or more works of its author ("Pride and
-- Prejudice, Mansfield Park, Persuasion"; a work of two words or more also by its title before a
-- subtitle: "... / Through the Looking-Glass" lists "Through the Looking-Glass, and What Alice
-- Found There"), (e) a "complete novels/works" naming no series or work holds every work of its
-- author ("The Complete Novels", Jane Austen; complete poems, tales or stories their author's
-- collections and pieces printed alone in at most 100 pages), (f) a book titled exactly as a
-- series of its author that has a #1, entry of none ("The Lord of the Rings", J.R.R. Tolkien),
-- is the omnibus of that series. (g) A work that is a later entry of one series (#2 on), titled
-- as a series of its author whose entries are titled otherwise, holds those entries: its stories
-- or parts ("The Memoirs of Sherlock Holmes (Sherlock Holmes, #4)" holds "Silver Blaze (The
-- Memoirs of Sherlock Holmes, #1)"). (h) "<a work> and Other Stories" (or "and Selected ...",
-- "and Three Other ...") by its author holds that work ("Heart of Darkness and Selected Short
-- Fiction"; "The Yellow Wallpaper and Other Stories" holds "The Yellow Wall-Paper"). (i) "<a
-- work> and <a work>" of one author. (j) A work's title in the plural by its author holds it
-- ("The Jungle Books": Kipling's two Jungle Books in one).
create or replace table collection_works as
with collections as (
    select
        s.book_id,
        -- the series as book_works names it (one name for its spellings), as entries' is
        w.series_key,
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
        and (e.series_key like '% %' or length(e.series_key) >= 4)
        and contains(c.padded_title, ' ' || e.series_key || ' ')
    where c.position_hi is null
),

listed_titles as (
    -- (d): each part of a title cut at commas, semicolons, slashes (spaced or not: "The Time
    -- Machine/The Invisible Man"), "&" and "and" before the last part; where a list follows a
    -- colon, the list alone ("The Oedipus Cycle: Oedipus Rex, Oedipus at Colonus, Antigone":
    -- not "The Oedipus Cycle", nor the "Conversations With God" of "...: An Uncommon Dialogue,
    -- Book 3")
    select
        b.book_id,
        w.surname,
        w.work_id as own_work,
        number_words(title_key(trim(part))) as part_key,
        count(*) over (partition by b.book_id) as parts,
        len(string_split_regex(l.list, ',\s*(?:and\s+)?|\s*[/;]\s*|\s+&\s+|\s+and\s+'))
            as titles,
        -- two titles joined by "&" or "/": either names a work of their author even alone
        regexp_matches(l.list, '/|\s&\s') as joined,
        -- titles split by semicolons, the way a volume of plays lists them
        regexp_matches(l.list, ';') as semicolons
    from books as b
    join book_works as w using (book_id)
    cross join (select regexp_extract(strip_series(b.title), ':(.*)$', 1) as after_colon) as c
    cross join (
        select case
            when regexp_matches(c.after_colon, ',|/|;|\s&\s') then c.after_colon
            else strip_series(b.title)
        end as list
    ) as l
    cross join unnest(string_split_regex(l.list, ',\s*(?:and\s+)?|\s*[/;]\s*|\s+&\s+'))
        as parts(part)
    where w.surname is not null
        and regexp_matches(strip_series(b.title), ',|/|;|\s&\s')
),

whole_titles as (
    -- every work's titles in full (no subtitle cut): a title joined to another by "&" or "/"
    -- names a work only so ("Walden & Civil Disobedience", not "Batman & Robin: Batman
    -- Reborn" for "Batman: Arkham Asylum")
    select distinct w.work_id, number_words(title_key(b.title)) as whole
    from book_works as w
    join books as b using (book_id)
),

listable_titles as (
    -- what a list of titles may name a work by: its title, or (two words or more) its title
    -- before a subtitle: "Alice's Adventures in Wonderland / Through the Looking-Glass" names
    -- "Through the Looking-Glass, and What Alice Found There"
    select work_id, surname, work_title, work_title as listed_as from entries
    union
    -- a volume of a series' range is a book in its own right to a list of titles: "All
    -- Creatures Great and Small (..., #1-2)" in "All Creatures Great and Small / All Things
    -- Bright and Beautiful"
    select w.work_id, w.surname, w.work_title, w.work_title as listed_as
    from book_works as w
    join book_series as s using (book_id)
    where s.is_collection and s.position_hi is not null and w.surname is not null
    union
    select work_id, surname, work_title, listed_as
    from (
        select w.work_id, w.surname, w.work_title,
            title_key(regexp_replace(strip_series(b.title), '(,\s*and\s|:).*$', '')) as listed_as
        from book_works as w
        join books as b using (book_id)
        join book_series as s using (book_id)
        where not s.is_collection and w.surname is not null
            and regexp_matches(strip_series(b.title), ',\s*and\s|:')
    )
    where listed_as like '% %'
),

lists_works as (
    select l.book_id, e.work_id, 'lists the work "' || e.work_title || '" in its title' as reason
    from listed_titles as l
    join listable_titles as e
        on e.surname = l.surname
        and e.listed_as in (l.part_key, 'the ' || l.part_key)
        and e.work_id <> l.own_work
    -- two works of its author, or one (of two words or more) in a list of three titles or
    -- more ("Notes from Underground, White Nights, The Dream of a Ridiculous Man, and
    -- Selections from The House of the Dead"), or one joined to another title by "&" or "/"
    -- ("Walden & Civil Disobedience"); a one-word one in three titles split by semicolons
    -- ("Antigone; Oedipus the King; Electra"), or of six letters or more in any list of three
    -- ("Five Dialogues: Euthyphro, Apology, Crito, Meno, Phaedo")
    qualify count(distinct e.work_id) over (partition by l.book_id) >= 2
        or (
            l.parts >= 3
            and (e.work_title like '% %' or l.semicolons or length(e.work_title) >= 6)
        )
        or (l.titles >= 3 and e.work_title like '% % %')
        or (
            l.joined and exists (
                select 1 from whole_titles as x
                where x.work_id = e.work_id
                    and x.whole in (l.part_key, 'the ' || l.part_key)
            )
        )
),

book_pages as (
    -- every book's pages; null for all where `books` has no such column (a warehouse written
    -- by hand): the empty row joined by name adds it
    select book_id, pages
    from (
        select * from books
        union all by name
        select null::bigint as book_id, null::integer as pages where false
    )
),

author_works as (
    -- every work of an author, a collection or not: the Goodreads ratings of its most-rated
    -- edition, its author as written, and whether it is a collection or says it holds
    -- pieces ("... and Other Writings", "...: Stories")
    select
        w.work_id,
        any_value(w.surname) as surname,
        any_value(fold_text(b.author)) as author,
        max(coalesce(b.num_ratings, 0)) as num_ratings,
        -- the longest edition's pages: a story or poem printed alone is short in every one
        max(p.pages) as pages,
        bool_or(not s.is_collection) as has_entry,
        bool_or(s.is_collection)
            or regexp_matches(any_value(w.work_title), '\b(stories|tales|poems|writings|and other)\b')
            as holds_pieces
    from book_works as w
    join books as b using (book_id)
    join book_pages as p using (book_id)
    join book_series as s using (book_id)
    where w.surname is not null
    group by w.work_id
),

complete_works as (
    -- (e): only where no series or work named gave the collection its contents. Complete or
    -- collected poems, tales, stories or fictions hold the collections of their author,
    -- however widely read (Poe's "The Complete Stories and Poems" holds "The Tell-Tale Heart
    -- and Other Writings"; O'Connor's "The Complete Stories" "A Good Man Is Hard to Find and
    -- Other Stories"; Dickinson's "The Complete Poems" her "Selected Poems"), and their
    -- stories or poems printed alone (at most 100 pages: Poe's "The Tell-Tale Heart", Beatrix
    -- Potter's "The Tale of Peter Rabbit" in "The Complete Tales"), not a novel, a memoir or a
    -- play ("The Complete Stories" of Flannery O'Connor holds no "Wise Blood"); by the author
    -- as written, not a namesake
    select
        c.book_id,
        a.work_id,
        case
            when regexp_matches(c.padded_title, ' complete (novels|works) ')
                then 'the complete novels or works of its author'
            when a.pages between 1 and 100
                then 'the complete poems, tales or stories of its author: a short piece of theirs'
            else 'the complete poems, tales or stories of its author: a collection of theirs'
        end as reason
    from collections as c
    join book_series as s using (book_id)
    join books as cb on cb.book_id = c.book_id
    join author_works as a on a.surname = c.surname
    where s.collection_rule = 'complete works'
        and (
            (regexp_matches(c.padded_title, ' complete (novels|works) ') and a.has_entry)
            or (
                a.author = fold_text(cb.author)
                and (a.holds_pieces or a.pages between 1 and 100)
                and regexp_matches(
                    c.padded_title, ' (complete|collected) (poems|tales|stories|fictions?) '
                )
            )
        )
        and c.position_hi is null
        and not exists (
            select 1 from entries as x
            where x.surname = c.surname
                and ((x.series_key like '% %' and contains(c.padded_title, ' ' || x.series_key || ' '))
                    or (x.work_title like '% %' and contains(c.padded_title, ' ' || x.work_title || ' ')))
        )
),

omnibus as (
    -- (f): the book's work has no series entry among its editions
    -- whole title = the series' name, and the series has its own #1: "Little Women" (the
    -- first book of its series, unnumbered) and "The Sandman: Overture" stay single works
    select o.book_id, e.work_id, 'titled as the series "' || e.series_key || '"' as reason
    from book_works as o
    join books as b using (book_id)
    join entries as e
        on e.surname = o.surname
        and e.series_key = title_key(b.title)
        and e.series_key like '% %'
    where o.position is null
        -- (a companion at "#4.5" that shares the main title is no entry: "The Twilight Saga:
        -- The Official Illustrated Guide" beside the box set "The Twilight Saga")
        and not exists (
            select 1 from book_works as x
            where x.work_id = o.work_id and x.position = floor(x.position)
        )
        and exists (
            select 1 from entries as f
            where f.series_key = e.series_key and f.surname = o.surname and f.position = 1
        )
),

names_work as (
    select c.book_id, e.work_id, 'names the work "' || e.work_title || '"' as reason
    from collections as c
    join entries as e
        on e.surname = c.surname
        and e.work_title like '% %'
        and contains(c.padded_title, ' ' || e.work_title || ' ')
),

and_others as (
    -- (h): "<a work> and Other Stories", "<a work> and Selected Short Fiction", "<a work> and
    -- Three Other Plays" by its author
    select o.book_id, e.work_id, 'holds "' || e.work_title || '" and other pieces' as reason
    from (
        select w.book_id, w.work_id, w.surname, number_words(title_key(strip_series(b.title))) as key
        from book_works as w
        join books as b using (book_id)
        where regexp_matches(title_key(b.title), ' and (\w+ )?(other|selected) ')
    ) as o
    join entries as e
        on e.surname = o.surname
        and e.work_id <> o.work_id
        -- one word will do ("Pygmalion and Three Other Plays"), unless a short one
        and (e.work_title like '% %' or length(e.work_title) >= 5)
        and (
            starts_with(o.key, e.work_title || ' ')
            -- the work spelled with a space or hyphen more or less ("Wall-Paper")
            or replace(regexp_replace(o.key, ' and (\w+ )?(other|selected) .*$', ''), ' ', '')
                = replace(e.work_title, ' ', '')
        )
),

plural_title as (
    -- (j): "The Jungle Books" by Kipling holds "The Jungle Book" (the only such pair on the
    -- shared data); a title of two words or more: one word and an "s" is too often another book
    select o.book_id, e.work_id, 'titled as "' || e.work_title || '" in the plural' as reason
    from book_works as o
    join entries as e
        on e.surname = o.surname
        and o.work_title = e.work_title || 's'
        and e.work_title like '% %'
        and e.work_id <> o.work_id
),

two_works as (
    -- (i): "<a work> and <a work>" of one author, both of two words or more ("Mere
    -- Christianity and The Screwtape Letters")
    select t.book_id, e.work_id, 'joins "' || e.work_title || '" with another work' as reason
    from (
        select
            o.book_id,
            o.work_id as own_work,
            o.surname,
            string_split(number_words(title_key(strip_series(b.title))), ' and ') as pieces
        from book_works as o
        join books as b using (book_id)
        where o.surname is not null and contains(title_key(b.title), ' and ')
    ) as t
    cross join generate_series(1, len(t.pieces) - 1) as cut(k)
    join entries as l
        on l.surname = t.surname
        and l.work_title = array_to_string(t.pieces[1:cut.k], ' and ')
        and l.work_title like '% %'
    join entries as r
        on r.surname = t.surname
        and r.work_title = array_to_string(t.pieces[cut.k + 1:], ' and ')
        and r.work_title like '% %'
    join entries as e on e.work_id in (l.work_id, r.work_id)
    where l.work_id <> t.own_work and r.work_id <> t.own_work and l.work_id <> r.work_id
),

story_parts as (
    -- (g): a series named after a #1 ("The Great Brain", "Rivers of London") is that book's
    -- sequels, not its parts, hence "#2 on"; an entry titled as the series is a book of the
    -- same name, not a part
    select o.book_id, e.work_id, 'its parts: the series "' || e.series_key || '"' as reason
    from book_works as o
    join entries as e
        on e.series_key = o.work_title
        and e.surname = o.surname
        and e.work_title <> e.series_key
    where o.work_title like '% % %'
        and exists (
            select 1 from book_works as x
            where x.work_id = o.work_id and x.position > 1 and x.series_key <> e.series_key
        )
),

linked as (
    select * from in_range
    union all
    select * from names_series
    union all
    select * from names_work
    union all
    select * from lists_works
    union all
    select * from complete_works
    union all
    select * from omnibus
    union all
    select * from story_parts
    union all
    select * from and_others
    union all
    select * from two_works
    union all
    select * from plural_title
)

select book_id as collection_id, work_id, min(reason) as reason
from linked
where work_id <> (select w.work_id from book_works as w where w.book_id = linked.book_id)
group by all
order by collection_id, work_id
