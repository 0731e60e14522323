-- Returns EASE's weights in book_id order, the order their columns follow.
-- Reads: feat_book_ease. Parameters: none.
select book_id, model, weights
from feat_book_ease
order by book_id
