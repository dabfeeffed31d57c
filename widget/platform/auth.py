"""Bearer tokens: a shop's backend by its secret key (`Authorization: Bearer sk_...`), the
operator by the admin or metrics token."""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from tracker.errors import UnknownShop
from tracker.shops import Shop
from widget.platform.responses import ApiError
from widget.platform.services import services


async def authenticated_shop(request: Request) -> Shop:
    """The shop whose secret key the request carries; 401 when it carries none that works."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <the shop's secret key>")
    try:
        return await services(request).shops.authenticate(key.strip())
    except UnknownShop:
        raise ApiError(401, "unauthorized", "the secret key is not valid") from None


def bearer_matches(request: Request, expected: str | None) -> bool:
    """Whether the request carries `Authorization: Bearer <expected>`.

    The digests are compared, so that the comparison takes as long whatever the length
    or the first differing character of what was sent.
    """
    if not expected:
        return False
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(_digest(given), _digest(expected))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
