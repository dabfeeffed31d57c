"""The operator's HTTP API: shops, their keys, origins and configuration, guarded by
`BASKETLIFT_ADMIN_TOKEN`. Imports `tracker` and `widget.platform` only."""

from __future__ import annotations

from widget.admin import api

__all__ = ["api"]
