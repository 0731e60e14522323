-- Returns the books whose text says more than their title and author (genres or a description).
-- Reads: feat_book_texts.
select book_id
from feat_book_texts
where described
