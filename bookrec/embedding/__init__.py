"""Book vectors: the pretrained encoder (`encoder`, on torch or ONNX Runtime; `onnx_model`: the
export and its content-hashed cache), the vectors in the warehouse (`store`),
the projector (`projection`) and its triplets (`triplets`); training it (`training`, which
runs `training_data` -> `fit` -> `artifacts` + `runs`), and re-encoding the catalog with a saved
projector (`reencode`)."""
