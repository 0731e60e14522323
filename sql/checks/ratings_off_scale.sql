-- Check: ratings off the 1..5 scale or with a null id. Returns offenders.
-- Reads: ratings. Parameters: none.
select *
from ratings
where rating is null or rating not between 1 and 5 or user_id is null or book_id is null
