-- Returns every book's raw encoder vector, in storage order (bookrec.embedding.vectors.book_matrix
-- puts them in book_id order). Reads: feat_book_embeddings.
select book_id, embedding
from feat_book_embeddings
