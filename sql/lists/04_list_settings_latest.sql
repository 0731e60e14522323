-- Returns the newest row of `list_settings` (ties on created_at broken by insertion order).
-- Reads: list_settings. Parameters: none.
select w_pop, w_text, w_corating
from list_settings
order by created_at desc, rowid desc
limit 1
