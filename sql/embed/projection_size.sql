-- Returns `dim`: the vector size of the stored projections, no row when the table is empty.
-- Reads: feat_book_projections.
select array_length(embedding) as dim
from feat_book_projections
limit 1
