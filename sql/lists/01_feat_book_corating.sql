-- Builds feat_book_corating: one unit-length co-rating vector (ALS item factors) per rated book,
-- a fixed-size FLOAT[{{dim}}] array like feat_book_embeddings, and the factor's length (norm):
-- embedding * norm is ALS's own factor, which its scores for a reader need.
-- Reads: new_corating (registered by bookrec.lists.corating). Parameters: none. Sizes: {{dim}}.
create or replace table feat_book_corating as
select book_id, model, embedding::float[{{dim}}] as embedding, norm::float as norm
from new_corating
order by book_id
