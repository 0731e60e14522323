-- Returns every (reader, book) pair of the ratings: who read what, for the share of a book's
-- readers who read another one too (bookrec.lists.coreaders).
-- Reads: ratings (the warehouse's, or a frame the caller registers under that name, such as
-- the training ratings of an evaluation).
select user_id, book_id
from ratings
order by user_id, book_id
