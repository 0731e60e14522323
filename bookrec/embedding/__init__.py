"""Book vectors: the pretrained encoder (`encoder`), the vectors in the warehouse (`store`),
the projector (`projection`), its triplets (`triplets`) and its training (`training`)."""
