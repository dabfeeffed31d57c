"""Server-side sessions: a random id in a cookie, the record in the store, a CSRF token each.

The cookie is Secure, HttpOnly and SameSite=Lax; the store keeps the session under the
digest of its id and forgets it after `IDLE_S` without a request. A login always starts
a new session (no fixation); logout deletes it.
"""

from __future__ import annotations

import secrets
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


async def start(redis: Any, user_id: str) -> Session:
    session = Session(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32))
    await redis.hset(
        keys.session(session.id),
        mapping={
            "user": user_id,
            "csrf": session.csrf,
            "created_at": datetime.now(UTC).isoformat(),
        },
    )
    await redis.expire(keys.session(session.id), IDLE_S)
    return session


async def find(redis: Any, session_id: str | None) -> Session | None:
    """The live session of this id, its idle time restarted; None if there is none."""
    if not session_id or len(session_id) > 100:
        return None
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.session(session_id))
        pipe.expire(keys.session(session_id), IDLE_S)
        stored, _ = await pipe.execute()
    if not stored:
        return None
    return Session(session_id, stored["user"], stored["csrf"])


async def end(redis: Any, session_id: str) -> None:
    await redis.delete(keys.session(session_id))


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
