-- Returns the warehouse_info row. `select *`: a warehouse built by an older bookrec lacks
-- input_fingerprint, and the caller treats that as "rebuild". Reads: warehouse_info.
select * from warehouse_info
