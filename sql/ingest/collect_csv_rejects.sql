-- Appends to `raw_rejects` the rows that the last read_csv_file.sql could not parse.
-- Reads: csv_rejects (temp, DuckDB's store_rejects output). Parameters: $layout, $path.
insert into raw_rejects
select
    $layout as layout,
    $path as source_file,
    line as source_row,
    'unreadable CSV row: ' || lower(error_type) || ' (' || error_message || ')' as reason,
    left(csv_line, 500) as raw_values
from csv_rejects
