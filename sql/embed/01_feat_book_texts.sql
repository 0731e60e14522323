-- Builds feat_book_texts: the text each book is embedded from, and its content hash.
-- Reads: books.  Parameters: $max_description_chars.
--
-- Template: "<title> by <author>. Genres: <up to 8 genres>. <description>". Parts that are
-- missing drop out, so a book known only from the rating files is embedded from its title.
-- described: the text says more than title and author (genres or a description); a vector of
-- a title alone is near other titles that share its words ("The Body Finder" and Stephen
-- King's "The Body"), not other stories, so the lists' text closeness leaves it out
-- (bookrec.lists.features).
-- Descriptions are cut in characters first: the tokenizer cuts to max_tokens anyway, and a
-- megabyte of text would only cost tokenizer time.
create or replace table feat_book_texts as
with parts as (
    select
        book_id,
        trim(title) || coalesce(' by ' || nullif(trim(author), ''), '') as heading,
        case
            when len(genres) > 0 then 'Genres: ' || array_to_string(genres[1:8], ', ')
        end as genre_line,
        nullif(trim(left(description, $max_description_chars)), '') as description
    from books
),
final as (
    select
        book_id,
        concat_ws('. ', heading, genre_line, description) as text,
        genre_line is not null or description is not null as described
    from parts
)
select book_id, text, md5(text) as content_hash, described
from final
order by book_id
