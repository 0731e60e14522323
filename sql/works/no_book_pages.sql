-- Builds an empty `book_pages` for a warehouse whose books have no page counts (one written by
-- hand, or by a bookrec before them): no book is known to be short.
-- Reads: nothing. Parameters: none.
create or replace table book_pages (book_id bigint, pages integer)
