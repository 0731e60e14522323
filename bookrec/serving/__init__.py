"""What a reader uses: their books (`reader_input`), found in the catalog (`matching`, on the
keys of `title_keys`; whether an author typed is the catalog's: `authors`), scored into a list
(`recommender`), answered as typed results (`results`), explained in a reader's words
(`reasons`), shown as text tables (`formatting`), every known reader's list in batch (`batch`;
its chunks in worker processes forked from the loaded process: `forked`), the `bookrec`
command (`cli`) and the web page with its JSON API (`web`)."""
