"""Redis key names of the engine (its model store), built only here (see tracker.keys)."""

from __future__ import annotations

from tracker.keys import shop_key


def current_model(shop: str) -> str:
    """The version of `shop`'s models being served: a short string that servers poll."""
    return shop_key(shop, "models:current")


def model_versions(shop: str) -> str:
    """List of the versions made current, oldest first: the ones still kept."""
    return shop_key(shop, "models:versions")


def model_version(shop: str, version: str) -> str:
    """Hash of one version: `metadata` (JSON), `chunks`, `digest`, `chunk:0`..."""
    return shop_key(shop, f"models:version:{version}")
