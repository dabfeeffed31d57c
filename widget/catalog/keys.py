"""Redis key names of a shop's catalogue, built only here (see tracker.keys)."""

from __future__ import annotations

from tracker.keys import NAMESPACE, shop_key


def catalog(shop: str) -> str:
    """Hash product id -> the product as compact JSON (see widget.catalog.rows.Product)."""
    return shop_key(shop, "catalog")


def catalog_version(shop: str) -> str:
    """Counter incremented once per upload or deletion that changed the catalogue."""
    return shop_key(shop, "catalog:version")


def upload_counter(shop: str) -> str:
    """Counter of uploads: each upload's number is its generation."""
    return shop_key(shop, "catalog:uploads")


def upload_of(shop: str) -> str:
    """Hash product id -> the generation of the last upload that named the product.

    A replacing upload deletes the products whose generation is older than its own.
    """
    return shop_key(shop, "catalog:upload-of")


def variants(shop: str) -> str:
    """Hash variant id -> the id of the product it was folded into (orders may name either)."""
    return shop_key(shop, "catalog:variants")


def feed(shop: str) -> str:
    """Hash of the shop's catalogue feed: `config` (JSON) and `last_sync` (JSON)."""
    return shop_key(shop, "catalog:feed")


def feed_lock(shop: str) -> str:
    """String held by the one process syncing the shop's feed, expiring on its own."""
    return shop_key(shop, "catalog:feed-lock")


# Sorted set shop id -> when its feed is next due (seconds since the epoch).
FEEDS_DUE = NAMESPACE + "catalog:feeds-due"
