"""The demo shop in the store: its keys, holdout, revenue-share contract and a dashboard login.

Everything goes through the product's own stores (shops, shop configuration, contracts,
parties, accounts), as `basketlift shop create`, the admin API and `basketlift invoice`
would write it.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing import Contract, MissingSeller, SampleGates
from billing.contract_store import add_contract
from billing.parties import Party, get_seller, set_buyer, set_seller
from tracker.errors import UnknownShop
from tracker.shops import ShopRegistry
from widget.dashboard import Accounts
from widget.demo.retail import CURRENCY

SHOP_ID = "demo"
SHOP_NAME = "Online Retail (demo)"
LOGIN_EMAIL = "merchant@demo.example"
REVENUE_SHARE_PERCENT = Decimal(10)
# The product's gates ask for 1,000 visitors per arm; a demo of a few thousand orders has
# fewer in its holdout, so the demo contract asks for less (stated in the summary).
DEMO_GATES = SampleGates(minimum_visitors_per_arm=100, minimum_converting_visitors_per_arm=30)
SELLER = Party("Basketlift (demo seller)", ("1 Example Street", "London"))
# The cumulative basis fixes its cap before the contract from earlier buyers; the demo has
# no earlier month, so it takes a round figure above nearly every basket of its data.
DEMO_REVENUE_CAP = Decimal("1000.00")


class DemoAlreadyThere(Exception):
    """The store holds a demo shop from an earlier run."""


@dataclass(frozen=True)
class DemoShop:
    id: str
    site_key: str
    secret_key: str
    base_url: str
    contract: Contract
    login_email: str
    login_password: str


def demo_contract(holdout_share: float, today: datetime.date, visitors: int) -> Contract:
    """A share of the cumulative lower bound, from this month on, in pounds."""
    return Contract(
        shop=SHOP_ID,
        version=1,
        effective_from=today.replace(day=1),
        currency=CURRENCY,
        revenue_share_percent=REVENUE_SHARE_PERCENT,
        holdout_share=holdout_share,
        monthly_visitors=visitors,
        revenue_per_visitor_cap=DEMO_REVENUE_CAP,
        gates=DEMO_GATES,
    )


async def create_demo_shop(
    redis: Any, base_url: str, holdout_share: float, today: datetime.date, visitors: int
) -> DemoShop:
    """The shop, allowed from the demo server's own origin; raises `DemoAlreadyThere`."""
    registry = ShopRegistry(redis)
    try:
        await registry.get(SHOP_ID)
    except UnknownShop:
        pass
    else:
        raise DemoAlreadyThere(SHOP_ID)
    origins = (base_url, base_url.replace("127.0.0.1", "localhost"))
    issued = await registry.create(SHOP_NAME, origins, SHOP_ID)
    terms = demo_contract(holdout_share, today, visitors)
    # signed the day before the month it prices: the demo replays this month's traffic
    signed = terms.starts_at - datetime.timedelta(days=1)
    contract = await add_contract(redis, terms, signed)
    try:
        await get_seller(redis)
    except MissingSeller:
        await set_seller(redis, SELLER)
    await set_buyer(redis, SHOP_ID, Party(SHOP_NAME))
    password = secrets.token_urlsafe(12)
    accounts = Accounts(redis)
    user = await accounts.create_user(LOGIN_EMAIL, password)
    await accounts.add_member(SHOP_ID, user, "admin")
    return DemoShop(
        id=SHOP_ID,
        site_key=issued.shop.site_key,
        secret_key=issued.secret_key,
        base_url=base_url,
        contract=contract,
        login_email=LOGIN_EMAIL,
        login_password=password,
    )
