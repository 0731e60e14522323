-- Adds (or replaces) one projector version's vectors in feat_book_projections.
-- Reads: new_projections (registered by bookrec.embedding.store: book_id, embedding).
-- Parameters: $version.  Sizes: {{dim}}.
insert or replace into feat_book_projections
select book_id, $version as version, embedding::float[{{dim}}] as embedding
from new_projections
