"""Password hashing with scrypt: the parameters travel with each hash, so they can grow.

N = 2**15, r = 8, p = 3 is one of OWASP's recommended scrypt settings (32 MiB, ~0.1 s).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

MIN_LENGTH = 12
MAX_LENGTH = 1024


@dataclass(frozen=True)
class ScryptCost:
    n: int = 2**15
    r: int = 8
    p: int = 3

    @property
    def maxmem(self) -> int:
        return 2 * 128 * self.n * self.r * self.p + 1024 * 1024


DEFAULT_COST = ScryptCost()


class WeakPassword(ValueError):
    """The password is too short or too long."""


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_LENGTH} characters")


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem, dklen=32
    )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str, cost: ScryptCost = DEFAULT_COST) -> str:
    """`scrypt$n$r$p$salt$key`, salt and key in base64."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, cost)
    return f"scrypt${cost.n}${cost.r}${cost.p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        cost = ScryptCost(int(n), int(r), int(p))
        expected = base64.b64decode(key)
        derived = _derive(password[:MAX_LENGTH], base64.b64decode(salt), cost)
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(derived, expected)


@functools.cache
def dummy_hash() -> str:
    """Verified against when the email is unknown, so that the answer takes as long."""
    return hash_password(secrets.token_urlsafe(16))
