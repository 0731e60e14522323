-- Returns the distinct vector sizes embedding_cache holds for $model (one, unless the cache is
-- damaged): feat_book_embeddings is built with that fixed size.
-- Reads: embedding_cache.  Parameters: $model.
select distinct len(embedding) as dim
from embedding_cache
where model = $model
