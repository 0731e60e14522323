-- Drops `warehouse_info` when a rebuild starts: until record_source writes it again at the
-- end, the warehouse is not "built from" anything, so an interrupted rebuild is redone.
-- Changes: warehouse_info (dropped).
drop table if exists warehouse_info
