"""The reader's web page and JSON API (`bookrec serve`): app factory, routes, page assets."""

from bookrec.serving.web.app import create_app

__all__ = ["create_app"]
