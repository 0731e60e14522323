-- Returns each book's Goodreads genres (most voted first) for the page's reasons ("Like The
-- Name of the Wind: fantasy, magic"): book_id, genres, only books that have any.
-- Reads: books. Parameters: none.
select book_id, genres
from books
where len(genres) > 0
