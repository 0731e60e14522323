"""bookrec: personalized book recommendations from Goodreads data.

Packages by role: `warehouse` (DuckDB and the input files), `embedding` (book vectors),
`scoring` (predicting ratings), `evaluation` (measuring them), `serving` (what a reader uses),
`demo` (the synthetic catalog); settings in `config`, user errors in `errors`.
"""

__version__ = "0.1.0"
