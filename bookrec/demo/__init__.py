"""The built-in demo catalog: synthetic Goodreads files in the exact Kaggle layouts
(`python -m bookrec.demo --help`)."""

from bookrec.demo.generator import DemoSummary, write_demo_dataset

__all__ = ["DemoSummary", "write_demo_dataset"]
