-- Returns every lineage row (name, built_from, fingerprint).
-- Reads: lineage. Parameters: none.
select name, built_from, fingerprint
from lineage
