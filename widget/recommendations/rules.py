"""Business rules: from ranked candidate lists to the items a placement shows.

Candidates arrive as a chain of sources in order of preference (the model, then the
fallbacks); the first `limit` eligible items win, boosted ones lifted to the front and
buried ones pushed to the back. Never shown: the current product, items in the cart,
items the visitor bought recently, items the situation says the page shows elsewhere,
items out of stock or outside the rules' categories and price band.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from widget.catalog import CatalogIndex
from widget.platform.shop_config import Rules


class Candidate(NamedTuple):
    # A named tuple: models make thousands a second, and a frozen dataclass costs
    # several times more to build.
    product_id: str
    score: float
    reason: str


@dataclass(frozen=True)
class Situation:
    """What the rules need to know of the visitor: current product, cart, recent purchases,
    and what the page shows elsewhere when the placement must not repeat it."""

    product_id: str | None = None
    cart: frozenset[str] = frozenset()
    bought: frozenset[str] = frozenset()
    elsewhere: frozenset[str] = frozenset()


def _category_allowed(category: str, rules: Rules) -> bool:
    if rules.include_categories and not category.startswith(rules.include_categories):
        return False
    return not (rules.exclude_categories and category.startswith(rules.exclude_categories))


def select(
    chain: Iterable[Candidate],
    limit: int,
    situation: Situation,
    rules: Rules,
    catalog: CatalogIndex,
) -> list[Candidate]:
    """At most `limit` eligible candidates, in order, with the rules applied."""
    index_of, in_stock = catalog.index_of, catalog.in_stock
    # Products met once are skipped after: the blocked ones are met from the start.
    seen = {*situation.cart, *situation.bought, *situation.elsewhere}
    if situation.product_id is not None:
        seen.add(situation.product_id)
    band = None
    current = index_of.get(situation.product_id or "")
    if rules.price_band is not None and current is not None:
        price = float(catalog.price[current])
        band = (rules.price_band[0] * price, rules.price_band[1] * price)
    by_category = bool(
        rules.include_categories or rules.exclude_categories or rules.max_per_category is not None
    )
    boosted, buried = set(rules.boost), set(rules.bury)
    # Buried items may still fill the list: look a little further than `limit`.
    wanted = limit + len(buried) if buried else limit
    per_category: dict[int, int] = {}
    chosen: list[Candidate] = []
    for candidate in chain:
        if len(chosen) >= wanted:
            break
        product = candidate.product_id
        index = index_of.get(product)
        if index is None or product in seen:
            continue
        seen.add(product)
        if not in_stock[index]:
            continue
        if by_category:
            category = int(catalog.category_id[index])
            if not _category_allowed(catalog.categories[category], rules):
                continue
        if band is not None and not band[0] <= float(catalog.price[index]) <= band[1]:
            continue
        if rules.max_per_category is not None:
            if per_category.get(category, 0) >= rules.max_per_category:
                continue
            per_category[category] = per_category.get(category, 0) + 1
        chosen.append(candidate)
    if boosted or buried:
        # A stable sort: boosted first, buried last, the chain's order kept within each group.
        chosen.sort(
            key=lambda c: 0 if c.product_id in boosted else 2 if c.product_id in buried else 1
        )
    return chosen[:limit]
