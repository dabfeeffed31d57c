"""Logging in: per-address rate limiting, per-account lock-out, and constant-time answers.

Five wrong passwords for one email within 15 minutes lock that account's logins until
the window ends; thirty attempts from one client address within 10 minutes refuse that
address's logins until its window ends. A locked account answers like a wrong password
to the form, so that the lock reveals nothing an attacker can tell apart.

Every form that takes a password goes through here: the login, accepting an invitation
as an existing account, and the password change, so guesses count alike wherever they
are made.
"""

from __future__ import annotations

from typing import Any, Literal

from starlette.concurrency import run_in_threadpool

from widget.dashboard import keys
from widget.dashboard.accounts import Accounts, User
from widget.dashboard.passwords import WeakPassword, check_strength, dummy_hash, verify_password

MAX_FAILURES = 5
LOCKOUT_S = 15 * 60
MAX_ATTEMPTS_PER_CLIENT = 30
CLIENT_WINDOW_S = 10 * 60

Refusal = Literal["invalid", "locked", "rate_limited"]


class LoginRefused(Exception):
    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason: Refusal = reason


async def _count(redis: Any, key: str, window_s: int) -> int:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        count, _ = await pipe.execute()
    return int(count)


async def count_attempt(redis: Any, client: str) -> None:
    """One more attempt from `client`; `LoginRefused("rate_limited")` past the limit."""
    if await _count(redis, keys.login_attempts(client), CLIENT_WINDOW_S) > MAX_ATTEMPTS_PER_CLIENT:
        raise LoginRefused("rate_limited")


async def _check(redis: Any, email: str, password: str, user: User | None) -> User:
    failures = int(await redis.get(keys.failed_logins(email)) or 0)
    stored = user.password_hash if user is not None else dummy_hash()
    matches = await run_in_threadpool(verify_password, password, stored)
    if failures >= MAX_FAILURES:
        raise LoginRefused("locked")
    if user is None or not matches:
        await _count(redis, keys.failed_logins(email), LOCKOUT_S)
        raise LoginRefused("invalid")
    await redis.delete(keys.failed_logins(email))
    return user


async def log_in(redis: Any, email: str, password: str, client: str) -> User:
    """The user whose email and password these are; `LoginRefused` otherwise."""
    await count_attempt(redis, client)
    email = email.strip().lower()
    return await _check(redis, email, password, await Accounts(redis).by_email(email))


async def claim(redis: Any, email: str, password: str, again: str, client: str) -> User | None:
    """For the invited `email`: its account if `password` is that account's (checked as
    a login); None when it has no account and `password`, typed twice, is strong enough
    for a new one. `LoginRefused` otherwise, the same whether or not the account exists."""
    await count_attempt(redis, client)
    user = await Accounts(redis).by_email(email)
    if user is not None:
        return await _check(redis, email, password, user)
    await run_in_threadpool(verify_password, password, dummy_hash())
    try:
        check_strength(password)
    except WeakPassword:
        raise LoginRefused("invalid") from None
    if password != again:
        raise LoginRefused("invalid")
    return None


async def unlock(redis: Any, email: str) -> None:
    """Forget the failed logins of `email`, after its password was reset."""
    await redis.delete(keys.failed_logins(email))
