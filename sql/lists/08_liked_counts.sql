-- Returns, per book, how many of the warehouse's readers rated it $liked_rating or more (books
-- nobody liked are absent): the "liked by readers here" half of the list's popularity.
-- Reads: ratings (the warehouse's, or a frame the caller registers under that name, such as
-- the training ratings of an evaluation). Parameters: liked_rating.
select book_id, count(*) as liked_by
from ratings
where rating >= $liked_rating
group by book_id
order by book_id
