"""Who is asking, and may they: the guard every dashboard page goes through.

A request without a live session is sent to the login page. A shop the user has no role
in answers 404, exactly as a shop that does not exist, so no page tells one shop's users
anything about another. A role without the page's permission answers 403. Every POST
must carry the session's CSRF token and, when the browser sends one, a same-site Origin.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracker.errors import UnknownShop
from tracker.shops import Shop
from widget.dashboard import sessions
from widget.dashboard.accounts import ROLES, Accounts, Role, User
from widget.dashboard.rendering import page
from widget.platform.services import services

CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/dashboard/login"
MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 20

# Which roles may open which page; the navigation shows a user only these.
PAGE_ROLES: dict[str, tuple[Role, ...]] = {
    "uplift": ROLES,
    "placements": ROLES,
    "long-tail": ROLES,
    "products": ROLES,
    "integration": ("admin", "analyst"),
    "catalogue": ("admin", "analyst"),
    "invoices": ("admin", "finance"),
    "team": ("admin",),
}
PAGE_TITLES = {
    "uplift": "Uplift",
    "placements": "Placements",
    "long-tail": "Long tail",
    "products": "Products",
    "integration": "Integration",
    "catalogue": "Catalogue and models",
    "invoices": "Invoices",
    "team": "Team",
}


@dataclass(frozen=True)
class Viewer:
    user: User
    session: sessions.Session


@dataclass(frozen=True)
class ShopView:
    viewer: Viewer
    shop: Shop
    role: Role
    page: str

    def context(self, **values: Any) -> dict[str, Any]:
        """What every shop page's template needs, plus `values`."""
        nav = [(n, PAGE_TITLES[n]) for n, roles in PAGE_ROLES.items() if self.role in roles]
        return {
            "user": self.viewer.user,
            "csrf": self.viewer.session.csrf,
            "shop": self.shop,
            "role": self.role,
            "nav": nav,
            "current": self.page,
            "title": PAGE_TITLES[self.page],
        } | values


def session_lifetime_s(request: Request) -> int:
    return services(request).settings.session_lifetime_hours * 3600


def client_address(request: Request) -> str:
    """The client's address as the server sees it (a trusted proxy's X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


async def viewer(request: Request) -> Viewer | None:
    redis = services(request).redis
    cookie = request.cookies.get(sessions.COOKIE)
    session = await sessions.find(redis, cookie, session_lifetime_s(request))
    if session is None:
        return None
    user = await Accounts(redis).get(session.user_id)
    return None if user is None else Viewer(user, session)


def safe_next(target: str | None) -> str:
    """A local dashboard path to go to after login; anything else goes to the start."""
    if target and target.startswith("/dashboard/") and not target.startswith("//"):
        if "\\" not in target and not urlsplit(target).netloc:
            return target
    return "/dashboard/"


def to_login(request: Request) -> Response:
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"{LOGIN_PATH}?next={target}", status_code=303)


def same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form (the only kind the pages send), first value each."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    return {name: values[0] for name, values in fields.items()}


async def csrf_ok(request: Request, expected: str) -> bool:
    if not same_origin(request):
        return False
    given = (await form(request)).get(CSRF_FIELD, "")
    return hmac.compare_digest(given.encode(), expected.encode())


def problem(status: int, message: str, found: Viewer | None = None) -> Response:
    user, csrf = (found.user, found.session.csrf) if found else (None, "")
    return page("problem.html", status=status, message=message, user=user, csrf=csrf)


Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(handler: Callable[[Request, Viewer], Awaitable[Response]]) -> Endpoint:
    """A page for any signed-in user (not tied to one shop)."""

    async def endpoint(request: Request) -> Response:
        found = await viewer(request)
        if found is None:
            return to_login(request)
        if request.method == "POST" and not await csrf_ok(request, found.session.csrf):
            return problem(403, "The form has expired: go back, reload it and try again.", found)
        return await handler(request, found)

    return endpoint


def shop_page(
    name: str, roles: Collection[Role] | None = None
) -> Callable[[Callable[[Request, ShopView], Awaitable[Response]]], Endpoint]:
    """A page of the shop in the path: for its members whose role may open `name`."""
    allowed = PAGE_ROLES[name] if roles is None else roles

    def wrap(handler: Callable[[Request, ShopView], Awaitable[Response]]) -> Endpoint:
        @signed_in
        async def endpoint(request: Request, found: Viewer) -> Response:
            shop_id = request.path_params["shop"]
            role = await Accounts(services(request).redis).role(found.user, shop_id)
            try:
                shop = await services(request).shops.get(shop_id) if role else None
            except UnknownShop:
                shop = None
            if shop is None or role is None:
                return problem(404, "There is no such shop, or it is not yours to see.", found)
            if role not in allowed:
                return problem(403, f"Your role ({role}) may not open this page.", found)
            return await handler(request, ShopView(found, shop, role, name))

        return endpoint

    return wrap
