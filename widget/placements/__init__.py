"""Per-placement figures: impressions, clicks, attributed orders and long-tail shares, and
the same per product.

`rollup` consumes every shop's events and orders of record; `entries` says what each one
adds; `writer` stores them with `placements.lua` under `keys`; `figures` (per placement)
and `products` (per product) read them back for the dashboard. Import direction: keys,
entries -> writer -> rollup, figures, products; across
to `widget.orders` (orders of record), `widget.catalog` (the products it lists),
`widget.recommendations` (the head of the catalogue), and `widget.platform.shop_config`
(the shop's placements).
"""

from __future__ import annotations

from widget.placements.entries import ATTRIBUTION_WINDOW, OTHER_PLACEMENT
from widget.placements.figures import money, placement_figures
from widget.placements.products import (
    PRODUCT_COLUMNS,
    ProductColumn,
    ProductFigures,
    ProductRow,
    product_figures,
    sort_products,
)
from widget.placements.rollup import PlacementRollup

__all__ = [
    "ATTRIBUTION_WINDOW",
    "OTHER_PLACEMENT",
    "PRODUCT_COLUMNS",
    "PlacementRollup",
    "ProductColumn",
    "ProductFigures",
    "ProductRow",
    "money",
    "placement_figures",
    "product_figures",
    "sort_products",
]
