-- Builds `book_credits`: every name a book's records credit, with its surname. `books.author` is
-- the first credit only; the files credit more ("Newt Scamander, J.K. Rowling, Albus
-- Dumbledore" for Fantastic Beasts, "Kennilworthy Whisp, J.K. Rowling" for Quidditch Through
-- the Ages; roles such as "(Illustrator)" dropped), so a book credited to a series' author
-- under another name first is known as theirs (derivative_works: set in a series' world).
-- Reads: books, merge_book_groups, raw_best_books_ever, raw_book_shards, raw_best_books_10k,
-- raw_goodbooks_books. Parameters: none.
create or replace table book_credits as
with credit_strings as (
    -- as read: a name garbled as UTF-8 read as cp1252 (cleaning mends the first author with a
    -- Python function the lists step lacks) matches no author, so links nothing
    select g.book_key, r.author as credits
    from merge_book_groups as g
    join raw_best_books_ever as r using (source_file, source_row)
    where g.source = 'best_books_ever'
    union all
    select g.book_key, r.Authors
    from merge_book_groups as g
    join raw_book_shards as r using (source_file, source_row)
    where g.source = 'book_shards'
    union all
    select g.book_key, r.Author
    from merge_book_groups as g
    join raw_best_books_10k as r using (source_file, source_row)
    where g.source = 'best_books_10k'
    union all
    select g.book_key, r.authors
    from merge_book_groups as g
    join raw_goodbooks_books as r using (source_file, source_row)
    where g.source = 'goodbooks_10k'
),

names as (
    -- one name per comma, its role in parentheses dropped ("Mary GrandPré (Illustrator)")
    select
        b.book_id,
        trim(regexp_replace(unnest(string_split(c.credits, ',')), '\s*\([^)]*\)', '', 'g'))
            as name
    from credit_strings as c
    join books as b using (book_key)
    union
    select book_id, clean_author(author) from books where author is not null
)

select distinct book_id, name, author_surname(name) as surname
from names
where name <> '' and author_surname(name) is not null
order by book_id, name
