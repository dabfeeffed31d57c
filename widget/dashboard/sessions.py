"""Server-side sessions: a random id in a cookie, the record in the store, a CSRF token each.

The cookie is Secure, HttpOnly and SameSite=Lax; the store keeps the session under the
digest of its id and forgets it after `IDLE_S` without a request, or at the end of its
absolute lifetime (`BASKETLIFT_SESSION_LIFETIME_HOURS`), whichever comes first. A login
always starts a new session (no fixation); logout deletes it; a password change or
reset ends every session of the user.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from widget.dashboard import keys

COOKIE = "bl_session"
IDLE_S = 8 * 3600
COOKIE_PATH = "/dashboard"


@dataclass(frozen=True)
class Session:
    id: str
    user_id: str
    csrf: str


def _ttl(started: float, lifetime_s: int) -> int:
    return max(0, min(IDLE_S, int(started + lifetime_s - time.time())))


async def start(redis: Any, user_id: str, lifetime_s: int) -> Session:
    session = Session(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32))
    started = time.time()
    await redis.hset(
        keys.session(session.id),
        mapping={
            "user": user_id,
            "csrf": session.csrf,
            "created_at": datetime.now(UTC).isoformat(),
            "started": started,
        },
    )
    await redis.expire(keys.session(session.id), _ttl(started, lifetime_s))
    await _remember(redis, user_id, keys.digest(session.id))
    return session


async def _remember(redis: Any, user_id: str, session_digest: str) -> None:
    index = keys.user_sessions(user_id)
    for known in await redis.smembers(index):
        if not await redis.exists(keys.session_by_digest(known)):
            await redis.srem(index, known)
    await redis.sadd(index, session_digest)


async def find(redis: Any, session_id: str | None, lifetime_s: int) -> Session | None:
    """The live session of this id, its idle time restarted within its lifetime; None if
    there is none."""
    if not session_id or len(session_id) > 100:
        return None
    stored = await redis.hgetall(keys.session(session_id))
    if not stored:
        return None
    ttl = _ttl(float(stored.get("started", 0)), lifetime_s)
    if ttl <= 0:
        await end(redis, session_id)
        return None
    await redis.expire(keys.session(session_id), ttl)
    return Session(session_id, stored["user"], stored["csrf"])


async def end(redis: Any, session_id: str) -> None:
    await redis.delete(keys.session(session_id))


async def end_all(redis: Any, user_id: str) -> None:
    """End every session of the user, wherever it was started."""
    index = keys.user_sessions(user_id)
    for known in await redis.smembers(index):
        await redis.delete(keys.session_by_digest(known))
    await redis.delete(index)


def set_cookie(response: Response, name: str, value: str, max_age: int = IDLE_S) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, secure=True, httponly=True, samesite="lax")
