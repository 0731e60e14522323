-- Empties DuckDB's reject store once its rows are in raw_rejects (or once the file is read
-- row by row instead). Changes: csv_rejects (emptied).
delete from csv_rejects
