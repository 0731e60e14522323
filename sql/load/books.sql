-- Returns the catalog as bookrec.warehouse.tables.load_books gives it: one row per book,
-- ordered by book_id. Reads: books.
select book_id, title, author, description, genres, avg_rating, num_ratings, has_description
from books
order by book_id
