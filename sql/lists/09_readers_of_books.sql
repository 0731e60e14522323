-- Returns every (reader, book, rating) of the ratings: who read and who liked what, for the
-- share of a book's readers who read or liked another one too (bookrec.lists.coreaders).
-- Reads: ratings (the warehouse's, or a frame the caller registers under that name, such as
-- the training ratings of an evaluation).
select user_id, book_id, rating
from ratings
order by user_id, book_id
