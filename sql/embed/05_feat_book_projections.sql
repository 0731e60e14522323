-- Builds feat_book_projections (once): projected vectors per projector version.
-- Sizes: {{dim}} (the projector's output size; one size per warehouse).
create table if not exists feat_book_projections (
    book_id bigint not null,
    version varchar not null,
    embedding float[{{dim}}] not null,
    primary key (version, book_id)
)
