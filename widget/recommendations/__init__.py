"""Recommendations for a visitor's placements: `GET /v1/recommendations`.

`api` reads the request; `service` decides the arm (holdout), asks the shop's `models`,
falls back to `trending` and the catalogue, and lets `rules` pick the items, reading the
visitor's state in one call (`visitor.lua`); `state` keeps each shop's models,
configuration and catalogue per process, and `switching` picks up new model versions
in the background; `head_split` is the head of the catalogue in the current models.
Import direction: keys, rules, head_split -> models, trending -> switching, service ->
state -> api; across to `widget.catalog` and `widget.events` (keys).
"""

from __future__ import annotations

from widget.recommendations import api, keys
from widget.recommendations.head_split import HeadItems
from widget.recommendations.state import Serving, serving
from widget.recommendations.switching import BuildModels

__all__ = ["BuildModels", "HeadItems", "Serving", "api", "keys", "serving"]
