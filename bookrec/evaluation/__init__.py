"""Measuring it honestly: the split (`split`), per-user metrics (`metrics`), the protocol that
scores every method on the same hidden ratings (`protocol`) and the raw-vs-trained space report
(`embedding_report`). Evaluation never imports training."""
