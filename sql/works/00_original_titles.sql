-- Builds `original_titles`: the title a goodbooks-10k book was first published under where it
-- is not the catalog's ("Le Petit Prince" for "The Little Prince", "Cien años de soledad"), by
-- Goodreads id: the rating files title some books so, with no author (book_works joins them
-- to the work). Titles of one word are left out ("Genesis", the UK title of Karin Slaughter's
-- "Undone", is many books'), and so are titles of two goodbooks works ("Tithe: A Modern Faerie
-- Tale" for Tithe and for Valiant).
-- Reads: clean_goodbooks. Parameters: none.
create or replace table original_titles as
select distinct goodreads_id, title_key
from (
    select
        goodreads_id,
        title_key(original_title) as title_key,
        count(distinct coalesce(goodreads_work_id, -goodreads_id))
            over (partition by title_key(original_title)) as works
    from clean_goodbooks
    where goodreads_id is not null
        and title_key(original_title) <> title_key(title)
        and contains(title_key(original_title), ' ')
)
where works = 1
order by goodreads_id, title_key
