-- Builds feat_book_corating: one unit-length co-rating vector (ALS item factors) per rated book,
-- a fixed-size FLOAT[{{dim}}] array like feat_book_embeddings.
-- Reads: new_corating (registered by bookrec.lists.corating). Parameters: none. Sizes: {{dim}}.
create or replace table feat_book_corating as
select book_id, model, embedding::float[{{dim}}] as embedding
from new_corating
order by book_id
