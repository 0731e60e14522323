-- Builds `book_pages`: each book's page count where a source gives one (derivative_works reads
-- it: a short book set in a series' world). Reads: books. Parameters: none.
create or replace table book_pages as
select book_id, pages from books where pages is not null order by book_id
