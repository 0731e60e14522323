-- Builds `recommendations` and `recommend_all_runs` (if absent).
-- recommendations: the newest `recommend_all` run's top-N per reader in `ratings`; each row
--   carries its run id and the scorer settings it was scored with (JSON), so a data team can
--   query a list without joining anything.
-- recommend_all_runs: one row per run (what it scored, with which settings, how long it took).
-- Reads: nothing.  Parameters: none.
create table if not exists recommendations (
    run_id varchar not null,
    user_id bigint not null,
    rank integer not null,
    book_id bigint not null,
    predicted double,
    reason varchar,
    mode varchar not null,
    scorer_settings varchar not null,
    primary key (user_id, rank)
);

create table if not exists recommend_all_runs (
    run_id varchar primary key,
    created_at timestamp not null,
    readers bigint not null,
    rows bigint not null,
    top_n integer not null,
    scorer_settings varchar not null,
    runner varchar not null,
    seconds double not null
);
