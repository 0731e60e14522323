"""Measuring it honestly, each rule written once: the splits (`split`: hiding a share of each
user's ratings, the evaluation split, the projector's reader split), per-user metrics
(`metrics`: the one per-user Spearman), the best-setting rule (`selection`), the held-out
readers' blend task (`blend_task`, what projector training selects on), the protocol that
scores every method on the same hidden ratings (`protocol`), its records (`results`) and report
files (`evaluation_report`), the raw-vs-trained space report (`embedding_report`), and the
top-N lists: full histories (`topn`), few-book readers and "more like this" (`topn_modes`),
their metrics (`topn_metrics`, `hygiene`), the EASE peer (`ease`), reports (`topn_report`),
and `bookrec_list`, through which every measured bookrec list comes from the served ranker.

Evaluation never imports training (bookrec.training.pipeline, fit); training imports
evaluation's split, metrics and selection."""
