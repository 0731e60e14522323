-- Returns `books`: how many books have a text to embed. Reads: feat_book_texts.
select count(*) as books from feat_book_texts
