-- Builds `book_credits` from `books.author` alone, for a warehouse without prepare_data's merge
-- tables (one written by hand or by another pipeline): each book credits its first author only.
-- Reads: books. Parameters: none.
create or replace table book_credits as
select distinct book_id, clean_author(author) as name, author_surname(author) as surname
from books
where clean_author(author) is not null and author_surname(author) is not null
order by book_id, name
