-- Returns every (reader, book) pair of the ratings and whether the reader liked the book: who
-- read what, for the share of a book's readers who read another one too and for the readers
-- nearest a reader (bookrec.lists.coreaders).
-- Reads: ratings (the warehouse's, or a frame the caller registers under that name, such as
-- the training ratings of an evaluation).
-- Params: $liked_rating (a rating at or above it is liked; ListConfig.liked_rating).
select user_id, book_id, rating >= $liked_rating as liked
from ratings
order by user_id, book_id
