"""Links that prove control of an email: invitations and password resets, and their delivery.

A link goes to the email by mail when `BASKETLIFT_SMTP_URL` is set; otherwise only the
operator can produce it (`basketlift operator invitation-links`, `reset-link`) and hand
it to the person. Links are built on `BASKETLIFT_PUBLIC_URL`, never on the request's Host.
"""

from __future__ import annotations

import secrets
from typing import Any

from widget.dashboard import keys
from widget.dashboard.accounts import Accounts, Invitation, User
from widget.platform.mail import Mailer
from widget.platform.settings import Settings

RESET_TTL_S = 2 * 3600


def invitation_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/dashboard/invitations/{token}"


def reset_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/dashboard/password-reset/{token}"


async def issue_reset(redis: Any, user: User) -> str:
    """A single-use token that lets whoever holds it set the user's password."""
    token = secrets.token_urlsafe(32)
    await redis.set(keys.password_reset(token), user.id, ex=RESET_TTL_S)
    return token


async def peek_reset(redis: Any, token: str) -> User | None:
    user_id = await redis.get(keys.password_reset(token))
    return None if user_id is None else await Accounts(redis).get(user_id)


async def use_reset(redis: Any, token: str) -> User | None:
    user_id = await redis.getdel(keys.password_reset(token))
    return None if user_id is None else await Accounts(redis).get(user_id)


async def mail_invitation(
    mailer: Mailer, settings: Settings, found: Invitation, token: str
) -> None:
    body = (
        f"{found.invited_by} invited you to shop {found.shop} on Basketlift as {found.role}.\n\n"
        f"Accept the invitation within 7 days:\n{invitation_link(settings, token)}\n\n"
        "If you did not expect it, ignore this mail."
    )
    await mailer.send_async(found.email, f"Invitation to {found.shop} on Basketlift", body)


async def mail_reset(mailer: Mailer, settings: Settings, user: User, token: str) -> None:
    body = (
        "Someone asked to reset the password of your Basketlift account. Choose a new "
        f"one within 2 hours:\n{reset_link(settings, token)}\n\n"
        "If it was not you, ignore this mail: your password stays as it is."
    )
    await mailer.send_async(user.email, "Reset your Basketlift password", body)
