"""Authentication of a shop's backend by its secret key: `Authorization: Bearer sk_...`."""

from __future__ import annotations

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
