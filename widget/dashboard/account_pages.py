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
    client_address,
    form,
    problem,
    safe_next,
    same_origin,
    session_lifetime_s,
    signed_in,
)
from widget.dashboard.accounts import AccountError, Accounts
from widget.dashboard.login import LoginRefused, claim, log_in
from widget.dashboard.passwords import MIN_LENGTH
from widget.dashboard.rendering import page
from widget.platform.services import services

# Before there is a session, forms are protected by a double-submitted random token.
FORM_COOKIE = "bl_form"
_REFUSALS = {
    "invalid": "Wrong email or password, or too many attempts: wait 15 minutes and try again.",
    "locked": "Wrong email or password, or too many attempts: wait 15 minutes and try again.",
    "rate_limited": "Too many login attempts from your address: wait 10 minutes.",
}
_NOT_ACCEPTED = (
    "That did not work. If you have a Basketlift account for this email, enter its "
    "password (after 5 wrong ones, wait 15 minutes; a forgotten one can be reset). If not, "
    f"choose a password of at least {MIN_LENGTH} characters and type it twice."
)
_INVITATION_REFUSALS = {"invalid": _NOT_ACCEPTED, "locked": _NOT_ACCEPTED}


def refusal_message(refused: LoginRefused) -> str:
    return _REFUSALS[refused.reason]


def form_page(name: str, status: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(32)
    response = page(name, status=status, csrf=token, user=None, **context)
    sessions.set_cookie(response, FORM_COOKIE, token, max_age=3600)
    return response


async def form_token_ok(request: Request) -> bool:
    cookie = request.cookies.get(FORM_COOKIE, "")
    given = (await form(request)).get(CSRF_FIELD, "")
    return (
        same_origin(request)
        and bool(cookie)
        and hmac.compare_digest(given.encode(), cookie.encode())
    )


async def signed_in_response(request: Request, user_id: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    old = request.cookies.get(sessions.COOKIE)
    if old:
        await sessions.end(services(request).redis, old)
    session = await sessions.start(services(request).redis, user_id, session_lifetime_s(request))
    sessions.set_cookie(response, sessions.COOKIE, session.id)
    sessions.clear_cookie(response, FORM_COOKIE)
    return response


async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return form_page("login.html", next=target, error=None, email="")
    fields = await form(request)
    email, password = fields.get("email", ""), fields.get("password", "")
    if not await form_token_ok(request):
        return form_page("login.html", 403, next=target, error="The form expired.", email=email)
    try:
        user = await log_in(services(request).redis, email, password, client_address(request))
    except LoginRefused as refused:
        message = refusal_message(refused)
        return form_page("login.html", 401, next=target, error=message, email=email)
    return await signed_in_response(request, user.id, target)


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
    """Accept an invitation: as the email's existing account (its password, throttled as a
    login) or as a new one. The page and its answers are the same either way."""
    token = request.path_params["token"]
    redis = services(request).redis
    accounts = Accounts(redis)
    invited = await accounts.peek_invitation(token)
    if invited is None:
        return problem(404, "This invitation was used already, revoked, or it has expired.", None)
    context: dict[str, Any] = {"invitation": invited, "error": None}
    if request.method == "GET":
        return form_page("invitation.html", **context)
    if not await form_token_ok(request):
        return form_page("invitation.html", 403, **context | {"error": "The form expired."})
    fields = await form(request)
    password = fields.get("password", "")
    try:
        user = await claim(
            redis,
            invited.email,
            password,
            fields.get("password_again", ""),
            client_address(request),
        )
        if user is None:
            user = await accounts.create_user(invited.email, password)
        await accounts.use_invitation(token, user)
    except LoginRefused as refused:
        message = _INVITATION_REFUSALS.get(refused.reason, _REFUSALS[refused.reason])
        return form_page("invitation.html", 401, **context | {"error": message})
    except AccountError as error:
        return form_page("invitation.html", 409, **context | {"error": str(error)})
    return await signed_in_response(request, user.id, f"/dashboard/shops/{invited.shop}/uplift")
