-- Returns the headline numbers of a built warehouse: what it was built from and how much of
-- each thing it holds. Reads: warehouse_info, books, ratings, feat_book_embeddings.
select
    (select data_source from warehouse_info) as data_source,
    (select synthetic from warehouse_info) as synthetic,
    (select count(*) from books) as books,
    (select count(*) from books where has_description) as books_with_description,
    (select count(*) from ratings) as ratings,
    (select count(distinct user_id) from ratings) as readers,
    (select count(*) from feat_book_embeddings) as books_embedded,
    (select any_value(model) from feat_book_embeddings) as encoder
