"""Checks on what the shop connects besides events: its catalogue, its orders, its placements."""

from __future__ import annotations

from widget.integration.check import Check
from widget.integration.observed import Observed

STANDARD_PLACEMENTS = ("product", "basket", "home", "longtail")
_EXAMPLES = 10


def check_catalog(seen: Observed) -> Check:
    if not seen.has_catalog:
        return Check(
            "catalog",
            "warning",
            "No catalogue uploaded yet: upload it with PUT /v1/catalog. Until then "
            "recommendations have no titles, prices or images, and product ids in events "
            "cannot be checked.",
        )
    missing = len(seen.missing_products)
    details = {
        "products_checked": seen.products_checked,
        "missing": missing,
        "examples": seen.missing_products[:_EXAMPLES],
    }
    if not missing:
        message = "Every product id in the last hour's events is in the catalogue."
        return Check("catalog", "ok", message, details)
    if missing == seen.products_checked:
        return Check(
            "catalog",
            "error",
            f"None of the {missing} product ids in events is in the catalogue: the pages "
            "probably send another id than the catalogue (a SKU instead of the product id?).",
            details,
        )
    return Check(
        "catalog",
        "warning",
        f"{missing} of {seen.products_checked} product ids in events are not in the "
        f"catalogue, e.g. {', '.join(seen.missing_products[:3])}: upload them, or check "
        "the ids the pages send.",
        details,
    )


def check_orders(seen: Observed) -> Check:
    anonymous = [o["order_id"] for o in seen.orders if o.get("anonymous_id") is None]
    browser = sum(1 for event in seen.events if event.type == "Order Completed")
    details = {
        "orders": len(seen.orders),
        "without_anonymous_id": len(anonymous),
        "examples": anonymous[:_EXAMPLES],
        "order_completed_events": browser,
    }
    if anonymous:
        return Check(
            "orders",
            "warning",
            f"{len(anonymous)} of {len(seen.orders)} orders sent to POST /v1/orders came "
            "without anonymous_id: pass the visitor's anonymous id from the snippet to your "
            "checkout and send it with the order, or the order cannot be attributed.",
            details,
        )
    if browser and not seen.orders:
        return Check(
            "orders",
            "warning",
            f"The browser reported {browser} Order Completed events, but your backend sent no "
            "order to POST /v1/orders: only orders sent from your backend count as revenue.",
            details,
        )
    if not seen.orders:
        return Check("orders", "ok", "No order was sent to POST /v1/orders.", details)
    message = f"{len(seen.orders)} orders arrived, all with anonymous_id."
    return Check("orders", "ok", message, details)


def check_placements(seen: Observed) -> Check:
    never = [name for name in STANDARD_PLACEMENTS if not seen.placement_requests[name]]
    details = {"requests": dict(seen.placement_requests.most_common()), "never_requested": never}
    if len(never) == len(STANDARD_PLACEMENTS) and not seen.placement_requests:
        return Check(
            "placements",
            "error",
            "No recommendation was requested in the last hour: no widget placeholder is on "
            "your pages, or the snippet is not loaded where they are.",
            details,
        )
    if never:
        return Check(
            "placements",
            "warning",
            f"The placements {', '.join(never)} were never requested in the last hour; if "
            "you meant to use them, add their placeholders to the pages.",
            details,
        )
    return Check("placements", "ok", "Every standard placement was requested.", details)
