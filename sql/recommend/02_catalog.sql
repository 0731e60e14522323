-- Returns what matching and recommending need of every book, ordered by book_id: book_id,
-- title, author, avg_rating, num_ratings, and goodreads_id / isbn where the warehouse has them
-- (a warehouse built by an older bookrec lacks them; COLUMNS picks only the columns present).
-- Reads: books.
select columns('^(book_id|title|author|avg_rating|num_ratings|goodreads_id|isbn)$')
from books
order by book_id
