"""Site keys (public, in the snippet) and secret keys (for the shop's backend).

A key names its shop (`pk_<shop>_<random>`, `sk_<shop>_<random>`) so that it can be
checked against that shop's record without a global index. Secret keys are random enough
(256 bits) that a plain SHA-256 is a safe stored form; they are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SITE_KEY_PREFIX = "pk_"
SECRET_KEY_PREFIX = "sk_"
SHOP_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def new_site_key(shop: str) -> str:
    return f"{SITE_KEY_PREFIX}{shop}_{secrets.token_hex(16)}"


def new_secret_key(shop: str) -> str:
    return f"{SECRET_KEY_PREFIX}{shop}_{secrets.token_hex(32)}"


def shop_of_key(key: str, prefix: str) -> str | None:
    """The shop id a key names, or None when the key is not of that kind."""
    if not key.startswith(prefix):
        return None
    shop, _, random_part = key[len(prefix) :].partition("_")
    if not random_part or not SHOP_ID_PATTERN.fullmatch(shop):
        return None
    return shop


def hash_secret(secret_key: str) -> str:
    return hashlib.sha256(secret_key.encode()).hexdigest()


def secret_matches(secret_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret_key), stored_hash)
