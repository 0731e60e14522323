-- Returns the newest row of `list_settings` (ties on created_at broken by insertion order);
-- `select *` because a table written before w_rating existed lacks that column and a reader
-- may hold the warehouse read-only (bookrec.lists.settings reads it as no rating term).
-- Reads: list_settings. Parameters: none.
select *
from list_settings
order by created_at desc, rowid desc
limit 1
