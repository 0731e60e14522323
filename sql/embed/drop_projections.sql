-- Drops feat_book_projections: its array type fixes one vector size, so projections of
-- another size replace the whole table (old versions can be re-encoded from their weights).
drop table feat_book_projections
