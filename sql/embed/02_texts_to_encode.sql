-- Returns the distinct texts of feat_book_texts that embedding_cache lacks for $model,
-- shortest first (the encoder batches similar lengths anyway; this keeps progress steady).
-- Reads: feat_book_texts, embedding_cache.  Parameters: $model.
select content_hash, any_value(text) as text
from feat_book_texts
where content_hash not in (
    select content_hash from embedding_cache where model = $model
)
group by content_hash
order by length(any_value(text)), content_hash
