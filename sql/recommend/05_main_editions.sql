-- Returns book_id, main_book_id: each book known from the rating files only (no author, no
-- Goodreads rating count) whose work (book_works) has another book, one with an author, as
-- its main edition. A reader's title matched to such a book reads as that edition: "Percy
-- Jackson and the Lightning Thief", as the rating files title it (1 rating here, no author,
-- no description), is Rick Riordan's "The Lightning Thief" (19 ratings here, described).
-- Reads: books, book_works.
select b.book_id, m.book_id as main_book_id
from books as b
join book_works as w on w.book_id = b.book_id
join book_works as main on main.work_id = w.work_id and main.is_main_edition
join books as m on m.book_id = main.book_id
where b.author is null
  and b.num_ratings is null
  and m.book_id <> b.book_id
  and m.author is not null
order by b.book_id
