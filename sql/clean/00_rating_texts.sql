-- Builds `rating_texts`: Goodreads' rating words and the stars they stand for.
-- Reads: nothing. Parameters: none.
create or replace table rating_texts as
select * from (values
    ('it was amazing', 5),
    ('really liked it', 4),
    ('liked it', 3),
    ('it was ok', 2),
    ('did not like it', 1)
) as t(rating_text, rating)
