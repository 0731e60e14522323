-- Returns book_id, author_key, author_surname: every name a book's records credit beyond the
-- one `books.author` gives (book_credits), keyed as the matcher keys a reader's author: "Good
-- Omens" typed with Neil Gaiman, "Illuminae" with Jay Kristoff are those books, credited to
-- Terry Pratchett and Amie Kaufman first.
-- Reads: books, book_credits.
select c.book_id, author_key(c.name) as author_key, author_surname(c.name) as author_surname
from book_credits as c
join books as b using (book_id)
where author_key(c.name) is not null
    and author_key(c.name) <> coalesce(author_key(b.author), '')
order by c.book_id, author_key
