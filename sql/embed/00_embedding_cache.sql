-- Builds embedding_cache (once): every vector ever computed, keyed by model and content hash,
-- so a re-run encodes only new or changed texts and switching back to a model is free.
-- A plain FLOAT[] list here because models differ in size; feat_book_embeddings is fixed-size.
create table if not exists embedding_cache (
    model varchar not null,
    content_hash varchar not null,
    embedding float[] not null,
    primary key (model, content_hash)
)
