"""Errors of the tracker.

TrackerError
├── ShopError
│   ├── UnknownShop
│   ├── ShopAlreadyExists
│   └── InvalidShopField
└── BatchError                  (the whole request is refused; `status` is its HTTP code)
    ├── MalformedBatch          400
    ├── UnknownSiteKey          401
    ├── OriginNotAllowed        403
    ├── PayloadTooLarge         413
    ├── UnsupportedContentType  415
    ├── TooManyEvents           422
    ├── ServerOnlyEvent         422  (a type only the server records, e.g. Exposure Recorded)
    ├── RateLimited             429  (`retry_after` seconds)
    └── StoreUnavailable        503
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of the tracker's errors."""


class ShopError(TrackerError):
    """A shop operation was refused."""


class UnknownShop(ShopError):
    def __init__(self, shop: str) -> None:
        super().__init__(f"no shop with id {shop!r}")
        self.shop = shop


class ShopAlreadyExists(ShopError):
    def __init__(self, shop: str) -> None:
        super().__init__(f"a shop with id {shop!r} exists already")
        self.shop = shop


class InvalidShopField(ShopError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class BatchError(TrackerError):
    """A batch of events was refused as a whole; nothing of it was stored."""

    status = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class MalformedBatch(BatchError):
    status = 400


class UnknownSiteKey(BatchError):
    status = 401


class OriginNotAllowed(BatchError):
    status = 403


class PayloadTooLarge(BatchError):
    status = 413


class UnsupportedContentType(BatchError):
    status = 415


class TooManyEvents(BatchError):
    status = 422


class ServerOnlyEvent(BatchError):
    status = 422


class RateLimited(BatchError):
    status = 429

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class StoreUnavailable(BatchError):
    status = 503
