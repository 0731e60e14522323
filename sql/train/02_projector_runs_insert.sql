-- Adds (or replaces) one run's row in `projector_runs`.
-- Reads: new_projector_run (a registered DataFrame with every column but created_at).
-- Parameters: none.
insert or replace into projector_runs
select
    version,
    current_localtimestamp()::timestamp as created_at,
    config,
    encoder_model,
    best_epoch,
    best_alpha,
    val_spearman,
    raw_val_spearman,
    gain_se,
    select_spearman,
    raw_select_spearman,
    val_triplet_accuracy,
    raw_val_triplet_accuracy,
    selected_as_default
from new_projector_run
