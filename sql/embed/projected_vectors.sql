-- Returns every book's vector of one projector version, ordered by book_id.
-- Reads: feat_book_projections. Parameters: $version.
select book_id, embedding
from feat_book_projections
where version = $version
order by book_id
