-- Returns every rating, ordered by user_id, book_id. Reads: ratings.
select user_id, book_id, rating
from ratings
order by user_id, book_id
