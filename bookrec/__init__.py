"""bookrec: personalized book recommendations from Goodreads data."""

__version__ = "0.1.0"
