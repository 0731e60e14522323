"""Prefect flows of bookrec: thin wrappers that call bookrec's library, one call per task."""
