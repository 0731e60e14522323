-- Returns whether the warehouse holds the synthetic demo catalog (no row: it does not say).
-- Reads: warehouse_info. Parameters: none.
select synthetic from warehouse_info
