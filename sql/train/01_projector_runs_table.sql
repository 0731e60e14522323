-- Builds `projector_runs` (if absent): one row per trained projector version.
-- val_spearman / raw_val_spearman: blend Spearman on the confirmation half of the validation
-- readers; select_*: on the half that chose the epoch (optimistic); gain_se: standard error of
-- the paired per-reader gain. selected_as_default: gain > gain_se.
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
    gain_se double,
    select_spearman double,
    raw_select_spearman double,
    val_triplet_accuracy double,
    raw_val_triplet_accuracy double,
    selected_as_default boolean
)
