-- Builds temp table `csv_file` from rows parsed by bookrec.warehouse.csv_fallback, in the
-- layout of read_csv_file.sql: the file's columns as text, tagged with file and row.
-- Reads: parsed_rows (registered: the file's header columns, then source_row numbered in
-- file order by Python, as read_csv_file.sql numbers them). Parameters: $path.
create or replace temp table csv_file as
select
    * exclude (source_row),
    $path as source_file,
    source_row
from parsed_rows
order by source_row
