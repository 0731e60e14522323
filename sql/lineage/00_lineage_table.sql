-- Builds `lineage` (if absent): for each table a later step reads, the fingerprint of what it
-- was built from and its own fingerprint, so a reader can tell stale derived tables
-- (vectors of books that were since rebuilt) from fresh ones. Written by
-- bookrec.warehouse.lineage; one row per name ("books", "ratings", "feat_book_embeddings",
-- "feat_book_projections:<version>", "scorer_settings").
-- Reads: nothing. Parameters: none.
create table if not exists lineage (
    name varchar primary key,
    built_from varchar not null,
    fingerprint varchar not null,
    recorded_at timestamp not null
)
