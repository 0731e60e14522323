-- Returns `stored`: how many books have a raw vector. Reads: feat_book_embeddings.
select count(*) as stored from feat_book_embeddings
