"""The list a reader sees: works, series, collections and derivatives (`works`), co-rating
vectors (`corating`) and EASE's item-item weights (`ease`), both built by `tables` as flow
`lists` does, the readers here by work (`coreaders`), popularity (`popularity`), the
candidates and what the ranking shares (`candidates`), how a reader's books are read
(`books_read`: collections as their works, co-read editions, stand-ins), a reader's features
and score (`features`), the constraints (`rules`), the re-rankers (`learned`), the
books behind each item (`evidence`), one reader's list, the one path serving, evaluation and
batch runs share (`reader_list`), and the tuned list weights (`settings`)."""
