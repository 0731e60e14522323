-- Clears one file's scratch table once its rows are in raw_* and raw_rejects.
-- Changes: csv_file (dropped).
drop table csv_file
