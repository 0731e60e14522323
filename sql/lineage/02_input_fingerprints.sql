-- Returns the content fingerprints of `books` and `ratings`: row count and an order-free sum
-- of row hashes (cheap on 50k books and millions of ratings; any changed id, title, author,
-- text, genre or rating changes it).
-- Reads: books, ratings. Parameters: none.
select
    (
        select count(*) || ':' || coalesce(sum(hash(book_id, title, author, description, genres)), 0)
        from books
    ) as books,
    (
        select count(*) || ':' || coalesce(sum(hash(user_id, book_id, rating)), 0)
        from ratings
    ) as ratings
