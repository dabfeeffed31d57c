"""Redis key names of billing, built only here.

A shop's keys go through `tracker.keys.shop_key`, so they carry the shop in a hash tag and
every billing script of one shop touches one Cluster slot. `period` is `YYYY-MM`.
"""

from __future__ import annotations

from tracker.keys import NAMESPACE, shop_key

BILLING_SHOPS = NAMESPACE + "billing:shops"
SELLER = NAMESPACE + "billing:seller"

_PREFIX = "billing:"


def exposures(shop: str) -> str:
    """Hash anonymous id -> JSON {"arm", "at"}: the first exposure ever, the arm of record."""
    return shop_key(shop, "exposures")


def exposures_last_seen(shop: str) -> str:
    """Sorted set anonymous id -> last day seen (ms): exposures unseen for long expire."""
    return shop_key(shop, "exposures:last-seen")


def exposed_on(shop: str, day: str) -> str:
    """Set of the visitors whose exposure was recorded on `day` (YYYYMMDD, UTC)."""
    return shop_key(shop, f"exposures:day:{day}")


def new_exposures(shop: str, network: str, hour: str) -> str:
    """Counter of new visitors from one client network in `hour` (YYYYMMDDHH, UTC)."""
    return shop_key(shop, f"exposures:new:{network}:{hour}")


def contracts(shop: str) -> str:
    """Hash version -> contract JSON; a version is written once."""
    return shop_key(shop, _PREFIX + "contracts")


def buyer(shop: str) -> str:
    return shop_key(shop, _PREFIX + "buyer")


def visitors(shop: str, period: str) -> str:
    """Hash anonymous id -> the visitor's running totals in the period."""
    return shop_key(shop, f"{_PREFIX}visitors:{period}")


def unseen_forgotten(shop: str, period: str) -> str:
    """Set once the period's rows of visitors never seen in it are deleted."""
    return shop_key(shop, f"{_PREFIX}unseen-forgotten:{period}")


def days(shop: str, period: str) -> str:
    """Hash `day|arm|sum` -> integer: the period's daily per-arm sums."""
    return shop_key(shop, f"{_PREFIX}days:{period}")


def applied(shop: str, source: str, minute_ms: int) -> str:
    """Set of the ledger entry ids applied from the `source` stream's entries of the minute
    starting at `minute_ms`, so that a replayed entry counts once (`tracker.applied`)."""
    return shop_key(shop, f"{_PREFIX}applied:{source}:{minute_ms}")


def applied_minutes(shop: str, source: str) -> str:
    """Sorted set of the minutes that have a set of applied ids, for forgetting them."""
    return shop_key(shop, f"{_PREFIX}applied-minutes:{source}")


def revenue(shop: str, period: str) -> str:
    """Sorted set of seen visitors by net revenue: the pooled cap and the capped visitors."""
    return shop_key(shop, f"{_PREFIX}revenue:{period}")


def late(shop: str, period: str) -> str:
    """Hash `day|arm|sum` -> integer: changes of the day sums by entries after the lock."""
    return shop_key(shop, f"{_PREFIX}late:{period}")


def late_visitors(shop: str, period: str) -> str:
    """Hash anonymous id -> the visitor's running totals as entries after the lock left them."""
    return shop_key(shop, f"{_PREFIX}late-visitors:{period}")


def late_entries(shop: str, period: str) -> str:
    """Stream of the entries applied after the lock: the evidence of adjustment lines."""
    return shop_key(shop, f"{_PREFIX}late-entries:{period}")


def pre_exposure(shop: str) -> str:
    """Hash anonymous id -> net revenue of orders applied before their first exposure."""
    return shop_key(shop, f"{_PREFIX}pre-exposure")


def pre_exposure_revenue(shop: str, period: str) -> str:
    """Sorted set of seen visitors with pre-exposure revenue, by it: the covariate's cap."""
    return shop_key(shop, f"{_PREFIX}pre-exposure-revenue:{period}")


def lock(shop: str, period: str) -> str:
    return shop_key(shop, f"{_PREFIX}lock:{period}")


def invoice(shop: str, period: str, revision: int = 1) -> str:
    """Hash: `draft` JSON, then `number` and `issue` when finalised, each written once.

    Revision 1 is the period's first invoice; a later one replaces a voided one.
    """
    return shop_key(shop, f"{_PREFIX}invoice:{period}{_revision(revision)}")


def credit_note(shop: str, period: str, revision: int = 1) -> str:
    """Hash: `number` and `issue` of the credit note that voids that invoice revision."""
    return shop_key(shop, f"{_PREFIX}credit-note:{period}{_revision(revision)}")


def _revision(revision: int) -> str:
    # revision 1 keeps the name invoices had before revisions, so stored ones still read
    return "" if revision == 1 else f":r{revision}"


def sequence(shop: str, kind: str) -> str:
    """The counter of the shop's numbers of one kind of document (gap-free)."""
    return shop_key(shop, f"{_PREFIX}sequence:{kind}")
