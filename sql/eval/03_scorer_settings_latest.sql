-- Returns the newest row of `scorer_settings` (ties on created_at broken by insertion order).
-- Reads: scorer_settings. Parameters: none.
select space, alpha, temperature, top_k
from scorer_settings
order by created_at desc, rowid desc
limit 1
