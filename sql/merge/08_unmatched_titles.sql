-- Builds `unmatched_titles`: the rating titles no metadata file describes, most rated first.
-- Reads: merge_rating_titles. Parameters: $unmatched_titles_limit (rows kept).
create or replace table unmatched_titles as
select title, n_ratings
from merge_rating_titles
where match_type = 'title only'
order by n_ratings desc, title
limit $unmatched_titles_limit
