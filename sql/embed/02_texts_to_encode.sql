-- Returns the distinct texts of feat_book_texts that embedding_cache lacks for $model, in
-- content-hash order: the caller cuts chunks from this list, so a re-run after a kill forms
-- the same chunks from what is still missing (and each chunk mixes short and long texts,
-- which keeps the chunks' encoding times even).
-- Reads: feat_book_texts, embedding_cache.  Parameters: $model.
select content_hash, any_value(text) as text
from feat_book_texts
where content_hash not in (
    select content_hash from embedding_cache where model = $model
)
group by content_hash
order by content_hash
