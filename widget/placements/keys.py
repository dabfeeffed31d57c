"""Redis key names of the per-placement rollup, built only here (see tracker.keys).

`period` is `YYYY-MM`: billing's months, in the contract's time zone. A placement or a
visitor id is the whole remainder of its key, after a prefix of its own. The per-product
hashes name the catalogue's products and `(unlisted)` for every id it does not list
(`widget.placements.entries`): at most the catalogue's size and one fields each.
"""

from __future__ import annotations

from tracker.keys import shop_key

PLACEMENTS_GROUP = "placements"


def figures(shop: str, period: str) -> str:
    """Hash `day|placement|name` -> integer: `impressions`, `clicks`, `shown` items,
    `orders` with a line attributed to the placement, their `bought` items and their
    `revenue:<currency>` (in millionths of it)."""
    return shop_key(shop, f"placements:figures:{period}")


def shown_items(shop: str, period: str, placement: str) -> str:
    """Hash product id -> the times the placement showed it in the period."""
    return shop_key(shop, f"placements:shown:{period}:{placement}")


def bought_items(shop: str, period: str, placement: str) -> str:
    """Hash product id -> orders that bought it after a click on it in the placement."""
    return shop_key(shop, f"placements:bought:{period}:{placement}")


def clicked_items(shop: str, period: str, placement: str) -> str:
    """Hash product id -> the clicks on it in the placement in the period (expires)."""
    return shop_key(shop, f"placements:clicked:{period}:{placement}")


def item_revenue(shop: str, period: str, placement: str) -> str:
    """Hash `<currency>|<product id>` -> the click-attributed revenue of the product's
    order lines in the placement, in millionths of the currency (expires)."""
    return shop_key(shop, f"placements:revenue:{period}:{placement}")


def applied(shop: str, source: str, minute_ms: int) -> str:
    """Set of entry ids (`event:<id>`, `order:<id>`) counted from the `source` stream's
    (`events`, `orders`) entries of the minute starting at `minute_ms`: a replay counts
    once while its stream entry is kept (`tracker.applied`)."""
    return shop_key(shop, f"placements:applied:{source}:{minute_ms}")


def applied_minutes(shop: str, source: str) -> str:
    """Sorted set of the minutes that have a set of applied ids, for forgetting them."""
    return shop_key(shop, f"placements:applied-minutes:{source}")


def clicks(shop: str, anonymous_id: str) -> str:
    """Sorted set of a visitor's recommendation clicks by the time received (ms); each
    member is the JSON array [event id, placement, product id]."""
    return shop_key(shop, f"placements:clicks:{anonymous_id}")
