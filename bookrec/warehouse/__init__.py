"""The warehouse: the one place that opens DuckDB (`connection`), finds and reads the input
files (`sources`, `layouts`, `ingest`, `download`), builds the tables (`prepare`), loads them
back typed (`tables`) and summarises them (`summary`)."""
