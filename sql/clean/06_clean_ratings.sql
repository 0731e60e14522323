-- Builds `clean_ratings`: user_rating_*.csv rows typed and keyed, with a reject reason.
-- Reads: raw_user_ratings, rating_texts (the text -> stars table). Parameters: none.
-- A user without ratings appears once as `ID,Rating,This user doesn't have any rating`.
create or replace table clean_ratings as
with source as (
    select * from raw_user_ratings
),

typed as (
    select
        s.source_file,
        s.source_row,
        trim(s.ID) as user_id_text,
        try_cast(trim(s.ID) as bigint) as user_id,
        trim(s.Name) as title,
        trim(s.Rating) as rating_text,
        t.rating
    from source as s
    left join rating_texts as t on t.rating_text = lower(trim(s.Rating))
),

final as (
    select
        *,
        title_key(title) as title_key,
        main_title_key(title) as main_title_key,
        case
            when rating_text = 'This user doesn''t have any rating' then 'user has no ratings'
            when user_id is null then 'user id ' || coalesce(user_id_text, '(blank)')
                || ' is not a whole number'
            when title_key(title) is null then 'blank title'
            when rating is null then 'unknown rating text "' || coalesce(rating_text, '') || '"'
        end as reject_reason
    from typed
)

select * from final
