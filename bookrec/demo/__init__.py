"""The built-in demo catalog: synthetic Goodreads files in the exact Kaggle layouts
(`python -m bookrec.demo --help`).

Its vocabulary is package data (`vocabulary.json`, read by `vocabulary`), the generative model
of books, readers and ratings is `world`, the Kaggle-layout writers are `files`, and
`generator.write_demo_dataset` puts them together; `__main__` is the command.
"""

from bookrec.demo.generator import DemoSummary, write_demo_dataset

__all__ = ["DemoSummary", "write_demo_dataset"]
