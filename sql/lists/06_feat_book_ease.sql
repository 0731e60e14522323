-- Builds feat_book_ease: EASE's item-item weights, one row per book it covers; weights[j] is
-- the weight of reading this book towards the j-th book of the table in book_id order (a
-- reader's co-reading score of book j is the sum of weights[j] over the books they read).
-- Reads: new_ease (registered by bookrec.lists.ease). Parameters: none. Sizes: {{n}} (books).
create or replace table feat_book_ease as
select book_id, model, weights::float[{{n}}] as weights
from new_ease
order by book_id
