-- Appends freshly encoded vectors to embedding_cache.
-- Reads: new_vectors (registered by bookrec.embedding.store: content_hash, embedding).
-- Parameters: $model.
insert or replace into embedding_cache
select $model as model, content_hash, embedding
from new_vectors
