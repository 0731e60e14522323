"""The list a reader sees: works, series, collections and derivatives (`works`), co-rating
vectors (`corating`) and EASE's item-item weights (`ease`), both built by `tables` as flow
`lists` does, the candidates and what the ranking shares (`candidates`), a reader's features
and score (`features`), the constraints (`rules`), one reader's list, the one path
serving, evaluation and batch runs share (`reader_list`), and the tuned list weights
(`settings`)."""
