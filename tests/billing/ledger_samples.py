"""A period in the store for the invoice tests: a contract and a drawn experiment's visitors."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from billing import Arm
from billing.contract_store import add_contract
from billing.holdout import record_exposure
from billing.ledger import record_order, record_visit
from billing.parties import Party, set_seller
from tests.billing.samples import SIGNED, SMALL_GATES, contract, drawn_revenue

OCTOBER_START = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
AFTER_OCTOBER = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
SELLER = Party("Basketlift Ltd", ("1 Example Street", "London"), "GB123456789")


async def october_ledger(
    store: Any, shop: str, treated: int = 300, holdout: int = 300, **overrides: Any
) -> None:
    """A contract (15% of the point estimate, EUR 49 licence, unless `overrides` say other
    terms) and seeded visitors in October, their revenue in the currency's minor units."""
    terms = contract(
        **{
            "shop": shop, "basis": "point", "holdout_share": 0.5, "gates": SMALL_GATES,
            "monthly_licence_fee": Decimal("49.00"),
        } | overrides
    )  # fmt: skip
    await add_contract(store, terms, SIGNED)
    await set_seller(store, SELLER)
    treated_revenue, holdout_revenue = drawn_revenue(seed=11, treated=treated, holdout=holdout)
    rows: list[tuple[Arm, int]] = [("treatment", r) for r in treated_revenue]
    rows += [("holdout", r) for r in holdout_revenue]
    for index, (arm, revenue) in enumerate(rows):
        await record_exposure(store, shop, f"v{index}", arm, OCTOBER_START)
        day = datetime.date(2026, 10, 1 + index % 28)
        await record_visit(store, shop, f"v{index}", day, exposed=True)
        if revenue:
            await record_order(store, shop, f"v{index}", day, revenue, entry_id=f"o{index}")


def ledger_entries(
    visitors: int, amounts: int, max_size: int, min_size: int = 0
) -> st.SearchStrategy[list[tuple[int, str, int, int]]]:
    """Lists of (visitor, kind, day of October, amount) for property tests of the ledger."""
    return st.lists(
        st.tuples(
            st.integers(0, visitors - 1),
            st.sampled_from(["seen", "views", "order", "refund"]),
            st.integers(1, 28),
            st.integers(1, amounts),
        ),
        min_size=min_size,
        max_size=max_size,
    )
