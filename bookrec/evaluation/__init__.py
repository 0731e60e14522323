"""Measuring it honestly, each rule written once: per-user metrics (`metrics`: the one
per-user Spearman), the best-setting rule for every grid (`grid_choice`), the held-out readers'
blend task (`heldout_blend`, what projector training selects on), the rating evaluation that
scores every method on the same hidden ratings (`rating_evaluation`), its records
(`rating_results`), report files (`evaluation_report`) and warehouse rows (`eval_runs`), and
the top-N lists: full histories (`topn`), few-book readers and "more like this" (`topn_modes`),
their metrics (`topn_metrics`, `hygiene`), reports (`topn_report`), and `bookrec_list`,
through which every measured bookrec list comes from the served ranker; the EASE peer is
bookrec.lists.ease, the list's own co-reading feature.

The per-user holdout is bookrec.holdout (training uses it too). Evaluation never imports
training (bookrec.training); training imports evaluation's metrics, grid choice and blend task.
"""
