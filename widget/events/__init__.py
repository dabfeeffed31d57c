"""The tracker's HTTP edge and the visitors' live state it feeds.

`api` serves `POST /v1/events` (the tracker ingests); `live_state` consumes the event
streams into each visitor's session and purchases and each day's interest, under `keys`,
which recommendations read. Imports `tracker` and `widget.platform` only.
"""

from __future__ import annotations

from widget.events import api, keys
from widget.events.live_state import LiveStateUpdater

__all__ = ["LiveStateUpdater", "api", "keys"]
