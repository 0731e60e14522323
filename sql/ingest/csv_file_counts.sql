-- Returns `rows` and `rejected`: rows read from one CSV file and rows refused, one per bad row
-- (DuckDB's rejects grouped by line in collect_csv_rejects.sql, or csv_fallback's).
-- Reads: csv_file (read_csv_file.sql or parsed_csv_file.sql), raw_rejects. Parameters: $path.
select
    (select count(*) from csv_file) as rows,
    (select count(*) from raw_rejects where source_file = $path) as rejected
