-- Builds feat_book_embeddings: one L2-normalized encoder vector per book for $model, as a
-- fixed-size FLOAT[{{dim}}] array (the feature store's layout; DuckDB's array_cosine_similarity
-- works on it directly).
-- Reads: feat_book_texts, embedding_cache.  Parameters: $model.  Sizes: {{dim}}.
create or replace table feat_book_embeddings as
select
    t.book_id,
    c.model,
    t.content_hash,
    c.embedding::float[{{dim}}] as embedding
from feat_book_texts as t
join embedding_cache as c
    on c.content_hash = t.content_hash and c.model = $model
order by t.book_id
