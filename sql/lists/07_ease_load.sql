-- Returns EASE's weights, in storage order (bookrec.embedding.vectors.book_matrix puts the rows
-- in book_id order, the order their columns follow: sorting 32 KB rows here costs 3x the read).
-- Reads: feat_book_ease. Parameters: none.
select book_id, model, weights
from feat_book_ease
