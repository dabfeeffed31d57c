"""Pages about the user rather than a shop: login, logout, the shop list, invitations."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from widget.dashboard import sessions
from widget.dashboard.access import (
    CSRF_FIELD,
    Viewer,
    form,
    problem,
    safe_next,
    same_origin,
    signed_in,
)
from widget.dashboard.accounts import AccountError, Accounts
from widget.dashboard.login import LoginRefused, log_in
from widget.dashboard.rendering import page
from widget.platform.services import services

# Before there is a session, forms are protected by a double-submitted random token.
FORM_COOKIE = "bl_form"
_REFUSALS = {
    "invalid": "Wrong email or password, or too many attempts: wait 15 minutes and try again.",
    "locked": "Wrong email or password, or too many attempts: wait 15 minutes and try again.",
    "rate_limited": "Too many login attempts from your address: wait 10 minutes.",
}


def _form_page(name: str, status: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(name, status=status, csrf=token, user=None, **context)
    sessions.set_cookie(response, FORM_COOKIE, token, max_age=3600)
    return response


async def _form_token_ok(request: Request) -> bool:
    cookie = request.cookies.get(FORM_COOKIE, "")
    given = (await form(request)).get(CSRF_FIELD, "")
    return (
        same_origin(request)
        and bool(cookie)
        and hmac.compare_digest(given.encode(), cookie.encode())
    )


async def _signed_in_response(request: Request, user_id: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    old = request.cookies.get(sessions.COOKIE)
    if old:
        await sessions.end(services(request).redis, old)
    session = await sessions.start(services(request).redis, user_id)
    sessions.set_cookie(response, sessions.COOKIE, session.id)
    sessions.clear_cookie(response, FORM_COOKIE)
    return response


async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return _form_page("login.html", next=target, error=None, email="")
    fields = await form(request)
    email, password = fields.get("email", ""), fields.get("password", "")
    if not await _form_token_ok(request):
        return _form_page("login.html", 403, next=target, error="The form expired.", email=email)
    client = request.client.host if request.client else "unknown"
    try:
        user = await log_in(services(request).redis, email, password, client)
    except LoginRefused as refused:
        message = _REFUSALS[refused.reason]
        return _form_page("login.html", 401, next=target, error=message, email=email)
    return await _signed_in_response(request, user.id, target)


@signed_in
async def logout(request: Request, found: Viewer) -> Response:
    await sessions.end(services(request).redis, found.session.id)
    response = RedirectResponse("/dashboard/login", status_code=303)
    sessions.clear_cookie(response, sessions.COOKIE)
    return response


@signed_in
async def index(request: Request, found: Viewer) -> Response:
    redis = services(request).redis
    if found.user.operator:
        shops = [shop.id for shop in await services(request).shops.list()]
    else:
        shops = await Accounts(redis).shops(found.user)
    if len(shops) == 1 and not found.user.operator:
        return RedirectResponse(f"/dashboard/shops/{shops[0]}/uplift", status_code=303)
    return page(
        "index.html", user=found.user, csrf=found.session.csrf, shops=sorted(shops), title="Shops"
    )


async def invitation(request: Request) -> Response:
    token = request.path_params["token"]
    accounts = Accounts(services(request).redis)
    invited = await accounts.peek_invitation(token)
    if invited is None:
        return problem(404, "This invitation was used already, or it has expired.", None)
    existing = await accounts.by_email(invited.email) is not None
    context: dict[str, Any] = {"invitation": invited, "existing": existing, "error": None}
    if request.method == "GET":
        return _form_page("invitation.html", **context)
    if not await _form_token_ok(request):
        return _form_page("invitation.html", 403, **context | {"error": "The form expired."})
    fields = await form(request)
    password = fields.get("password", "")
    if not existing and password != fields.get("password_again", ""):
        return _form_page("invitation.html", 422, **context | {"error": "The passwords differ."})
    try:
        user = await accounts.accept(token, password)
    except AccountError as error:
        return _form_page("invitation.html", 422, **context | {"error": str(error)})
    return await _signed_in_response(request, user.id, f"/dashboard/shops/{invited.shop}/uplift")
