-- Returns `column_name`: every column of one table or view in the main schema.
-- Reads: information_schema.columns. Parameters: $table.
select column_name
from information_schema.columns
where table_schema = 'main' and table_name = $table
