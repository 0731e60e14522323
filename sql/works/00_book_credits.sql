-- Builds `book_credits`: every name a book's records credit, with its surname. `books.author` is
-- the first credit only; the files credit more ("Newt Scamander, J.K. Rowling, Albus
-- Dumbledore" for Fantastic Beasts, "Kennilworthy Whisp, J.K. Rowling" for Quidditch Through
-- the Ages; roles such as "(Illustrator)" dropped), so a book credited to a series' author
-- under another name first is known as theirs (derivative_works: set in a series' world).
-- Reads: books, merge_book_groups, raw_best_books_ever, raw_book_shards, raw_best_books_10k,
-- raw_goodbooks_books. Parameters: none.
create or replace table book_credits as
with raw_credits as (
    -- each layout's credits as read; a name garbled as UTF-8 read as cp1252 (cleaning mends
    -- the first author with a Python function the lists step lacks) matches no author
    select 'best_books_ever' as source, source_file, source_row, author as credits
    from raw_best_books_ever
    union all
    select 'book_shards', source_file, source_row, Authors from raw_book_shards
    union all
    select 'best_books_10k', source_file, source_row, Author from raw_best_books_10k
    union all
    select 'goodbooks_10k', source_file, source_row, authors from raw_goodbooks_books
),

credit_strings as (
    -- the credits of every record a book was merged from
    select g.book_key, r.credits
    from merge_book_groups as g
    join raw_credits as r using (source, source_file, source_row)
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
