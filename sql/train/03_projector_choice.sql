-- The projector to encode with: the newest run that beat the raw space, else the newest run.
-- Reads: projector_runs. Parameters: none.
select version, selected_as_default
from projector_runs
order by selected_as_default desc, created_at desc, version
limit 1
