-- Builds temp table `csv_file`: one CSV file read as text, each row tagged with file and row.
-- Reads: the file $path. Parameters: $path, $columns (the file's own header, name -> VARCHAR).
-- Rows the CSV parser cannot read (wrong column count, bad quoting, invalid UTF-8) go to the
-- temp table `csv_rejects` (DuckDB's store_rejects) instead of failing the whole file.
-- The dialect is fixed, not sniffed: a sniffer guesses wrong on a file with one broken quote.
create or replace temp table csv_file as
with source as (
    select *
    from read_csv(
        $path,
        header = true,
        auto_detect = false,
        columns = $columns,
        delim = ',',
        quote = '"',
        escape = '"',
        max_line_size = 20000000,
        store_rejects = true,
        rejects_table = 'csv_rejects',
        rejects_scan = 'csv_reject_scans'
    )
),

final as (
    select
        *,
        $path as source_file,
        row_number() over () as source_row
    from source
)

select * from final
