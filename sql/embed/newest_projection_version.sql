-- Returns `version`: the projector whose vectors were stored last (insertion order), no row
-- when none is stored. Reads: feat_book_projections.
select version
from feat_book_projections
order by rowid desc
limit 1
