-- Returns every co-rating vector with its model and (where stored) the factor's length before it
-- was made unit; `select *` so a table written before the length was stored still loads and
-- bookrec.lists.corating can name the step that rebuilds it.
-- Reads: feat_book_corating. Parameters: none.
select *
from feat_book_corating
order by book_id
