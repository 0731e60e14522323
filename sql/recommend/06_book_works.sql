-- Returns book_id, work_id: every book's work (book_works), for the matcher, which takes two
-- books sharing only a title before the subtitle as one work unless these tell them apart
-- ("Batman: Hush" and "Batman: The Long Halloween": a franchise's books).
-- Reads: book_works.
select book_id, work_id
from book_works
