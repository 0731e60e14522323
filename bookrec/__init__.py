"""bookrec: personalized book recommendations from Goodreads data.

Packages in layers; each imports only from the layers below it (tests/test_layers.py):
- `serving` (what a reader uses: the `bookrec` command, the web page, batch lists) and
  `training` (the projector: triplets, fit, artifacts, re-encoding, the embedding report);
- `evaluation` (measuring ratings and top-N lists against the baselines and peers);
- `lists` (the list a reader sees: works, co-rating, the one ranker) and `scoring`
  (predicting ratings: the similarity blend and every predictor);
- `embedding` (the encoder, the projector network, book vectors and projector records) and
  `demo` (the synthetic catalog, written in the warehouse's file layouts);
- `warehouse` (DuckDB and the input files);
- the modules every layer shares: `holdout` (the per-user holdout), `config` (settings),
  `errors` (the errors a user sees), `report_json`, `sorted_ids` (ids looked up by
  binary search).
"""

__version__ = "0.1.0"
