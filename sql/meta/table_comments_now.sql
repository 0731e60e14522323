-- Returns `table_name, column_name, comment`: the comments DuckDB's catalog holds now for the
-- warehouse's own tables (column_name null) and their columns (temporary tables live in the
-- database "temp", not this one).
-- Reads: duckdb_tables(), duckdb_columns(). Parameters: none.
select table_name, null as column_name, comment
from duckdb_tables()
where database_name = current_database()
union all
select table_name, column_name, comment
from duckdb_columns()
where database_name = current_database()
