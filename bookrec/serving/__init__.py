"""What a reader uses: their books (`reader_input`), found in the catalog (`matching`), scored
into a list (`recommender`), shown as text tables (`formatting`), and the `bookrec` command
(`cli`)."""
