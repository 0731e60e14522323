"""What a reader uses: their books (`reader_input`), found in the catalog (`matching`), scored
into a list (`recommender`), and the `bookrec` command (`cli`)."""
