-- Clears one file's scratch tables once its rows are in raw_* and raw_rejects.
-- Changes: csv_file (dropped), csv_rejects (emptied).
drop table csv_file;
delete from csv_rejects;
