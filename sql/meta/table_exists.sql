-- Returns `present`: whether a table or view of that name exists in the main schema.
-- Reads: information_schema.tables. Parameters: $table.
select count(*) > 0 as present
from information_schema.tables
where table_schema = 'main' and table_name = $table
