"""The list a reader sees: works, series, co-rating vectors, ranking and its constraints."""
