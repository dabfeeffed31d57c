"""A shop's widget configuration: its placements with their rules.

Stored as one JSON document at `bl:{shop}:config`; a shop that never set one gets the
four standard placements. The holdout share is the contract's (billing), not set here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import orjson

from tracker.keys import shop_key

Strategy = Literal["session", "basket", "personal", "longtail", "trending"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)
MAX_LIMIT = 50


class InvalidConfig(ValueError):
    """A configuration field is wrong: `field` is its dotted path."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Rules:
    """Business rules of a placement, applied after the models have proposed items."""

    exclude_bought_days: int = 30
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    # Price band relative to the current product, e.g. (0.5, 2.0): half to twice its price.
    price_band: tuple[float, float] | None = None
    boost: tuple[str, ...] = ()
    bury: tuple[str, ...] = ()
    max_per_category: int | None = None


@dataclass(frozen=True)
class Placement:
    name: str
    strategy: Strategy
    limit: int = 8
    rules: Rules = field(default_factory=Rules)


DEFAULT_PLACEMENTS: dict[str, Placement] = {
    "product": Placement("product", "session"),
    "basket": Placement("basket", "basket"),
    "home": Placement("home", "personal"),
    "longtail": Placement("longtail", "longtail"),
}


@dataclass(frozen=True)
class ShopConfig:
    placements: dict[str, Placement] = field(default_factory=lambda: dict(DEFAULT_PLACEMENTS))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def config_key(shop: str) -> str:
    return shop_key(shop, "config")


def _strings(value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidConfig(path, "must be an array of strings")
    return tuple(value)


def _whole(value: Any, path: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidConfig(path, f"must be a whole number from {minimum} to {maximum}")
    return value


def parse_rules(data: Any, path: str) -> Rules:
    if not isinstance(data, dict):
        raise InvalidConfig(path, "must be an object")
    unknown = set(data) - {f.name for f in dataclasses.fields(Rules)}
    if unknown:
        raise InvalidConfig(f"{path}.{sorted(unknown)[0]}", "is not a rule")
    rules: dict[str, Any] = {}
    if "exclude_bought_days" in data:
        rules["exclude_bought_days"] = _whole(
            data["exclude_bought_days"], f"{path}.exclude_bought_days", 0, 3650
        )
    for name in ("include_categories", "exclude_categories", "boost", "bury"):
        if name in data:
            rules[name] = _strings(data[name], f"{path}.{name}")
    band = data.get("price_band")
    if band is not None:
        valid = (
            isinstance(band, list)
            and len(band) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in band)
            and 0 <= band[0] <= band[1]
        )
        if not valid:
            raise InvalidConfig(f"{path}.price_band", "must be [low, high] with 0 <= low <= high")
        rules["price_band"] = (float(band[0]), float(band[1]))
    if data.get("max_per_category") is not None:
        rules["max_per_category"] = _whole(
            data["max_per_category"], f"{path}.max_per_category", 1, MAX_LIMIT
        )
    return Rules(**rules)


def parse_config(data: Any) -> ShopConfig:
    """A `ShopConfig` from JSON data, or `InvalidConfig` naming the first wrong field."""
    if not isinstance(data, dict):
        raise InvalidConfig("", "the configuration must be an object")
    if "holdout_share" in data:
        raise InvalidConfig(
            "holdout_share",
            "is the contract's (one source for assigning and billing), not set here",
        )
    placements = dict(DEFAULT_PLACEMENTS)
    raw_placements = data.get("placements", {})
    if not isinstance(raw_placements, dict):
        raise InvalidConfig("placements", "must be an object of placements by name")
    for name, raw in raw_placements.items():
        path = f"placements.{name}"
        if not isinstance(raw, dict):
            raise InvalidConfig(path, "must be an object")
        strategy = raw.get("strategy", placements[name].strategy if name in placements else None)
        if strategy not in STRATEGIES:
            raise InvalidConfig(f"{path}.strategy", "must be one of " + ", ".join(STRATEGIES))
        placements[name] = Placement(
            name,
            strategy,
            _whole(raw.get("limit", 8), f"{path}.limit", 1, MAX_LIMIT),
            parse_rules(raw.get("rules", {}), f"{path}.rules"),
        )
    return ShopConfig(placements)


async def load_config(redis: Any, shop: str) -> ShopConfig:
    raw = await redis.get(config_key(shop))
    if not raw:
        return ShopConfig()
    data = orjson.loads(raw)
    data.pop("holdout_share", None)  # stored before the contract set the share
    return parse_config(data)


async def save_config(redis: Any, shop: str, config: ShopConfig) -> None:
    await redis.set(config_key(shop), orjson.dumps(config.as_dict()))
