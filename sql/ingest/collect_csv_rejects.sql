-- Appends to `raw_rejects` the rows that the last read_csv_file.sql could not parse.
-- Reads: csv_rejects (temp, DuckDB's store_rejects output). Parameters: $layout, $path.
-- DuckDB stores one reject per error, and one row can have several (a binary line: missing
-- columns twice): rows are grouped by line so that one bad input row is one reject.
-- csv_line starts with the line break before the row: trimmed.
insert into raw_rejects
select
    $layout as layout,
    $path as source_file,
    line as source_row,
    'unreadable CSV row: '
    || string_agg(distinct lower(error_type) || ' (' || error_message || ')', '; ') as reason,
    left(trim(any_value(csv_line), chr(10) || chr(13)), 500) as raw_values
from csv_rejects
group by line
order by line
