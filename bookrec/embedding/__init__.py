"""Book vectors: the pretrained encoder (`encoder`, on torch or ONNX Runtime; `onnx_model`: the
export and its content-hashed cache), encoding the catalog into the warehouse (`store`), the
vectors and their loader that scoring and lists read (`vectors`), the projector network
(`projection`) and the records of trained projectors (`projector_runs`, table projector_runs).
Training the projector is bookrec.training, one layer up."""
