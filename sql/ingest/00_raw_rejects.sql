-- Builds `raw_rejects`: rows of the input files that could not be read as CSV.
-- Reads: nothing. Parameters: none. Filled by collect_csv_rejects.sql, file by file.
create or replace table raw_rejects (
    layout varchar,
    source_file varchar,
    source_row bigint,
    reason varchar,
    raw_values varchar
)
