"""A shop's team, for its admins: invite by email, change a member's role, remove a member.

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


@shop_page("team")
async def team(request: Request, view: ShopView) -> Response:
    done = error = None
    status = 200
    if request.method == "POST":
        fields = await form(request)
        try:
            if fields.get("action") in ("role", "remove"):
                done = await _change(request, view, fields)
            else:
                done = await _invite(request, view, fields)
        except AccountError as problem:
            error, status = str(problem), 422
    members = await Accounts(services(request).redis).members(view.shop.id)
    context = view.context(
        members=members, done=done, error=error, roles=("admin", "analyst", "finance")
    )
    return page("team.html", status=status, **context)
