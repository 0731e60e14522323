-- Check: a user rating one book twice. Returns offenders.
-- Reads: ratings. Parameters: none.
select user_id, book_id, count(*) as n
from ratings
group by user_id, book_id
having count(*) > 1
