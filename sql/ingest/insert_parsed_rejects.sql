-- Appends to `raw_rejects` the unreadable rows found by bookrec.warehouse.csv_fallback (files
-- DuckDB's reader stops on as a whole: mixed line endings, binary bodies).
-- Reads: parsed_rejects (registered: line, reason, raw_values). Parameters: $layout, $path.
insert into raw_rejects
select
    $layout as layout,
    $path as source_file,
    line as source_row,
    reason,
    raw_values
from parsed_rejects
order by line
