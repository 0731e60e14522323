"""Training the projector, one layer above evaluation and embedding (it selects epochs on
held-out evaluation): the end-to-end run (`pipeline`: `inputs` -> `fit` -> `artifacts` and the
record in bookrec.embedding.projector_runs), the triplets it learns from (`triplets`),
re-encoding the catalog with a saved projector (`reencode`) and the raw-vs-trained space report
(`embedding_report`, flow `test_embeddings`)."""
