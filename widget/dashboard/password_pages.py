"""Changing a password (signed in) and resetting a forgotten one by a link sent to the email.

Either ends every session of the user and starts a fresh one. Asking for a reset link
answers the same whether or not the email has an account, and counts as a login attempt
of the address (so it cannot be used to send floods of mail).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from widget.dashboard import sessions
from widget.dashboard.access import Viewer, client_address, form, signed_in
from widget.dashboard.account_pages import (
    form_page,
    form_token_ok,
    refusal_message,
    signed_in_response,
)
from widget.dashboard.accounts import AccountError, Accounts, User
from widget.dashboard.login import LoginRefused, count_attempt, log_in, unlock
from widget.dashboard.passwords import WeakPassword, check_strength
from widget.dashboard.recovery import issue_reset, mail_reset, peek_reset, use_reset
from widget.dashboard.rendering import page
from widget.platform.mail import Mailer, MailError
from widget.platform.services import services

_SENT = (
    "If an account exists for this email, a link to choose a new password was sent to it. "
    "It works once, for 2 hours."
)


async def _chosen(request: Request) -> str:
    """The new password of the form, typed twice and strong enough; `AccountError` if not."""
    fields = await form(request)
    password = fields.get("new_password", "")
    if password != fields.get("new_password_again", ""):
        raise AccountError("the two new passwords differ")
    try:
        check_strength(password)
    except WeakPassword as weak:
        raise AccountError(str(weak)) from None
    return password


async def _replace_password(request: Request, user: User, password: str) -> Response:
    """Set the password, end every session of the user and start a new one here."""
    redis = services(request).redis
    await Accounts(redis).set_password(user, password)
    await sessions.end_all(redis, user.id)
    await unlock(redis, user.email)
    return await signed_in_response(request, user.id, "/dashboard/")


@signed_in
async def change(request: Request, found: Viewer) -> Response:
    context: dict[str, Any] = {
        "user": found.user,
        "csrf": found.session.csrf,
        "title": "Change your password",
    }
    if request.method == "GET":
        return page("password.html", **context, error=None)
    current = (await form(request)).get("password", "")
    redis = services(request).redis
    try:
        await log_in(redis, found.user.email, current, client_address(request))
        return await _replace_password(request, found.user, await _chosen(request))
    except LoginRefused as refused:
        return page("password.html", 401, **context, error=refusal_message(refused))
    except AccountError as error:
        return page("password.html", 422, **context, error=f"Not changed: {error}.")


async def request_reset(request: Request) -> Response:
    mailer = Mailer.of(services(request).settings)
    context: dict[str, Any] = {"mail": mailer is not None, "sent": None, "error": None}
    if request.method == "GET" or mailer is None:
        return form_page("reset_request.html", **context)
    if not await form_token_ok(request):
        return form_page("reset_request.html", 403, **context | {"error": "The form expired."})
    redis = services(request).redis
    try:
        await count_attempt(redis, client_address(request))
    except LoginRefused as refused:
        return form_page("reset_request.html", 429, **context | {"error": refusal_message(refused)})
    user = await Accounts(redis).by_email((await form(request)).get("email", ""))
    if user is not None:
        try:
            await mail_reset(
                mailer, services(request).settings, user, await issue_reset(redis, user)
            )
        except MailError:
            error = "The mail could not be sent: try again later, or ask the operator for a link."
            return form_page("reset_request.html", 503, **context | {"error": error})
    return form_page("reset_request.html", **context | {"sent": _SENT})


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    redis = services(request).redis
    user = await peek_reset(redis, token)
    if user is None:
        return form_page("reset.html", 404, email=None, error="This link was used or expired.")
    if request.method == "GET":
        return form_page("reset.html", email=user.email, error=None)
    if not await form_token_ok(request):
        return form_page("reset.html", 403, email=user.email, error="The form expired.")
    try:
        password = await _chosen(request)
    except AccountError as error:
        return form_page("reset.html", 422, email=user.email, error=f"Not changed: {error}.")
    if await use_reset(redis, token) is None:
        return form_page("reset.html", 404, email=None, error="This link was used or expired.")
    return await _replace_password(request, user, password)
