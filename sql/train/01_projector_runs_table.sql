-- Builds `projector_runs` (if absent): one row per trained projector version.
-- Reads: nothing. Parameters: none.
create table if not exists projector_runs (
    version varchar primary key,
    created_at timestamp,
    config varchar,
    encoder_model varchar,
    best_epoch integer,
    best_alpha double,
    val_spearman double,
    raw_val_spearman double,
    val_triplet_accuracy double,
    raw_val_triplet_accuracy double,
    selected_as_default boolean
)
