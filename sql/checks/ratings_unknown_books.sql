-- Check: ratings of a book_id that books does not hold. Returns offenders.
-- Reads: ratings, books. Parameters: none.
select r.*
from ratings as r
anti join books as b using (book_id)
