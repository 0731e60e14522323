-- Builds `book_series`: each book's series and position read from its title, and whether the
-- book is a collection (box set, omnibus, "#1-3", "Books 1-7", ...), with the rule that said so.
-- Reads: books. Parameters: none.
-- Goodreads writes the series as a suffix: "A Clash of Kings (A Song of Ice and Fire, #2)",
-- "(Little House, #1-9)", "(A Song of Ice and Fire #5, Part 2 of 2)"; a few titles carry it
-- inline: "... Book One", "..., Volume 2", or are the name of a series their author numbers
-- and a number: "Maus II: And Here My Troubles Began" (Maus #2). A suffix may name a second
-- series: "Guards! Guards! (Discworld, #8; City Watch, #1)". Where the first is an umbrella of
-- such series (umbrellas), the book is read in the second if it has fewer numbered entries in
-- the catalog (City Watch: its next entry is Men at Arms, not Discworld #9, Eric, of the
-- Rincewind books). A suffix naming only a broader series that other suffixes name second is
-- read where they number it ("The Black Echo (Harry Bosch Universe, #1)" is Harry Bosch #1).
create or replace table book_series as
with titled as (
    select
        book_id,
        title,
        fold_text(strip_series(title)) as folded,
        regexp_extract(
            title, '\(([^()]*?),?\s*#\s*([0-9]+(?:\.[0-9]+)?)\s*(?:-\s*([0-9]+(?:\.[0-9]+)?))?[^()]*\)\s*$',
            ['name', 'lo', 'hi']
        ) as suffix,
        -- the second series of a suffix that names two or more: "(Discworld, #8; City Watch,
        -- #1)", "(Harry Bosch, #20; Mickey Haller, #7; Harry Bosch Universe, #25)"
        regexp_extract(
            title, '\(\s*[^()]*?#\s*[0-9.]+\s*;\s*([^;()]*?),?\s*#\s*([0-9]+(?:\.[0-9]+)?)\s*(?:;[^()]*)?\)\s*$',
            ['name', 'pos']
        ) as second,
        -- a range without parentheses ends the title: "The Dark Tower #1-3"
        regexp_extract(
            title, '^([^()#]+?)\s+#\s*([0-9]+)\s*-\s*([0-9]+)\s*$', ['name', 'lo', 'hi']
        ) as bare_range,
        regexp_extract(
            number_words(fold_text(strip_series(title))),
            '^(.+?)[,:]?\s+(?:book|volume|vol\.?|part)\s+([0-9]+)\b', ['name', 'pos']
        ) as inline
    from books
),

noted_entries as (
    -- every numbered entry a suffix names, first series or second: how many each series has
    select name, count(distinct pos) as entries
    from (
        select title_key(suffix.name) as name, suffix.lo as pos from titled where suffix.name <> ''
        union all
        select title_key(second.name), second.pos from titled where second.name <> ''
    )
    where name is not null and not contains(pos, '.')
    group by name
),

umbrellas as (
    -- a series at least half of whose entries name a narrower second series: Discworld (City
    -- Watch, Death, Witches, ...), not Pendergast (three of its books are also Diogenes') nor
    -- Harry Bosch (a few are Mickey Haller's or Terry McCaleb's): their readers go on in it
    select title_key(t.suffix.name) as name
    from titled as t
    join noted_entries as f on f.name = title_key(t.suffix.name)
    left join noted_entries as s on s.name = title_key(t.second.name)
    where t.suffix.name <> ''
    group by 1
    having 2 * count(distinct t.suffix.lo) filter (where s.entries < f.entries)
        >= max(f.entries)
),

narrowed as (
    -- a suffix's second series where it has fewer entries than an umbrella first: read the
    -- book there
    select t.* replace (
        case
            when t.second.name <> '' and s.entries < f.entries and u.name is not null
                then {'name': t.second.name, 'lo': t.second.pos, 'hi': ''}
            else t.suffix
        end as suffix
    ),
    coalesce(t.second.name <> '' and s.entries < f.entries and u.name is not null, false)
        as in_second,
    t.suffix as first_note
    from titled as t
    left join noted_entries as f on f.name = title_key(t.suffix.name)
    left join noted_entries as s on s.name = title_key(t.second.name)
    left join umbrellas as u on u.name = title_key(t.suffix.name)
),

broader_numbers as (
    -- a position of a broader series that suffixes name second, after the series the book is
    -- read in, with one entry there: "(Harry Bosch, #1; Harry Bosch Universe, #1)" is Harry
    -- Bosch #1. Broader by its name ("Harry Bosch Universe" after "Harry Bosch"): a second
    -- series of another name may be narrower ("Blood Work (Harry Bosch Universe, #8; Terry
    -- McCaleb #1)") or another author's (an anthology's novella: "Bite (Anita Blake, #8.5;
    -- Sookie Stackhouse, #5.1)"); whole numbers only
    select
        title_key(second.name) as broad_key,
        second.pos as broad_pos,
        any_value(suffix.name) as name,
        any_value(suffix.lo) as lo
    from narrowed
    where second.name <> '' and suffix.name <> '' and not in_second
        and starts_with(title_key(second.name), title_key(suffix.name) || ' ')
        and not contains(second.pos, '.') and not contains(suffix.lo, '.')
    group by all
    having count(distinct (title_key(suffix.name), suffix.lo)) = 1
),

renumbered as (
    -- a suffix that names only such a broader series is read where the others are: "The Black
    -- Echo (Harry Bosch Universe, #1)", the most read record, goes on to The Black Ice (Harry
    -- Bosch, #2)
    select n.* replace (
        case when b.name is not null then {'name': b.name, 'lo': b.lo, 'hi': ''} else n.suffix end
            as suffix
    ),
    b.name is not null as renumbered
    from narrowed as n
    left join broader_numbers as b
        on n.second.name = '' and n.suffix.hi = ''
        and b.broad_key = title_key(n.suffix.name) and b.broad_pos = n.suffix.lo
),

parsed as (
    select
        book_id,
        title,
        folded,
        in_second,
        first_note,
        case
            when suffix.name <> '' then suffix.name
            when bare_range.name <> '' then bare_range.name
            when inline.name <> '' then inline.name
        end as series_name,
        case
            when suffix.lo <> '' then suffix.lo::double
            when bare_range.lo <> '' then bare_range.lo::double
            when inline.pos <> '' then inline.pos::double
        end as position,
        -- "Book 2", "Part Two" in the title itself: editions of one work agree on it
        nullif(inline.pos, '')::double as title_number,
        case
            when suffix.hi <> '' and suffix.hi::double > suffix.lo::double
                then suffix.hi::double
            when suffix.name = '' and bare_range.hi <> ''
                and bare_range.hi::double > bare_range.lo::double
                then bare_range.hi::double
        end as position_hi,
        case
            when in_second then 'the narrower of two series in the suffix'
            when renumbered then 'numbered in a broader series that other suffixes name second'
            when suffix.name <> '' then 'series suffix'
            when bare_range.name <> '' then 'series range in title'
            when inline.name <> '' then 'book/volume number in title'
        end as series_rule
    from renumbered
),

marked as (
    select
        *,
        -- the first rule that marks a collection, or null
        case
            when position_hi > position
                then 'series range #' || position::int || '-' || position_hi::int
            -- "The Dark Tower Series: Books 1-7", "... Box: The Complete Wreck (Books 1-13)": a
            -- range of books or volumes, in the title or its note, where no "#" says the series
            when regexp_matches(
                lower(title),
                '\b(books?|volumes?|vols?\.?)\s*[0-9]+\s*(-|–|to|through)\s*[0-9]+\b'
            )
                then 'range of books'
            when regexp_matches(folded, '\bbox(ed)? ?set\b|\b[0-9]+[- ]book set\b')
                then 'box set'
            when regexp_matches(folded, '\bomnibus\b') then 'omnibus'
            when regexp_matches(
                folded, '\b(complete|collected) (novels|stories|works|tales|series|poems|fictions?)\b'
            )
                then 'complete works'
            when regexp_matches(folded, '\bcollection\b|\bcollected\b') then 'collection'
            when regexp_matches(folded, '^the (complete|annotated|essential) ')
                then 'complete/annotated edition'
            -- a series in one volume: "Bone: The Complete Edition" (the nine books)
            when regexp_matches(folded, ': the complete (edition|series|saga)$')
                then 'the complete series in one'
            when regexp_matches(folded, '\btrilogy\b|\bquartet\b|\bchronicles\b.*\bset\b')
                then 'trilogy/quartet in one'
            when regexp_matches(strip_series(title), ' / ') then 'several titles joined by /'
        end as collection_rule
    from parsed
),

named_and_numbered as (
    -- a title that is a series' name and a number, by an author who writes that series: its
    -- entry ("Maus II: And Here My Troubles Began" after "Maus I: ... (Maus, #1)")
    select t.book_id, min(o.series_name) as series_name, any_value(t.parts.n)::double as position
    from (
        select
            m.book_id,
            author_surname(b.author) as surname,
            regexp_extract(
                number_words(main_title_key(m.title)), '^(.+) ([0-9]+)$', ['name', 'n']
            ) as parts
        from marked as m
        join books as b using (book_id)
        where m.series_name is null and b.author is not null
    ) as t
    join marked as o on nullif(title_key(o.series_name), '') = t.parts.name
    join books as ob on ob.book_id = o.book_id and author_surname(ob.author) = t.surname
    where t.parts.name <> ''
    group by t.book_id
)

select
    m.book_id,
    coalesce(m.series_name, n.series_name) as series_name,
    nullif(title_key(coalesce(m.series_name, n.series_name)), '') as series_key,
    coalesce(m.position, n.position) as position,
    m.position_hi,
    m.title_number,
    coalesce(m.series_rule, case when n.book_id is not null then 'series name and number' end)
        as series_rule,
    m.collection_rule is not null as is_collection,
    m.collection_rule,
    -- a book read in its suffix's second series: the first, where editions that note only it
    -- are found ("Gevatter Tod (Discworld, #4)" is "Mort (Discworld, #4; Death, #1)")
    case when m.in_second then nullif(title_key(m.first_note.name), '') end as first_series_key,
    case when m.in_second then m.first_note.lo::double end as first_position
from marked as m
left join named_and_numbered as n using (book_id)
order by m.book_id
