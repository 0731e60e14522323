-- Returns every reader's ratings, reader by reader: the histories `recommend_all` scores.
-- Reads: ratings.  Parameters: none.
-- A reader who rated a book twice (not expected after clean, but cheap to guard) counts it
-- once, at the mean rating, as `bookrec recommend` does for a book listed twice.
select user_id, book_id, avg(rating)::double as rating
from ratings
group by user_id, book_id
order by user_id, book_id
