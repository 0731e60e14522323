-- Returns the matching keys of every row of `match_input` (a relation the caller registers:
-- row_id, title, author), so a reader's books and the catalog are keyed by the same macros.
-- Reads: match_input. Needs the macros of clean/00_macros.sql on the connection (match_keys
-- says what each key is). Parameters: none.
select *
from match_keys('match_input')
order by row_id
