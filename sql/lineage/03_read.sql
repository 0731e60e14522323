-- Returns every lineage row (name, built_from, fingerprint), oldest first (so the newest
-- projector version's row is the last of its kind).
-- Reads: lineage. Parameters: none.
select name, built_from, fingerprint
from lineage
order by recorded_at, name
