"""Users, their roles in shops, and invitations, in the store.

A user is an email and a password hash; an operator sees every shop as its admin. Any
other user sees a shop only through a role that the shop's member hash gives them:
`admin` (everything, and invites), `analyst` (uplift, integration, catalogue) or
`finance` (uplift and invoices). Invitations carry a single-use token that is deleted
as it is read (GETDEL), so two acceptances of one link cannot both succeed. The link is
sent to the invited email (or given to its owner by the operator), never shown to the
inviter: opening it proves control of the email. A shop's admins see its pending
invitations and may revoke one: its link stops working at once. A role change or a removal never
leaves a shop that has admins without one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import orjson
from starlette.concurrency import run_in_threadpool

from widget.dashboard import keys
from widget.dashboard.passwords import check_strength, hash_password

Role = Literal["admin", "analyst", "finance"]
ROLES: tuple[Role, ...] = get_args(Role)
INVITATION_TTL_S = 7 * 24 * 3600
# Changes a member's role (ARGV[2]; empty removes) unless it would leave no admin.
_CHANGE_MEMBER = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 'not_a_member' end
if current == 'admin' and ARGV[2] ~= 'admin' then
  local admins = 0
  for _, role in ipairs(redis.call('HVALS', KEYS[1])) do
    if role == 'admin' then admins = admins + 1 end
  end
  if admins <= 1 then return 'last_admin' end
end
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 'ok'
"""
_CHANGE_REFUSALS = {
    "not_a_member": "that person is not a member of this shop",
    "last_admin": "the shop would have no admin left: make someone else admin first",
}


class AccountError(Exception):
    """A change to accounts that cannot be made; the message says why, for the form."""


@dataclass(frozen=True)
class User:
    id: str
    email: str
    password_hash: str
    operator: bool


@dataclass(frozen=True)
class Invitation:
    shop: str
    role: Role
    email: str
    invited_by: str


@dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    expires_in_s: int


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or len(email) > 254 or " " in email:
        raise AccountError("enter an email address such as name@example.com")
    return email


def parse_role(value: str) -> Role:
    for role in ROLES:
        if value == role:
            return role
    raise AccountError(f"the role must be one of {', '.join(ROLES)}")


class Accounts:
    """Users, memberships and invitations; `redis` is a redis.asyncio client decoding."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis

    async def create_user(self, email: str, password: str, operator: bool = False) -> User:
        email = normalise_email(email)
        try:
            check_strength(password)
        except ValueError as weak:
            raise AccountError(str(weak)) from None
        user_id = secrets.token_hex(8)
        if not await self._redis.hsetnx(keys.EMAILS, email, user_id):
            raise AccountError(f"an account for {email} exists already")
        password_hash = await run_in_threadpool(hash_password, password)
        await self._redis.hset(
            keys.user(user_id),
            mapping={
                "email": email,
                "password": password_hash,
                "operator": int(operator),
                "created_at": datetime.now(UTC).isoformat(),
            },
        )
        if operator:
            await self._redis.sadd(keys.OPERATORS, user_id)
        return User(user_id, email, password_hash, operator)

    async def get(self, user_id: str) -> User | None:
        stored = await self._redis.hgetall(keys.user(user_id))
        if not stored:
            return None
        return User(user_id, stored["email"], stored["password"], stored["operator"] == "1")

    async def by_email(self, email: str) -> User | None:
        user_id = await self._redis.hget(keys.EMAILS, email.strip().lower())
        return None if user_id is None else await self.get(user_id)

    async def role(self, user: User, shop: str) -> Role | None:
        """The user's role in the shop: admin for an operator; None for no access."""
        if user.operator:
            return "admin"
        found = await self._redis.hget(keys.members(shop), user.id)
        return None if found is None else parse_role(found)

    async def shops(self, user: User) -> list[str]:
        """Shops the user has a role in (the index, confirmed by each shop's members)."""
        listed = sorted(await self._redis.hkeys(keys.user_shops(user.id)))
        return [shop for shop in listed if await self.role(user, shop) is not None]

    async def add_member(self, shop: str, user: User, role: Role) -> None:
        await self._redis.hset(keys.members(shop), user.id, role)
        await self._redis.hset(keys.user_shops(user.id), shop, role)

    async def change_member(self, shop: str, user_id: str, role: Role | None) -> None:
        """Give the member another role, or remove them (None): `AccountError` when they
        are not a member or the shop would lose its last admin."""
        outcome = await self._redis.eval(_CHANGE_MEMBER, 1, keys.members(shop), user_id, role or "")
        if outcome != "ok":
            raise AccountError(_CHANGE_REFUSALS[outcome])
        if role is None:
            await self._redis.hdel(keys.user_shops(user_id), shop)
        else:
            await self._redis.hset(keys.user_shops(user_id), shop, role)

    async def set_password(self, user: User, password: str) -> None:
        try:
            check_strength(password)
        except ValueError as weak:
            raise AccountError(str(weak)) from None
        password_hash = await run_in_threadpool(hash_password, password)
        await self._redis.hset(keys.user(user.id), "password", password_hash)

    async def members(self, shop: str) -> list[tuple[User, Role]]:
        found = []
        for user_id, role in sorted((await self._redis.hgetall(keys.members(shop))).items()):
            user = await self.get(user_id)
            if user is not None:
                found.append((user, parse_role(role)))
        return sorted(found, key=lambda member: member[0].email)

    async def invite(self, invitation: Invitation) -> str:
        """Store the invitation, replacing an unused one of the same email to the same
        shop; returns its token, to be sent to the email in a link and never stored."""
        token = secrets.token_urlsafe(32)
        await self._store_invitation(invitation, token, INVITATION_TTL_S)
        return token

    async def _store_invitation(self, invitation: Invitation, token: str, ttl_s: int) -> None:
        pending = keys.pending_invitations(invitation.email)
        replaced = await self._redis.hget(pending, invitation.shop)
        if replaced is not None:
            await self._redis.delete(keys.invitation_by_digest(replaced))
        body = orjson.dumps(vars(invitation))
        await self._redis.set(keys.invitation(token), body, ex=ttl_s)
        await self._redis.hset(pending, invitation.shop, keys.digest(token))
        await self._redis.expire(pending, INVITATION_TTL_S)
        listed = keys.shop_invitations(invitation.shop)
        await self._redis.hset(listed, invitation.email, keys.digest(token))
        await self._redis.expire(listed, INVITATION_TTL_S)

    async def pending(self, shop: str) -> list[PendingInvitation]:
        """The shop's invitations not used, revoked or expired yet, by email."""
        listed = keys.shop_invitations(shop)
        found = []
        for email, digest in sorted((await self._redis.hgetall(listed)).items()):
            stored = keys.invitation_by_digest(digest)
            invitation = _invitation(await self._redis.get(stored))
            ttl_s = await self._redis.ttl(stored)
            if invitation is None or ttl_s <= 0:
                await self._redis.hdel(listed, email)
                continue
            found.append(PendingInvitation(invitation, ttl_s))
        return found

    async def revoke(self, shop: str, email: str) -> None:
        """Delete the shop's pending invitation of `email`: its link stops working."""
        email = normalise_email(email)
        listed = keys.shop_invitations(shop)
        digest = await self._redis.hget(listed, email)
        if digest is None or not await self._redis.delete(keys.invitation_by_digest(digest)):
            await self._redis.hdel(listed, email)
            raise AccountError(f"there is no pending invitation for {email}")
        await self._redis.hdel(listed, email)
        await self._redis.hdel(keys.pending_invitations(email), shop)

    async def reissue_invitations(self, email: str) -> list[tuple[Invitation, str]]:
        """New tokens for the email's unused invitations (the old links stop working),
        for the operator to hand over when no mail server is configured."""
        email = normalise_email(email)
        reissued = []
        for digest in (await self._redis.hgetall(keys.pending_invitations(email))).values():
            stored = keys.invitation_by_digest(digest)
            ttl_s = await self._redis.ttl(stored)
            invitation = _invitation(await self._redis.get(stored))
            if invitation is not None and ttl_s > 0:
                token = secrets.token_urlsafe(32)
                await self._store_invitation(invitation, token, ttl_s)
                reissued.append((invitation, token))
        return reissued

    async def peek_invitation(self, token: str) -> Invitation | None:
        return _invitation(await self._redis.get(keys.invitation(token)))

    async def use_invitation(self, token: str, user: User) -> Invitation:
        """Spend the invitation (once): `user`, whose email it was sent to, joins the shop."""
        invitation = _invitation(await self._redis.getdel(keys.invitation(token)))
        if invitation is None or invitation.email != user.email:
            raise AccountError("this invitation was used already, revoked, or it has expired")
        await self._redis.hdel(keys.pending_invitations(invitation.email), invitation.shop)
        await self._redis.hdel(keys.shop_invitations(invitation.shop), invitation.email)
        await self.add_member(invitation.shop, user, invitation.role)
        return invitation


def _invitation(stored: str | bytes | None) -> Invitation | None:
    if stored is None:
        return None
    data = orjson.loads(stored)
    return Invitation(data["shop"], parse_role(data["role"]), data["email"], data["invited_by"])
