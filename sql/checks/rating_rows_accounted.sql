-- Check: every rating row read is a rating or a rejected row: nothing disappears silently.
-- Reads: raw_user_ratings, raw_rejects, ratings, rejected_rows. Parameters: none. Returns one row if not.
select n_read, n_ratings, n_rejected
from (
    select
        (select count(*) from raw_user_ratings)
            + (select count(*) from raw_rejects where layout = 'user_ratings') as n_read,
        (select count(*) from ratings) as n_ratings,
        (select count(*) from rejected_rows where layout = 'user_ratings') as n_rejected
)
where n_read <> n_ratings + n_rejected
