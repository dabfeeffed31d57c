"""The browser snippet's files (`static/js`, built by `js/build.mjs`) and the example shop
page (`static/demo`), served by `api`. Imports `widget.platform` only."""

from __future__ import annotations

from widget.snippet import api
from widget.snippet.api import STATIC_DIR, SnippetFiles

__all__ = ["STATIC_DIR", "SnippetFiles", "api"]
