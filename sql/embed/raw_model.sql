-- Returns `model`: the encoder the raw vectors come from (one per warehouse).
-- Reads: feat_book_embeddings.
select any_value(model) as model from feat_book_embeddings
