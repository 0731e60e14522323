-- Check: two books with one book_id (an md5 collision or a merge bug). Returns offenders.
-- Reads: books. Parameters: none.
select book_id, count(*) as n
from books
group by book_id
having count(*) > 1
