"""Redis key names of the dashboard's accounts, built only here (see tracker.keys).

Users, sessions and invitations are global (`bl:users:...`): a user may belong to several
shops. Who belongs to a shop, and in which role, is a key of that shop: the one source
of truth for every access check. Secrets (session ids, invitation tokens) appear in keys
only as SHA-256 digests, so a copy of the store grants no session.
"""

from __future__ import annotations

import hashlib

from tracker.keys import NAMESPACE, shop_key

USERS = NAMESPACE + "users:"
EMAILS = USERS + "by-email"
OPERATORS = USERS + "operators"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user(user_id: str) -> str:
    """Hash: email, password (a KDF hash), operator (0/1), created_at."""
    return f"{USERS}{user_id}"


def user_shops(user_id: str) -> str:
    """Hash shop -> role: an index for listing a user's shops, never for access checks."""
    return f"{USERS}{user_id}:shops"


def session(session_id: str) -> str:
    """Hash: user, csrf, created_at, started (epoch seconds); expires when idle."""
    return session_by_digest(digest(session_id))


def invitation(token: str) -> str:
    """JSON of the invitation: shop, role, email, invited_by; read and deleted at once."""
    return invitation_by_digest(digest(token))


def failed_logins(email: str) -> str:
    """Counter of failed logins for an email address; its lifetime is the lock-out window."""
    return f"{USERS}failed-logins:{digest(email)}"


def login_attempts(client: str) -> str:
    """Counter of login attempts from one client address in the current window."""
    return f"{USERS}login-attempts:{digest(client)}"


def members(shop: str) -> str:
    """Hash user id -> role: who may see the shop's dashboard, and as what."""
    return shop_key(shop, "dashboard:members")


def shop_invitations(shop: str) -> str:
    """Hash email -> digest of the token of the shop's unused invitation to it: the Team
    page's list of pending invitations (the invitation itself may have expired)."""
    return shop_key(shop, "dashboard:invitations")


def session_by_digest(session_digest: str) -> str:
    return f"{USERS}sessions:{session_digest}"


def user_sessions(user_id: str) -> str:
    """Set of the digests of the user's sessions, to end them all at once."""
    return f"{USERS}{user_id}:sessions"


def invitation_by_digest(token_digest: str) -> str:
    return f"{USERS}invitations:{token_digest}"


def pending_invitations(email: str) -> str:
    """Hash shop -> digest of the token of the email's invitation to it, not yet used."""
    return f"{USERS}pending-invitations:{digest(email)}"


def password_reset(token: str) -> str:
    """The user id a password reset link is for; read and deleted at once."""
    return f"{USERS}password-resets:{digest(token)}"
