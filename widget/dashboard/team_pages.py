"""A shop's team, for its admins: invite by email, change a member's role, remove a member,
see the pending invitations and revoke one.

The invitation link is never shown here: it goes to the invited email by mail, or, with
no mail server, the operator hands it over (`basketlift operator invitation-links`). A
change of role or a removal takes effect on the member's next request: every page checks
the role in the store. A removed member left with no shop is logged out everywhere.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from widget.dashboard import sessions
from widget.dashboard.access import ShopView, form, shop_page
from widget.dashboard.accounts import (
    AccountError,
    Accounts,
    Invitation,
    Role,
    normalise_email,
    parse_role,
)
from widget.dashboard.recovery import mail_invitation
from widget.dashboard.rendering import page
from widget.platform.mail import Mailer, MailError
from widget.platform.services import services


def _expiry(seconds: int) -> str:
    """`in 7 days`, `in 5 hours`, `in 12 minutes`: to the nearest of the largest unit."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = (seconds + size // 2) // size
            return f"in {count} {unit}{'s' * (count != 1)}"
    return "in less than a minute"


async def _invite(request: Request, view: ShopView, fields: dict[str, str]) -> str:
    email = normalise_email(fields.get("email", ""))
    invited = Invitation(
        view.shop.id, parse_role(fields.get("role", "")), email, view.viewer.user.email
    )
    token = await Accounts(services(request).redis).invite(invited)
    settings = services(request).settings
    mailer = Mailer.of(settings)
    if mailer is None:
        return (
            f"Invitation for {email} recorded. This Basketlift sends no mail: ask its operator "
            f"to hand over the link (basketlift operator invitation-links --email {email})."
        )
    try:
        await mail_invitation(mailer, settings, invited, token)
    except MailError as failed:
        raise AccountError(f"{failed}; the operator can hand over the link instead") from None
    return f"Invitation sent to {email}. The link works once, for 7 days."


async def _change(request: Request, view: ShopView, fields: dict[str, str]) -> str:
    accounts = Accounts(services(request).redis)
    member = await accounts.get(fields.get("member", ""))
    if member is None:
        raise AccountError("that person is not a member of this shop")
    role: Role | None = None
    if fields.get("action") == "role":
        role = parse_role(fields.get("role", ""))
    await accounts.change_member(view.shop.id, member.id, role)
    if role is not None:
        return f"{member.email} is now {role}."
    if not member.operator and not await accounts.shops(member):
        await sessions.end_all(services(request).redis, member.id)
    return f"{member.email} was removed from {view.shop.name}."


async def _revoke(request: Request, view: ShopView, fields: dict[str, str]) -> str:
    email = fields.get("email", "")
    await Accounts(services(request).redis).revoke(view.shop.id, email)
    return f"The invitation of {normalise_email(email)} is revoked: its link no longer works."


@shop_page("team")
async def team(request: Request, view: ShopView) -> Response:
    done = error = None
    status = 200
    if request.method == "POST":
        fields = await form(request)
        try:
            if fields.get("action") in ("role", "remove"):
                done = await _change(request, view, fields)
            elif fields.get("action") == "revoke":
                done = await _revoke(request, view, fields)
            else:
                done = await _invite(request, view, fields)
        except AccountError as problem:
            error, status = str(problem), 422
    accounts = Accounts(services(request).redis)
    context = view.context(
        members=await accounts.members(view.shop.id),
        pending=await accounts.pending(view.shop.id),
        done=done,
        error=error,
        roles=("admin", "analyst", "finance"),
        expiry=_expiry,
    )
    return page("team.html", status=status, **context)
