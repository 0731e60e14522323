"""The warehouse: the one place that opens DuckDB (`connection`), finds and reads the input
files (`sources`, `layouts`, `ingest`, `csv_fallback` for files DuckDB's reader stops on,
`download`), builds the tables (`prepare`), records what each derived table was built from
(`lineage`), loads them back typed (`tables`) and summarises them (`summary`)."""
