-- Returns every book's raw encoder vector, ordered by book_id. Reads: feat_book_embeddings.
select book_id, embedding
from feat_book_embeddings
order by book_id
