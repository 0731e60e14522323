-- Returns `config`: the JSON config a stored projector was trained with, no row for an
-- unknown version. Reads: projector_runs. Parameters: $version.
select config
from projector_runs
where version = $version
