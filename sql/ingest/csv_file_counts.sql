-- Returns `rows` and `rejected`: rows read from one CSV file and rows the parser refused.
-- Reads: csv_file (ingest/read_csv_file.sql), csv_rejects (ingest/collect_csv_rejects.sql).
select
    (select count(*) from csv_file) as rows,
    (select count(*) from csv_rejects) as rejected
